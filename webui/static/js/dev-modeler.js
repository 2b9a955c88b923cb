/* Self-check page for the modeler bundle (static/dev/modeler.html): the bpmn-js modeler with
   the properties panel and the Chinese translations, as window.SafeloopModeler exposes them.
   The process editor (issue 7) builds on the same global. */
(function () {
  'use strict';

  document.addEventListener('DOMContentLoaded', function () {
    var lib = window.SafeloopModeler;
    var container = document.getElementById('canvas');
    var modeler = new lib.BpmnModeler({
      container: container,
      propertiesPanel: { parent: '#properties' },
      additionalModules: [
        lib.BpmnPropertiesPanelModule,
        lib.BpmnPropertiesProviderModule,
        lib.zhTranslateModule
      ]
    });
    fetch(container.dataset.bpmnUrl)
      .then(function (response) { return response.text(); })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () {
        modeler.get('canvas').zoom('fit-viewport', 'auto');
        container.dataset.bpmnState = 'ready';
      })
      .catch(function (error) {
        container.dataset.bpmnState = 'error';
        console.error(error);
      });
  });
})();
