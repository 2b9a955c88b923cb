/* Extra marks on diagrams shown by bpmn-viewer.js, once they are ready (data-bpmn-state="ready"):

   data-case-path   sequence flows between passed steps are marked sl-completed (the path a case took)
   data-added, data-removed, data-changed   element ids marked sl-added / sl-removed / sl-changed (compare) */
(function () {
  'use strict';

  var KINDS = { added: 'sl-added', removed: 'sl-removed', changed: 'sl-changed' };

  function ids(value) { return (value || '').split(/[\s,]+/).filter(Boolean); }

  function markPath(element, viewer) {
    var passed = ids(element.dataset.completed).concat(ids(element.dataset.current), ids(element.dataset.error));
    var canvas = viewer.get('canvas');
    viewer.get('elementRegistry').filter(function (el) { return el.type === 'bpmn:SequenceFlow'; }).forEach(function (flow) {
      var bo = flow.businessObject;
      if (passed.indexOf(bo.sourceRef.id) !== -1 && ids(element.dataset.completed).indexOf(bo.sourceRef.id) !== -1 &&
          passed.indexOf(bo.targetRef.id) !== -1) {
        canvas.addMarker(flow.id, 'sl-completed');
      }
    });
  }

  function markKinds(element, viewer) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    Object.keys(KINDS).forEach(function (key) {
      ids(element.dataset[key]).forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, KINDS[key]); });
    });
  }

  function apply(element) {
    if (element.dataset.marksDone || element.dataset.bpmnState !== 'ready' || !element.bpmnViewer) return;
    element.dataset.marksDone = 'true';
    if (element.hasAttribute('data-case-path')) markPath(element, element.bpmnViewer);
    markKinds(element, element.bpmnViewer);
  }

  function watch(element) {
    apply(element);
    new MutationObserver(function () { apply(element); }).observe(element, { attributes: true, attributeFilter: ['data-bpmn-state'] });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-bpmn-viewer]').forEach(watch);
  });
})();
