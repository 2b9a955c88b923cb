/* Safeloop editor: read and write the task properties our engine understands, as
   <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name=… value=…/>.

   Exposes window.SafeloopSpiff = { moddleDescriptor, get(element, name), set(modeler, element, name, value),
   laneOf(element) }. Every change goes through `modeling.updateModdleProperties`, so undo/redo work
   and the command stack marks the diagram as changed. */
(function () {
  'use strict';

  var URI = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

  // The part of SpiffWorkflow's moddle schema we write: properties with name/value pairs.
  var moddleDescriptor = {
    name: 'SpiffWorkflow',
    prefix: 'spiffworkflow',
    uri: URI,
    xml: { tagAlias: 'lowerCase' },
    associations: [],
    types: [
      {
        name: 'Properties',
        superClass: ['Element'],
        properties: [{ name: 'properties', type: 'Property', isMany: true }]
      },
      {
        name: 'Property',
        superClass: ['Element'],
        properties: [
          { name: 'name', type: 'String', isAttr: true },
          { name: 'value', type: 'String', isAttr: true }
        ]
      }
    ]
  };

  function businessObject(element) {
    return element.businessObject || element;
  }

  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    if (!ext || !ext.values) return null;
    for (var i = 0; i < ext.values.length; i++) {
      if (ext.values[i].$instanceOf && ext.values[i].$instanceOf('spiffworkflow:Properties')) return ext.values[i];
    }
    return null;
  }

  function get(element, name) {
    var bo = businessObject(element);
    var props = propertiesOf(bo);
    var found = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    if (found) return found.value || '';
    var camunda = bo.get && bo.$attrs && bo.$attrs['camunda:' + name];
    return camunda || '';
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
      props = moddle.create('spiffworkflow:Properties', { properties: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    return props;
  }

  function set(modeler, element, name, value) {
    var modeling = modeler.get('modeling');
    var moddle = modeler.get('moddle');
    value = (value || '').trim();
    var props = propertiesOf(businessObject(element));
    if (!value) {
      if (!props) return;
      var kept = (props.properties || []).filter(function (p) { return p.name !== name; });
      if (kept.length !== (props.properties || []).length) modeling.updateModdleProperties(element, props, { properties: kept });
      return;
    }
    props = ensureProperties(modeler, element);
    var existing = (props.properties || []).filter(function (p) { return p.name === name; })[0];
    if (existing) {
      if (existing.value !== value) modeling.updateModdleProperties(element, existing, { value: value });
      return;
    }
    var prop = moddle.create('spiffworkflow:Property', { name: name, value: value });
    prop.$parent = props;
    modeling.updateModdleProperties(element, props, { properties: (props.properties || []).concat([prop]) });
  }

  // The innermost lane a flow node sits in (lane membership is the lane's flowNodeRef list).
  function laneOf(modeler, element) {
    var bo = businessObject(element);
    var lanes = modeler.get('elementRegistry').filter(function (el) {
      return el.type === 'bpmn:Lane' && (el.businessObject.flowNodeRef || []).indexOf(bo) !== -1;
    });
    return lanes.length ? lanes[lanes.length - 1].businessObject : null;
  }

  window.SafeloopSpiff = { moddleDescriptor: moddleDescriptor, get: get, set: set, laneOf: laneOf };
})();
