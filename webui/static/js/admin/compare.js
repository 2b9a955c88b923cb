/* Compare versions (templates/pages/admin_compare.html): a change's "show" button centres every diagram that
   holds the element on it, at a scale where its label is readable, and brings the diagrams into view.
   Uses the viewer that bpmn-viewer.js keeps on each box (element.bpmnViewer). */
(function () {
  'use strict';

  var READABLE = 1;

  function bounds(element) {
    if (!element.waypoints) return element;
    var xs = element.waypoints.map(function (p) { return p.x; });
    var ys = element.waypoints.map(function (p) { return p.y; });
    var x = Math.min.apply(null, xs), y = Math.min.apply(null, ys);
    return { x: x, y: y, width: Math.max.apply(null, xs) - x, height: Math.max.apply(null, ys) - y };
  }

  function centreOn(box, id) {
    var viewer = box.bpmnViewer;
    var element = viewer && viewer.get('elementRegistry').get(id);
    if (!element) return false;
    var canvas = viewer.get('canvas');
    var size = canvas.getSize();
    var scale = Math.max(canvas.zoom(), READABLE);
    var b = bounds(element);
    canvas.viewbox({ x: b.x + b.width / 2 - size.width / (2 * scale), y: b.y + b.height / 2 - size.height / (2 * scale),
                     width: size.width / scale, height: size.height / scale });
    return true;
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-show-element]');
    if (!button) return;
    var shown = false;
    document.querySelectorAll('[data-bpmn-viewer]').forEach(function (box) {
      shown = centreOn(box, button.dataset.showElement) || shown;
    });
    var grid = document.querySelector('.compare-grid');
    if (shown && grid) grid.scrollIntoView({ block: 'start' });
  });
})();
