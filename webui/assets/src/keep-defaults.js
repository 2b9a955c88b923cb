/**
 * Keep the attributes a diagram wrote with their BPMN default value when bpmn-js saves it.
 *
 * moddle leaves out every attribute whose value equals the default its schema declares, so
 * `cancelActivity="true"` on a boundary event or `isInterrupting="true"` on a start event vanished
 * when a diagram went through the editor. That means the same (BPMN 2.0 and SpiffWorkflow read a
 * missing attribute as its default, and the version compare treats both alike), but the saved
 * file differed from what the owner wrote. While bpmn-js serialises, this module copies each such
 * value that is set on the element itself (read from the file or set by an edit) into the element's
 * generic attributes, which moddle always writes, and removes the copies afterwards.
 */

function explicitDefaults(element) {
  const properties = (element.$descriptor && element.$descriptor.properties) || [];
  return properties.filter((p) => p.isAttr && p.default !== undefined && p.ns && p.ns.prefix === 'bpmn' &&
    Object.prototype.hasOwnProperty.call(element, p.name) && element[p.name] === p.default);
}

function children(element) {
  const properties = (element.$descriptor && element.$descriptor.properties) || [];
  const found = [];
  properties.forEach((p) => {
    if (p.isReference || p.isAttr || !Object.prototype.hasOwnProperty.call(element, p.name)) return;
    const value = element[p.name];
    (Array.isArray(value) ? value : [value]).forEach((child) => {
      if (child && typeof child === 'object' && child.$descriptor) found.push(child);
    });
  });
  return found.concat(element.$children || []);
}

/** Write each explicit default into $attrs; return [element, attribute] pairs to undo. */
export function markExplicitDefaults(definitions) {
  const added = [];
  const seen = new Set();
  const stack = [definitions];
  while (stack.length) {
    const element = stack.pop();
    if (!element || seen.has(element)) continue;
    seen.add(element);
    explicitDefaults(element).forEach((p) => {
      const name = p.ns.localName;
      if (element.$attrs && !(name in element.$attrs)) {
        element.$attrs[name] = String(p.default);
        added.push([element, name]);
      }
    });
    stack.push(...children(element));
  }
  return added;
}

function KeepExplicitDefaults(eventBus) {
  let added = [];
  eventBus.on('saveXML.start', (event) => { added = markExplicitDefaults(event.definitions); });
  eventBus.on('saveXML.done', () => {
    added.forEach(([element, name]) => { delete element.$attrs[name]; });
    added = [];
  });
}

KeepExplicitDefaults.$inject = ['eventBus'];

/** A didi module: `new BpmnModeler({ additionalModules: [KeepExplicitDefaultsModule] })`. */
export const KeepExplicitDefaultsModule = {
  __init__: ['keepExplicitDefaults'],
  keepExplicitDefaults: ['type', KeepExplicitDefaults],
};
