/**
 * esbuild entry for `webui/static/vendor/safeloop-modeler/modeler.bundle.js`.
 *
 * Exposes `window.SafeloopModeler`: the bpmn-js modeler, the properties panel (which ships no
 * browser build) and the Chinese translations, bundled once so that they share one copy of
 * diagram-js, preact and min-dom. Page scripts in `webui/static/js/` use only this global.
 * `KeepExplicitDefaultsModule` keeps attributes written with their default (cancelActivity="true") on save.
 */
export { default as BpmnModeler } from 'bpmn-js/lib/Modeler';
export {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
  useService,
} from 'bpmn-js-properties-panel';
export { default as CamundaBehaviorsModule } from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
export { default as camundaModdleDescriptor } from 'camunda-bpmn-moddle/resources/camunda.json';
export { zhCN, zhTranslateModule, createTranslate, createTranslateModule } from './translate.js';
export { KeepExplicitDefaultsModule } from './keep-defaults.js';
export { TokenSimulationModule, TokenSimulationZhModule } from './token-simulation.js';
