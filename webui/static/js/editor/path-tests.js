/* Path tests in the process editor (templates/pages/editor.html, engine/path_tests.py).

   The owner writes scenarios — start data, then each task's answers in order (or a wait), and the expected end event
   or task — picking tasks and end events from the diagram in the modeler. "Save" stores them with the process (they run
   at every deploy); "Run on this draft" posts the modeler's current XML with the scenarios: the server plays them on a
   scratch database and answers each one's result. A failing scenario is marked on the diagram at the element where it
   diverged (the editor's problem markers) and named with its step. */
(function () {
  'use strict';

  var HUMAN = ['bpmn:UserTask', 'bpmn:ManualTask'];
  var config, text, editor, list, scenarios = [];

  var kit = window.SafeloopPanelKit;
  var $ = kit.$, el = kit.el, status = kit.statusLine('[data-pt-status]');

  function processKey() { return kit.processKey(editor.modeler, config.key); }

  function url(template) { return template.replace('__KEY__', encodeURIComponent(processKey() || '')); }

  // The diagram's elements a scenario can name, as [{id, label}].
  function elements(types) {
    return editor.modeler.get('elementRegistry').filter(function (e) {
      return types.indexOf(e.type) !== -1 && e.businessObject;
    }).map(function (e) {
      var name = e.businessObject.name;
      return { id: e.id, label: name || e.id };
    });
  }

  function elementName(id) {
    var element = editor.modeler.get('elementRegistry').get(id);
    return (element && element.businessObject.name) || id;
  }

  function select(options, value, attrs) {
    var node = el('select', attrs);
    var known = options.some(function (o) { return o.id === value; });
    if (value && !known) options = options.concat([{ id: value, label: value + ' ' + text.noElement }]);
    options.forEach(function (o) {
      var option = el('option', { value: o.id, text: o.label });
      if (o.id === value) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function jsonArea(value, label, attrs) {
    var area = el('textarea', Object.assign({ rows: '2', className: 'code-input', 'aria-label': label, spellcheck: 'false' }, attrs || {}));
    area.value = JSON.stringify(value || {});
    return area;
  }

  // --- rendering -------------------------------------------------------------------------------

  function stepRow(step, index) {
    var row = el('li', { className: 'path-tests__step', 'data-pt-step': '' });
    row.appendChild(el('span', { className: 'small muted', text: text.pt.stepN.replace('{n}', index + 1) }));
    if (step.wait !== undefined) {
      var wait = el('input', { type: 'text', value: step.wait, 'data-pt-wait': '', 'aria-label': text.pt.wait, placeholder: 'P3D' });
      row.appendChild(el('label', { className: 'path-tests__wait small' }, [document.createTextNode(text.pt.wait + ' '), wait]));
    } else {
      row.appendChild(select(elements(HUMAN), step.task, { 'data-pt-task': '', 'aria-label': text.pt.task }));
      row.appendChild(jsonArea(step.data, text.pt.answers, { 'data-pt-data': '' }));
    }
    var remove = el('button', { type: 'button', className: 'btn btn--small', text: text.pt.remove });
    remove.addEventListener('click', function () { row.remove(); });
    row.appendChild(remove);
    return row;
  }

  function expectation(scenario) {
    var expect = scenario.expect || {};
    var kind = expect.task ? 'task' : 'end';
    var box = el('div', { className: 'path-tests__expect cluster' });
    box.appendChild(el('span', { className: 'field__label', text: text.pt.expect }));
    var kindSelect = select([{ id: 'end', label: text.pt.expectEnd }, { id: 'task', label: text.pt.expectTask }], kind,
      { 'data-pt-expect-kind': '', 'aria-label': text.pt.expect });
    var target = el('span');
    function fill(which, value) {
      target.replaceChildren(select(which === 'task' ? elements(HUMAN) : elements(['bpmn:EndEvent']), value,
        { 'data-pt-expect': '', 'aria-label': text.pt.expect }));
    }
    kindSelect.addEventListener('change', function () { fill(kindSelect.value, null); });
    fill(kind, expect.task || expect.end);
    box.appendChild(kindSelect);
    box.appendChild(target);
    return box;
  }

  function card(scenario, index) {
    var item = el('li', { className: 'path-tests__scenario card', 'data-pt-scenario': '' });
    var name = el('input', { type: 'text', maxlength: '200', value: scenario.name || '', 'data-pt-name': '', 'aria-label': text.pt.name });
    var remove = el('button', { type: 'button', className: 'btn btn--small', text: text.pt.remove });
    remove.addEventListener('click', function () { item.remove(); });
    item.appendChild(el('div', { className: 'path-tests__scenario-head cluster' }, [name, remove]));
    item.appendChild(el('label', { className: 'field__label small', text: text.pt.start }));
    item.appendChild(jsonArea(scenario.start, text.pt.start, { 'data-pt-start': '' }));
    item.appendChild(el('p', { className: 'field__label small', text: text.pt.steps }));
    var steps = el('ol', { className: 'path-tests__steps', 'data-pt-steps': '' });
    (scenario.steps || []).forEach(function (step, i) { steps.appendChild(stepRow(step, i)); });
    item.appendChild(steps);
    var addStep = el('button', { type: 'button', className: 'btn btn--small', text: text.pt.addStep });
    addStep.addEventListener('click', function () { steps.appendChild(stepRow({ task: null, data: {} }, steps.children.length)); });
    var addWait = el('button', { type: 'button', className: 'btn btn--small', text: text.pt.addWait });
    addWait.addEventListener('click', function () { steps.appendChild(stepRow({ wait: 'P1D' }, steps.children.length)); });
    item.appendChild(el('div', { className: 'cluster' }, [addStep, addWait]));
    item.appendChild(expectation(scenario));
    item.appendChild(el('p', { className: 'path-tests__result small', 'data-pt-result': '', role: 'status' }));
    item.dataset.index = index;
    return item;
  }

  function render() {
    list.replaceChildren();
    scenarios.forEach(function (scenario, i) { list.appendChild(card(scenario, i)); });
    if (!scenarios.length) list.appendChild(el('li', { className: 'muted small', 'data-pt-empty': '', text: text.pt.none }));
  }

  // --- reading the cards back ------------------------------------------------------------------

  function parseJson(area, field) {
    try {
      var value = JSON.parse(area.value || '{}');
      area.removeAttribute('aria-invalid');
      return value;
    } catch (e) {
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      throw new Error(text.pt.badJson.replace('{field}', field));
    }
  }

  function collect() {
    return Array.prototype.map.call(list.querySelectorAll('[data-pt-scenario]'), function (item) {
      var name = $('[data-pt-name]', item).value.trim();
      var steps = Array.prototype.map.call(item.querySelectorAll('[data-pt-step]'), function (row) {
        var wait = $('[data-pt-wait]', row);
        if (wait) return { wait: wait.value.trim() };
        return { task: $('[data-pt-task]', row).value, data: parseJson($('[data-pt-data]', row), name + ' · ' + text.pt.answers) };
      });
      var expect = {};
      expect[$('[data-pt-expect-kind]', item).value] = ($('[data-pt-expect]', item) || {}).value || '';
      return { name: name, start: parseJson($('[data-pt-start]', item), name + ' · ' + text.pt.start), steps: steps, expect: expect };
    });
  }

  // --- server calls ----------------------------------------------------------------------------

  function send(target, body) {
    return fetch(target, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': editor.csrfToken(), 'Accept': 'application/json' }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) { return { status: response.status, body: json }; });
    });
  }

  function load() {
    if (!config.key) { render(); return; }
    fetch(url(config.pathTestsUrl), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (body) { scenarios = body.items || []; render(); })
      .catch(function () { render(); });
  }

  function save() {
    var payload;
    try { payload = collect(); } catch (e) { status(e.message, 'error'); return; }
    if (!processKey()) { status(text.pt.noKey, 'error'); return; }
    status(text.pt.saving, 'info');
    send(url(config.pathTestsUrl), { scenarios: payload }).then(function (answer) {
      status(answer.body.message || text.networkError, answer.status < 300 ? 'success' : 'error');
    }).catch(function () { status(text.networkError, 'error'); });
  }

  function showResults(results) {
    var items = list.querySelectorAll('[data-pt-scenario]');
    var problems = [];
    results.forEach(function (result, i) {
      var line = items[i] && $('[data-pt-result]', items[i]);
      if (!line) return;
      items[i].dataset.result = result.passed ? 'passed' : 'failed';
      var answered = result.path.length ? ' ' + text.pt.path.replace('{path}', result.path.map(elementName).join(' → ')) : '';
      line.textContent = result.passed ? '✓ ' + text.pt.passed + answered
        : '✗ ' + text.pt.failedAt.replace('{where}', result.where) + '：' + result.message + answered;
      if (!result.passed) problems.push({ element_id: result.element_id, message: result.name + ' · ' + result.where + '：' + result.message });
    });
    editor.showProblems(problems);
    editor.setStatus('');  // a deploy refused earlier is answered by this run's result
    var passed = results.filter(function (r) { return r.passed; }).length;
    status(text.pt.summary.replace('{passed}', passed).replace('{total}', results.length), passed === results.length ? 'success' : 'error');
  }

  function run() {
    var payload;
    try { payload = collect(); } catch (e) { status(e.message, 'error'); return; }
    if (!processKey()) { status(text.pt.noKey, 'error'); return; }
    status(text.pt.running, 'info');
    list.querySelectorAll('[data-pt-scenario]').forEach(function (item) {
      delete item.dataset.result;
      $('[data-pt-result]', item).textContent = '';
    });
    editor.modeler.saveXML({ format: true }).then(function (xml) {
      return send(url(config.pathTestsRunUrl), { bpmn: xml.xml, scenarios: payload });
    }).then(function (answer) {
      if (answer.body.ok) { showResults(answer.body.results || []); return; }
      if (answer.body.problems) editor.showProblems(answer.body.problems);
      status(answer.body.message || text.networkError, 'error');
    }).catch(function () { status(text.networkError, 'error'); });
  }

  function add() {
    try { scenarios = collect(); } catch (e) { scenarios = scenarios.slice(); }
    var ends = elements(['bpmn:EndEvent']);
    scenarios.push({ name: text.pt.newScenario.replace('{n}', scenarios.length + 1), start: {}, steps: [],
      expect: { end: ends.length ? ends[0].id : '' } });
    render();
    var cards = list.querySelectorAll('[data-pt-name]');
    cards[cards.length - 1].focus();
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!$('[data-path-tests]') || !window.SafeloopEditor) return;
    config = JSON.parse(document.getElementById('editor-config').textContent);
    text = JSON.parse(document.getElementById('editor-text').textContent);
    editor = window.SafeloopEditor;
    list = $('[data-pt-list]');
    var actions = { add: add, save: save, run: run };
    document.querySelectorAll('[data-pt-action]').forEach(function (button) {
      button.addEventListener('click', function () { actions[button.dataset.ptAction](); });
    });
    // The task and end-event pickers read the diagram: draw the cards once it is imported.
    var loaded = false;
    editor.modeler.on('import.done', function () { if (!loaded) { loaded = true; load(); } });
  });
})();
