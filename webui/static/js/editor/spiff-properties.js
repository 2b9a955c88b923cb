/* Safeloop editor: read and write what our engine understands beyond standard BPMN —
   task properties as <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name=… value=…/>,
   and Camunda's attributes such as camunda:candidateStarterGroups on the process.

   No moddle descriptor is registered for the spiffworkflow or camunda namespaces: bpmn-js then keeps every
   element and attribute of those namespaces as it read them (generic elements, $attrs) and writes them back
   unchanged. A partial descriptor made it drop whatever it did not describe (spiffworkflow:preScript,
   instructionsForEndUser …). So `spiffworkflow:properties` is read and written as a generic element here.

   Exposes window.SafeloopSpiff = { get(element, name), set(modeler, element, name, value), laneOf(modeler, element),
   getAttr(modeler, bo, name), setAttr(modeler, element, bo, name, value) }. Every change goes through
   `modeling.updateModdleProperties`, so undo/redo work and the command stack marks the diagram as changed. */
(function () {
  'use strict';

  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
  var CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';

  function businessObject(element) {
    return element.businessObject || element;
  }

  // A generic (descriptor-less) element of the spiffworkflow namespace with this local name, whatever its prefix.
  function isSpiff(node, localName) {
    var ns = node && node.$descriptor && node.$descriptor.ns;
    return !!ns && ns.uri === SPIFF && ns.localName === localName;
  }

  function propertiesOf(bo) {
    var values = (bo.extensionElements && bo.extensionElements.values) || [];
    return values.filter(function (v) { return isSpiff(v, 'properties'); })[0] || null;
  }

  function entries(props) {
    return ((props && props.$children) || []).filter(function (p) { return isSpiff(p, 'property'); });
  }

  function get(element, name) {
    var bo = businessObject(element);
    var found = entries(propertiesOf(bo)).filter(function (p) { return p.name === name; })[0];
    if (found) return found.value || '';
    return (bo.$attrs && bo.$attrs['camunda:' + name]) || '';
  }

  function ensureProperties(modeler, element) {
    var modeling = modeler.get('modeling');
    var moddle = modeler.get('moddle');
    var bo = businessObject(element);
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      modeling.updateModdleProperties(element, bo, { extensionElements: ext });
    }
    var props = propertiesOf(bo);
    if (!props) {
      props = moddle.createAny('spiffworkflow:properties', SPIFF, { $children: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    return props;
  }

  function set(modeler, element, name, value) {
    var modeling = modeler.get('modeling');
    value = (value || '').trim();
    var props = propertiesOf(businessObject(element));
    var children = (props && props.$children) || [];
    if (!value) {
      var kept = children.filter(function (p) { return !(isSpiff(p, 'property') && p.name === name); });
      if (kept.length !== children.length) modeling.updateModdleProperties(element, props, { $children: kept });
      return;
    }
    props = ensureProperties(modeler, element);
    var existing = entries(props).filter(function (p) { return p.name === name; })[0];
    if (existing) {
      if (existing.value !== value) modeling.updateModdleProperties(element, existing, { value: value });
      return;
    }
    var prop = modeler.get('moddle').createAny('spiffworkflow:property', SPIFF, { name: name, value: value });
    prop.$parent = props;
    modeling.updateModdleProperties(element, props, { $children: (props.$children || []).concat([prop]) });
  }

  // The prefix the diagram binds to the Camunda namespace (`camunda` if none). With `declare`, binds `camunda`
  // when nothing is bound yet: a namespaced attribute is written only if <bpmn:definitions> declares its prefix.
  function camundaPrefix(modeler, declare) {
    var attrs = modeler.getDefinitions().$attrs;
    var found = Object.keys(attrs).filter(function (k) { return k.indexOf('xmlns:') === 0 && attrs[k] === CAMUNDA; })[0];
    if (found) return found.slice(6);
    if (declare) attrs['xmlns:camunda'] = CAMUNDA;
    return 'camunda';
  }

  // camunda:<name> of a business object (such as the process), '' when absent.
  function getAttr(modeler, bo, name) {
    return ((bo.$attrs || {})[camundaPrefix(modeler, false) + ':' + name]) || '';
  }

  // Sets (or, with an empty value, removes) camunda:<name> on a business object such as the process.
  function setAttr(modeler, element, bo, name, value) {
    value = (value || '').trim();
    if (getAttr(modeler, bo, name) === value) return;
    var update = {};
    update[camundaPrefix(modeler, true) + ':' + name] = value || undefined;
    modeler.get('modeling').updateModdleProperties(element, bo, update);
  }

  // The innermost lane a flow node sits in (lane membership is the lane's flowNodeRef list).
  function laneOf(modeler, element) {
    var bo = businessObject(element);
    var lanes = modeler.get('elementRegistry').filter(function (el) {
      return el.type === 'bpmn:Lane' && (el.businessObject.flowNodeRef || []).indexOf(bo) !== -1;
    });
    return lanes.length ? lanes[lanes.length - 1].businessObject : null;
  }

  window.SafeloopSpiff = { get: get, set: set, laneOf: laneOf, getAttr: getAttr, setAttr: setAttr };
})();
