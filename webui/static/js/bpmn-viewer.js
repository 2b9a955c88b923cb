/* Safeloop: show a BPMN diagram read-only, with a case's progress marked on it.

   Needs vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js (global BpmnJS) and the
   bpmn-js CSS. Markup:

     <div class="bpmn-canvas" data-bpmn-viewer
          data-bpmn-url="/api/v1/processes/hazard_closure/bpmn?version=1"
          data-completed="StartEvent_1 Task_report"   (space- or comma-separated element ids)
          data-current="Task_verify"
          data-error=""
          data-error-text="{{ _('The diagram could not be shown.') }}"></div>

   Sets data-bpmn-state="ready" (or "error") when done, for tests and styling. Elements added
   later (htmx swaps) are picked up; call SafeloopViewer.mount(element) to do it by hand. */
(function () {
  'use strict';

  var MARKERS = { completed: 'sl-completed', current: 'sl-current', error: 'sl-error' };

  function ids(value) {
    return (value || '').split(/[\s,]+/).filter(Boolean);
  }

  function addMarkers(viewer, element) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    Object.keys(MARKERS).forEach(function (key) {
      ids(element.dataset[key]).forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, MARKERS[key]);
      });
    });
  }

  // Fit the whole diagram now and whenever the box changes size (rotating a phone).
  function fitOnResize(viewer, element) {
    var canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    if (!window.ResizeObserver) return;
    new ResizeObserver(function () {
      // A box of zero size (hidden, or mid-resize) has no finite fit: wait for the next resize.
      if (!element.clientWidth || !element.clientHeight) return;
      canvas.resized();
      canvas.zoom('fit-viewport', 'auto');
    }).observe(element);
  }

  function showError(element, error) {
    element.dataset.bpmnState = 'error';
    var message = document.createElement('p');
    message.className = 'empty-state';
    message.setAttribute('role', 'alert');
    message.textContent = element.dataset.errorText || String(error);
    element.replaceChildren(message);
    if (window.console) console.warn('bpmn viewer:', error);
  }

  function mount(element) {
    if (element.dataset.bpmnState) return Promise.resolve();
    element.dataset.bpmnState = 'loading';
    var viewer = new window.BpmnJS({ container: element });
    element.bpmnViewer = viewer;
    return fetch(element.dataset.bpmnUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        fitOnResize(viewer, element);
        addMarkers(viewer, element);
        element.dataset.bpmnState = 'ready';
      })
      .catch(function (error) { showError(element, error); });
  }

  function mountAll() {
    document.querySelectorAll('[data-bpmn-viewer]').forEach(mount);
  }

  window.SafeloopViewer = { mount: mount, mountAll: mountAll };
  document.addEventListener('DOMContentLoaded', mountAll);
  document.addEventListener('htmx:after:settle', mountAll);
})();
