/**
 * bpmn-js translate modules: Chinese (default for Safeloop) and a factory for any catalog.
 *
 * bpmn-js looks up every user-visible string through the `translate` service; replacing that
 * service with one that reads a dictionary is the documented way to localise it.
 */
import communityBpmn from 'bpmn-js-i18n-zh/lib/bpmn-js/index.js';
import communityPanel from 'bpmn-js-i18n-zh/lib/properties-panel/index.js';
import communityCamunda from 'bpmn-js-i18n-zh/lib/camunda-properties-panel/index.js';
import safeloopZh from './zh-CN.js';

export const zhCN = { ...communityBpmn, ...communityPanel, ...communityCamunda, ...safeloopZh };

/** Return a bpmn-js `translate` function that looks templates up in `catalog`. */
export function createTranslate(catalog) {
  return function translate(template, replacements) {
    const values = replacements || {};
    const text = Object.prototype.hasOwnProperty.call(catalog, template) ? catalog[template] : template;
    return text.replace(/{([^}]+)}/g, (match, key) => (key in values ? values[key] : match));
  };
}

/** Return a didi module that replaces bpmn-js's `translate` service with `catalog`. */
export function createTranslateModule(catalog) {
  return { translate: ['value', createTranslate(catalog)] };
}

/** The Chinese module: `new BpmnModeler({ additionalModules: [zhTranslateModule] })`. */
export const zhTranslateModule = createTranslateModule(zhCN);
