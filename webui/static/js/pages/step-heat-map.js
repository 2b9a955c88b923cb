/* The process statistics page: a heat map over the steps of a diagram shown by bpmn-viewer.js, counts on its
   flows, and the slowest cases of the step clicked.

   <div data-bpmn-viewer data-heat-map="ID"> names a <script type="application/json" id="ID"> holding
   {steps: {elementId: {name, tasks, values: {median, p90, overdue}, labels: {…}}}, flows: {flowId: count},
   texts: {tasks, none}}. Steps get the marker class sl-heat-0 … sl-heat-4 (short → long; overdue share on a
   fixed 0–100 % scale, times between the shortest and the longest step) or sl-heat-none, and a badge with the
   chosen measure; each flow gets its count at its middle. The radio buttons in [data-heat-switch] choose the
   measure (kept in the address as ?colour=). A click on a step opens its list <details data-slowest="id">. */
(function () {
  'use strict';

  var BINS = 5;
  var CLASSES = ['sl-heat-none'];
  for (var i = 0; i < BINS; i++) CLASSES.push('sl-heat-' + i);

  function data(element) {
    var node = document.getElementById(element.dataset.heatMap);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function chosen() {
    var input = document.querySelector('[data-heat-switch] input:checked');
    return input ? input.value : 'median';
  }

  function bin(value, low, high, metric) {
    if (metric === 'overdue') return Math.min(BINS - 1, Math.floor(value * BINS));
    if (high <= low) return Math.floor(BINS / 2);
    return Math.min(BINS - 1, Math.floor((value - low) / (high - low) * BINS));
  }

  function badge(text, kind) {
    var el = document.createElement('div');
    el.className = 'stat-badge stat-badge--' + kind;
    el.textContent = text;
    return el;
  }

  function midpoint(waypoints) {
    var lengths = [], total = 0;
    for (var i = 1; i < waypoints.length; i++) {
      var d = Math.hypot(waypoints[i].x - waypoints[i - 1].x, waypoints[i].y - waypoints[i - 1].y);
      lengths.push(d);
      total += d;
    }
    var half = total / 2;
    for (var j = 0; j < lengths.length; j++) {
      if (half <= lengths[j]) {
        var t = lengths[j] ? half / lengths[j] : 0;
        return { x: waypoints[j].x + (waypoints[j + 1].x - waypoints[j].x) * t,
                 y: waypoints[j].y + (waypoints[j + 1].y - waypoints[j].y) * t };
      }
      half -= lengths[j];
    }
    return waypoints[0];
  }

  function paintFlows(viewer, stats) {
    var overlays = viewer.get('overlays');
    var registry = viewer.get('elementRegistry');
    Object.keys(stats.flows).forEach(function (id) {
      var flow = registry.get(id);
      if (!flow || !flow.waypoints || !flow.waypoints.length) return;
      var mid = midpoint(flow.waypoints);
      var box = { x: Math.min.apply(null, flow.waypoints.map(function (w) { return w.x; })),
                  y: Math.min.apply(null, flow.waypoints.map(function (w) { return w.y; })) };
      var count = stats.flows[id];
      var el = badge(String(count), count ? 'flow' : 'flow-none');
      el.dataset.flowCount = id;
      overlays.add(id, 'step-statistics', { position: { left: mid.x - box.x - 10, top: mid.y - box.y - 10 }, html: el });
    });
  }

  function paintSteps(viewer, stats, metric, element) {
    var canvas = viewer.get('canvas');
    var overlays = viewer.get('overlays');
    var registry = viewer.get('elementRegistry');
    overlays.remove({ type: 'step-measure' });
    var shown = Object.keys(stats.steps).filter(function (id) { return registry.get(id); });
    var values = shown.map(function (id) { return stats.steps[id].values[metric]; })
      .filter(function (v) { return v !== null && v !== undefined; });
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    shown.forEach(function (id) {
      var step = stats.steps[id], value = step.values[metric];
      CLASSES.forEach(function (name) { canvas.removeMarker(id, name); });
      var none = !step.tasks || value === null || value === undefined;
      canvas.addMarker(id, none ? 'sl-heat-none' : 'sl-heat-' + bin(value, low, high, metric));
      var text = none ? stats.texts.none : step.labels[metric];
      var el = badge(text, none ? 'none' : 'step');
      el.dataset.stepMeasure = id;
      el.title = step.name + ' · ' + stats.texts.tasks.replace('%(n)s', step.tasks);
      overlays.add(id, 'step-measure', { position: { bottom: 6, left: 4 }, html: el });
    });
    legend(stats, metric, shown, low, high, element);
  }

  function legend(stats, metric, shown, low, high, element) {
    var lowEnd = document.querySelector('[data-legend-low]'), highEnd = document.querySelector('[data-legend-high]');
    if (!lowEnd || !highEnd) return;
    if (metric === 'overdue') { lowEnd.textContent = '0%'; highEnd.textContent = '100%'; return; }
    var label = function (v) {
      var id = shown.filter(function (s) { return stats.steps[s].values[metric] === v; })[0];
      return id ? stats.steps[id].labels[metric] : '—';
    };
    lowEnd.textContent = isFinite(low) ? label(low) : '—';
    highEnd.textContent = isFinite(high) ? label(high) : '—';
    element.dataset.heatMetric = metric;
  }

  function openSlowest(id) {
    var details = document.querySelector('[data-slowest="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
    if (!details) return;
    document.querySelectorAll('[data-slowest]').forEach(function (d) { d.open = d === details; });
    details.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function apply(element) {
    if (element.dataset.heatDone || element.dataset.bpmnState !== 'ready' || !element.bpmnViewer) return;
    var stats = data(element);
    if (!stats) return;
    element.dataset.heatDone = 'true';
    var viewer = element.bpmnViewer;
    paintFlows(viewer, stats);
    paintSteps(viewer, stats, chosen(), element);
    viewer.on('element.click', function (event) {
      if (stats.steps[event.element.id]) openSlowest(event.element.id);
    });
    document.querySelectorAll('[data-heat-switch] input').forEach(function (input) {
      input.addEventListener('change', function () {
        paintSteps(viewer, stats, chosen(), element);
        var url = new URL(window.location.href);
        url.searchParams.set('colour', chosen());
        window.history.replaceState(null, '', url);
      });
    });
    element.dataset.heatState = 'ready';
  }

  function watch(element) {
    apply(element);
    new MutationObserver(function () { apply(element); }).observe(element, { attributes: true, attributeFilter: ['data-bpmn-state'] });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-heat-map]').forEach(watch);
    document.querySelectorAll('[data-show-step]').forEach(function (link) {
      link.addEventListener('click', function () { openSlowest(link.dataset.showStep); });
    });
  });
})();
