/* Safeloop process editor (templates/pages/editor.html).

   The bpmn-js modeler with its properties panel (timers, conditions …) in Chinese, plus our own
   "Safeloop properties" box: lane → role, form, alternate role (candidateGroups), dueIn / remindBefore / escalateTo / assignee, the
   condition of a flow leaving a gateway (the stock panel has timers but no conditions), and for the process (its pool, or
   nothing selected) who may start it (camunda:candidateStarterGroups / candidateStarterUsers) with the effective starters.
   Validate and Deploy post the XML to the server (the engine's own checks); problems are marked on
   the offending shapes (marker + overlay) and listed. Download BPMN / SVG / PNG, open a local file.
   Leaving the page with unsaved changes asks first (beforeunload). 令牌模拟 (bpmn-js-token-simulation) plays tokens
   through the diagram as drawn: start events and gateway branches are chosen on the canvas; editing waits meanwhile.

   Exposes window.SafeloopEditor = { modeler, showProblems, clearProblems, focusElement, csrfToken } for the path-test
   panel (path-tests.js), tests and the console. */
(function () {
  'use strict';

  var HUMAN = ['bpmn:UserTask', 'bpmn:ManualTask'];
  var PROPERTY_NAMES = ['formKey', 'candidateGroups', 'dueIn', 'remindBefore', 'escalateTo', 'assignee'];
  var GATEWAYS = ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway', 'bpmn:ComplexGateway'];

  var config, text, modeler, dirty = false, problemOverlays = [], markedIds = [], selected = null, loading = false;

  function $(selector) { return document.querySelector(selector); }

  function readJson(id) { return JSON.parse(document.getElementById(id).textContent); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function setStatus(message, kind) {
    var status = $('[data-status]');
    status.textContent = message || '';
    status.dataset.kind = kind || '';
  }

  function markDirty(value) {
    dirty = value;
    document.querySelector('[data-editor]').dataset.dirty = value ? 'true' : 'false';
    if (value) setStatus(text.unsaved, 'warning');
  }

  // --- modeler ---------------------------------------------------------------------------------

  function createModeler() {
    var lib = window.SafeloopModeler;
    var modules = [lib.BpmnPropertiesPanelModule, lib.BpmnPropertiesProviderModule, lib.KeepExplicitDefaultsModule,
      lib.TokenSimulationModule];
    if (config.locale !== 'en') modules.push(lib.zhTranslateModule, lib.TokenSimulationZhModule);
    // No moddle descriptor for spiffworkflow or camunda: their elements and attributes stay generic and are
    // written back as read (see spiff-properties.js).
    modeler = new lib.BpmnModeler({
      container: '#canvas',
      propertiesPanel: { parent: '#properties' },
      additionalModules: modules
    });
    modeler.on('commandStack.changed', function () {
      if (!loading) markDirty(true);
      refreshPanel();
    });
    modeler.on('selection.changed', function (event) {
      selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
      refreshPanel();
    });
    modeler.on('tokenSimulation.toggleMode', function (event) {
      var button = $('[data-action="token-simulation"]');
      button.setAttribute('aria-pressed', event.active ? 'true' : 'false');
      document.querySelector('[data-editor]').dataset.simulating = event.active ? 'true' : 'false';
      setStatus(event.active ? text.simulating : '', 'info');
    });
    if (config.locale !== 'en') translateTitles(document.querySelector('#properties'), modeler.get('translate'));
    window.SafeloopEditor = { modeler: modeler, showProblems: showProblems, clearProblems: clearProblems,
      focusElement: focusElement, csrfToken: csrfToken, setStatus: setStatus };
  }

  // The properties panel's built-in tooltips ("Toggle section", "Open pop-up editor") fall back to English:
  // bpmn-js-properties-panel does not hand its groups and entries the translate service. Translate them here.
  function translateTitles(root, translate) {
    if (!root || !window.MutationObserver) return;
    function fix(el) {
      var title = el.getAttribute('title');
      if (title) {
        var translated = translate(title);
        if (translated !== title) el.setAttribute('title', translated);
      }
    }
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        if (record.type === 'attributes') { fix(record.target); return; }
        record.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.hasAttribute('title')) fix(node);
          node.querySelectorAll('[title]').forEach(fix);
        });
      });
    }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['title'] });
  }

  // The tool palette sits over the canvas's top left: the opening view fits the diagram beside it, so that it
  // never covers the start event. Zoom, fit and full screen come from SafeloopViewer (bpmn-viewer.js).
  var viewControls = null;

  function paletteInset() {
    var box = $('#canvas'), palette = box.querySelector('.djs-palette');
    return palette ? { left: palette.getBoundingClientRect().right - box.getBoundingClientRect().left } : {};
  }

  function openingView() {
    if (viewControls) {
      window.SafeloopViewer.fit(modeler.get('canvas'), paletteInset());
    } else if (window.SafeloopViewer) {
      viewControls = window.SafeloopViewer.attachControls(modeler, $('#canvas'), { insets: paletteInset, keepView: true });
    } else {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
    }
  }

  function importXml(xml) {
    loading = true;
    clearProblems();
    return modeler.importXML(xml).then(function () {
      openingView();
      selected = null;
      refreshPanel();
      $('#canvas').dataset.bpmnState = 'ready';
    }).finally(function () { loading = false; });
  }

  function load() {
    var canvas = $('#canvas');
    fetch(canvas.dataset.bpmnUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(importXml)
      .catch(function (error) {
        canvas.dataset.bpmnState = 'error';
        setStatus(canvas.dataset.errorText, 'error');
        console.warn('editor:', error);
      });
  }

  // --- Safeloop properties box -----------------------------------------------------------------

  function fillSelect(select, items, valueKey, labelFn) {
    items.forEach(function (item) {
      var option = document.createElement('option');
      option.value = item[valueKey];
      option.textContent = labelFn(item);
      select.appendChild(option);
    });
  }

  function roleForName(name) {
    var value = (name || '').trim();
    return config.roles.filter(function (r) {
      return r.key === value || r.name_zh === value || r.name_en.toLowerCase() === value.toLowerCase();
    })[0] || null;
  }

  function showField(name, visible) {
    document.querySelector('[data-sl-field="' + name + '"]').hidden = !visible;
  }

  function ensureOption(select, value) {
    if (!value) return;
    var exists = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    if (!exists) {
      var option = document.createElement('option');
      option.value = value;
      option.textContent = value + ' (?)';
      select.appendChild(option);
    }
  }

  // A flow leaving a gateway carries the gateway's condition for that branch.
  function isGatewayFlow(element) {
    return element && element.type === 'bpmn:SequenceFlow' && element.businessObject.sourceRef &&
      GATEWAYS.indexOf(element.businessObject.sourceRef.$type) !== -1;
  }

  function refreshCondition() {
    var bo = selected.businessObject;
    var input = $('[data-sl-condition]');
    if (document.activeElement !== input) input.value = bo.conditionExpression ? (bo.conditionExpression.body || '') : '';
    $('[data-sl-default-note]').hidden = bo.sourceRef.default !== bo;
  }

  function onConditionChange(event) {
    if (!isGatewayFlow(selected)) return;
    var value = event.target.value.trim();
    var expression = value ? modeler.get('moddle').create('bpmn:FormalExpression', { body: value }) : undefined;
    modeler.get('modeling').updateProperties(selected, { conditionExpression: expression });
  }

  function refreshPanel() {
    var type = selected && selected.type;
    var isLane = type === 'bpmn:Lane';
    var isHuman = HUMAN.indexOf(type) !== -1;
    var isStart = type === 'bpmn:StartEvent';
    var isFlow = isGatewayFlow(selected);
    var target = processTarget();
    var shown = isLane || isHuman || isStart || isFlow || !!target;
    $('[data-sl-body]').hidden = !shown;
    $('[data-sl-empty]').hidden = shown;
    if (!shown) return;
    ['starterGroups', 'starterUsers', 'effectiveStarters'].forEach(function (name) { showField(name, !!target); });
    if (target) {
      $('[data-sl-kind]').textContent = text.kind['bpmn:Process'] + ' · ' + (target.bo.name || target.bo.id);
      ['condition', 'role', 'lane-role', 'formKey', 'candidateGroups', 'dueIn', 'remindBefore', 'escalateTo', 'assignee']
        .forEach(function (name) { showField(name, false); });
      refreshStarters(target);
      return;
    }
    $('[data-sl-kind]').textContent = (text.kind[type] || type) + ' · ' + (selected.businessObject.name || selected.id);
    showField('condition', isFlow);
    if (isFlow) refreshCondition();
    showField('role', isLane);
    showField('lane-role', isHuman);
    showField('formKey', isHuman || isStart);
    ['candidateGroups', 'dueIn', 'remindBefore', 'escalateTo', 'assignee'].forEach(function (name) { showField(name, isHuman); });
    if (isFlow) return;
    if (isLane) {
      var role = roleForName(selected.businessObject.name);
      var select = $('[data-sl-input="role"]');
      select.value = role ? role.key : '';
    }
    if (isHuman) {
      var lane = window.SafeloopSpiff.laneOf(modeler, selected);
      var laneRole = lane && roleForName(lane.name);
      var note = document.querySelector('[data-sl-field="lane-role"]');
      note.textContent = laneRole ? text.laneRole.replace('{role}', laneRole.name) : text.noLaneRole;
      note.className = laneRole ? 'small' : 'small sl-warning';
    }
    PROPERTY_NAMES.forEach(function (name) {
      var input = document.querySelector('[data-sl-input="' + name + '"]');
      var value = window.SafeloopSpiff.get(selected, name);
      if (input.tagName === 'SELECT') ensureOption(input, value);
      input.value = value;
    });
    updateFormLink();
  }

  // --- who may start: camunda:candidateStarterGroups / candidateStarterUsers on the process ---------

  // The process whose start rights the box shows: the selected pool's, or with nothing selected the
  // diagram's own process (or the process of its only pool).
  function processTarget() {
    if (selected && selected.type === 'bpmn:Participant') {
      var ref = selected.businessObject.processRef;
      return ref ? { element: selected, bo: ref } : null;
    }
    if (selected || !modeler) return null;
    var root = modeler.get('canvas').getRootElement();
    if (!root || !root.businessObject) return null;
    if (root.type === 'bpmn:Process') return { element: root, bo: root.businessObject };
    var pools = (root.businessObject.participants || []).filter(function (p) { return p.processRef; });
    if (root.type !== 'bpmn:Collaboration' || pools.length !== 1) return null;
    return { element: modeler.get('elementRegistry').get(pools[0].id), bo: pools[0].processRef };
  }

  function names(value) {
    return (value || '').split(',').map(function (part) { return part.trim(); }).filter(Boolean);
  }

  function starterAttr(target, name) { return window.SafeloopSpiff.getAttr(modeler, target.bo, name); }

  function listItem(textContent, warning) {
    var item = document.createElement('li');
    item.textContent = textContent;
    if (warning) item.className = 'sl-warning';
    return item;
  }

  function starterItem(name, source) {
    var role = roleForName(name);
    return listItem((role ? role.name : name) + ' — ' + source + (role ? '' : ' · ' + text.starters.unknown), !role);
  }

  function isTimerStart(bo) {
    return (bo.eventDefinitions || []).some(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; });
  }

  // The same rule as engine/start_rights.py: lanes of the (non-timer) start events, the groups, the users.
  function showEffectiveStarters(target) {
    var items = [];
    var timers = [];
    modeler.get('elementRegistry').filter(function (el) {
      return el.type === 'bpmn:StartEvent' && el.businessObject.$parent === target.bo;
    }).forEach(function (el) {
      if (isTimerStart(el.businessObject)) { timers.push(el.businessObject.name || el.id); return; }
      var lane = window.SafeloopSpiff.laneOf(modeler, el);
      if (lane) items.push(starterItem(lane.name || lane.id, text.starters.lane));
    });
    names(starterAttr(target, 'candidateStarterGroups')).forEach(function (group) { items.push(starterItem(group, text.starters.group)); });
    names(starterAttr(target, 'candidateStarterUsers')).forEach(function (user) { items.push(listItem(user + ' — ' + text.starters.user)); });
    if (!items.length) items.push(listItem(text.starters.anyone));
    timers.forEach(function (name) { items.push(listItem(text.starters.timer.replace('{name}', name))); });
    $('[data-sl-effective]').replaceChildren.apply($('[data-sl-effective]'), items);
  }

  function refreshStarters(target) {
    var keys = names(starterAttr(target, 'candidateStarterGroups')).map(function (group) {
      var role = roleForName(group);
      return role ? role.key : null;
    });
    document.querySelectorAll('[data-sl-starter-role]').forEach(function (box) { box.checked = keys.indexOf(box.value) !== -1; });
    var input = $('[data-sl-starter-users]');
    if (document.activeElement !== input) input.value = starterAttr(target, 'candidateStarterUsers');
    showEffectiveStarters(target);
  }

  function onStarterRolesChange() {
    var target = processTarget();
    if (!target) return;
    // Names that are no role stay as written (validation points at them); ticked roles follow in list order.
    var unknown = names(starterAttr(target, 'candidateStarterGroups')).filter(function (group) { return !roleForName(group); });
    var ticked = Array.prototype.filter.call(document.querySelectorAll('[data-sl-starter-role]'), function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    window.SafeloopSpiff.setAttr(modeler, target.element, target.bo, 'candidateStarterGroups', unknown.concat(ticked).join(','));
  }

  function onStarterUsersChange(event) {
    var target = processTarget();
    if (target) window.SafeloopSpiff.setAttr(modeler, target.element, target.bo, 'candidateStarterUsers', names(event.target.value).join(','));
  }

  function setUpStarters() {
    var box = $('[data-sl-starter-roles]');
    config.roles.forEach(function (role) {
      var label = document.createElement('label');
      label.className = 'sl-check';
      var input = document.createElement('input');
      input.type = 'checkbox';
      input.value = role.key;
      input.setAttribute('data-sl-starter-role', '');
      input.addEventListener('change', onStarterRolesChange);
      label.append(input, ' ' + role.name);
      box.appendChild(label);
    });
    $('[data-sl-starter-users]').addEventListener('change', onStarterUsersChange);
  }

  function updateFormLink() {
    var key = $('[data-sl-input="formKey"]').value;
    var link = $('[data-sl-form-link]');
    link.hidden = !key;
    if (key) link.href = config.formUrl.replace('__KEY__', encodeURIComponent(key));
  }

  function onPropertyChange(event) {
    if (!selected) return;
    var name = event.target.dataset.slInput;
    if (name === 'role') {
      var role = config.roles.filter(function (r) { return r.key === event.target.value; })[0];
      if (role) modeler.get('modeling').updateProperties(selected, { name: role.name_zh });
      return;
    }
    window.SafeloopSpiff.set(modeler, selected, name, event.target.value);
    if (name === 'formKey') updateFormLink();
  }

  function setUpPanel() {
    fillSelect($('[data-sl-input="role"]'), config.roles, 'key', function (r) { return r.name; });
    fillSelect($('[data-sl-input="candidateGroups"]'), config.roles, 'key', function (r) { return r.name; });
    fillSelect($('[data-sl-input="escalateTo"]'), config.roles, 'key', function (r) { return r.name; });
    fillSelect($('[data-sl-input="formKey"]'), config.forms, 'key', function (f) { return f.title; });
    document.querySelectorAll('[data-sl-input]').forEach(function (input) { input.addEventListener('change', onPropertyChange); });
    $('[data-sl-condition]').addEventListener('change', onConditionChange);
    setUpStarters();
  }

  // --- validation problems on the diagram ------------------------------------------------------

  function clearProblems() {
    if (!modeler) return;
    var canvas = modeler.get('canvas');
    var overlays = modeler.get('overlays');
    markedIds.forEach(function (id) { if (modeler.get('elementRegistry').get(id)) canvas.removeMarker(id, 'sl-invalid'); });
    problemOverlays.forEach(function (id) { overlays.remove(id); });
    markedIds = [];
    problemOverlays = [];
    $('[data-problems]').hidden = true;
    $('[data-override]').hidden = true;
    $('[data-problem-list]').replaceChildren();
  }

  function focusElement(id) {
    var element = modeler.get('elementRegistry').get(id);
    if (!element) return;
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  }

  function badge(message) {
    var node = document.createElement('div');
    node.className = 'sl-problem-badge';
    node.textContent = '!';
    node.title = message;
    return node;
  }

  function showProblems(problems) {
    clearProblems();
    var registry = modeler.get('elementRegistry');
    var list = $('[data-problem-list]');
    problems.forEach(function (problem) {
      var id = problem.element_id;
      var onDiagram = id && registry.get(id);
      if (onDiagram) {
        modeler.get('canvas').addMarker(id, 'sl-invalid');
        markedIds.push(id);
        problemOverlays.push(modeler.get('overlays').add(id, 'sl-problem', { position: { top: -12, right: 12 }, html: badge(problem.message) }));
      }
      var item = document.createElement('li');
      item.dataset.elementId = id || '';
      var label = document.createElement(onDiagram ? 'button' : 'span');
      if (onDiagram) {
        label.type = 'button';
        label.className = 'link-button';
        label.addEventListener('click', function () { focusElement(id); });
      }
      var name = onDiagram && registry.get(id).businessObject.name;
      label.textContent = (name ? name + ' ' : '') + (id ? '[' + id + ']' : '') + (id && !onDiagram ? ' ' + text.noElement : '');
      item.appendChild(label);
      item.appendChild(document.createTextNode(' — ' + problem.message + (problem.line ? '（' + text.line.replace('{n}', problem.line) + '）' : '')));
      list.appendChild(item);
    });
    $('[data-problems]').hidden = problems.length === 0;
  }

  // --- server calls ----------------------------------------------------------------------------

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (result) {
      return fetch(url, {
        method: 'POST', credentials: 'same-origin', body: result.xml,
        headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': csrfToken(), 'Accept': 'application/json' }
      });
    }).then(function (response) {
      // A body that is not JSON (a proxy's error page) still gets a readable message: by status, else a generic one.
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!body.message && response.status === 413) body.message = config.tooLarge;
        return { status: response.status, body: body };
      });
    });
  }

  function validate() {
    setStatus(text.validating, 'info');
    return post(config.validateUrl).then(function (answer) {
      var problems = answer.body.problems || [];
      showProblems(problems);
      if (answer.status >= 400 && !problems.length) {
        setStatus(answer.body.message || text.networkError, 'error');
      } else {
        setStatus(problems.length ? text.invalid.replace('{n}', problems.length) : text.valid, problems.length ? 'error' : 'success');
      }
      $('[data-editor]').dataset.validated = problems.length ? 'invalid' : 'valid';
    }).catch(function () { setStatus(text.networkError, 'error'); });
  }

  // A deploy refused by failing path tests offers "deploy anyway" with a reason (audited by the engine).
  function deploy(reason) {
    setStatus(text.deploying, 'info');
    var url = config.deployUrl + (reason ? '?override_reason=' + encodeURIComponent(reason) : '');
    return post(url).then(function (answer) {
      if (answer.body.ok) {
        markDirty(false);
        window.location.assign(answer.body.redirect);
        return;
      }
      showProblems(answer.body.problems || []);
      $('[data-override]').hidden = !answer.body.path_tests_failed;
      setStatus(answer.body.path_tests_failed ? text.overrideNeeded : (answer.body.message || text.deployFailed), 'error');
    }).catch(function () { setStatus(text.networkError, 'error'); });
  }

  function deployOverride() {
    var reason = $('[data-override-reason]').value.trim();
    if (!reason) { setStatus(text.reasonNeeded, 'error'); $('[data-override-reason]').focus(); return; }
    deploy(reason);
  }

  // --- files -----------------------------------------------------------------------------------

  function fileName(ext) {
    var root = modeler.getDefinitions().rootElements || [];
    var process = root.filter(function (e) { return e.$type === 'bpmn:Process'; })[0];
    return (process ? process.id : 'diagram') + '.' + ext;
  }

  function saveBlob(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function downloadBpmn() {
    modeler.saveXML({ format: true }).then(function (r) { saveBlob(new Blob([r.xml], { type: 'application/xml' }), fileName('bpmn')); });
  }

  function downloadSvg() {
    modeler.saveSVG().then(function (r) { saveBlob(new Blob([r.svg], { type: 'image/svg+xml' }), fileName('svg')); });
  }

  function downloadPng() {
    modeler.saveSVG().then(function (r) {
      var image = new Image();
      var url = URL.createObjectURL(new Blob([r.svg], { type: 'image/svg+xml' }));
      image.onload = function () {
        var scale = 2;
        var canvas = document.createElement('canvas');
        canvas.width = image.width * scale;
        canvas.height = image.height * scale;
        var context = canvas.getContext('2d');
        context.fillStyle = '#fff';
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { saveBlob(blob, fileName('png')); }, 'image/png');
      };
      image.src = url;
    });
  }

  function openFile(event) {
    var file = event.target.files[0];
    if (!file) return;
    file.text().then(function (xml) {
      return importXml(xml).then(function () {
        markDirty(true);
        setStatus(text.opened.replace('{file}', file.name), 'info');
      });
    }).catch(function (error) { setStatus(String(error.message || error), 'error'); });
    event.target.value = '';
  }

  // --- wiring ----------------------------------------------------------------------------------

  function bindToolbar() {
    var actions = {
      'token-simulation': function () { modeler.get('toggleMode').toggleMode(); },
      'validate': validate, 'deploy': function () { deploy(); }, 'deploy-override': deployOverride, 'download-bpmn': downloadBpmn,
      'download-svg': downloadSvg, 'download-png': downloadPng
    };
    document.querySelectorAll('[data-editor] button[data-action]').forEach(function (button) {
      button.addEventListener('click', function () { actions[button.dataset.action](); });
    });
    $('[data-action="open"]').addEventListener('change', openFile);
  }

  function guardUnsaved() {
    window.addEventListener('beforeunload', function (event) {
      if (!dirty) return undefined;
      event.preventDefault();
      event.returnValue = '';
      return '';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!document.querySelector('[data-editor]')) return;
    config = readJson('editor-config');
    text = readJson('editor-text');
    createModeler();
    setUpPanel();
    bindToolbar();
    guardUnsaved();
    load();
  });
})();
