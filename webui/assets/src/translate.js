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

const NON_INTERRUPTING = / \(Non Interrupting\)$/;

/**
 * The catalog's text for `template`, or null. The properties panel's header asks for type names in
 * title case ("User Task", "Timer Boundary Event (Non Interrupting)") where the catalogs hold them in
 * sentence case ("User task"): those are found too, and "(Non Interrupting)" is translated apart.
 */
function lookup(catalog, template) {
  const has = (key) => Object.prototype.hasOwnProperty.call(catalog, key);
  if (has(template)) return catalog[template];
  const sentence = template.charAt(0) + template.slice(1).toLowerCase();
  if (has(sentence)) return catalog[sentence];
  if (NON_INTERRUPTING.test(template) && has('{type} (non-interrupting)')) {
    const base = lookup(catalog, template.replace(NON_INTERRUPTING, ''));
    if (base !== null) return catalog['{type} (non-interrupting)'].replace('{type}', base);
  }
  return null;
}

/** Return a bpmn-js `translate` function that looks templates up in `catalog`. */
export function createTranslate(catalog) {
  return function translate(template, replacements) {
    const values = replacements || {};
    const found = lookup(catalog, template);
    const text = found === null ? template : found;
    return text.replace(/{([^}]+)}/g, (match, key) => (key in values ? values[key] : match));
  };
}

/** Return a didi module that replaces bpmn-js's `translate` service with `catalog`. */
export function createTranslateModule(catalog) {
  return { translate: ['value', createTranslate(catalog)] };
}

/** The Chinese module: `new BpmnModeler({ additionalModules: [zhTranslateModule] })`. */
export const zhTranslateModule = createTranslateModule(zhCN);
