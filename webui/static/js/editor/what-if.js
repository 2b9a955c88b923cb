/* What-if in the process editor (templates/pages/editor.html, engine/what_if.py).

   "Compare with the deployed version" posts the modeler's current XML with the months chosen: the server replays those
   months twice on scratch databases (the deployed version, then this draft) and answers the figures side by side.
   The table shows each measure for both, and the difference; a change for the worse is red (×2 and more in bold), one
   for the better green. The per-step table shows overdue tasks of each step in both runs. */
(function () {
  'use strict';

  var config, text, editor;

  var kit = window.SafeloopPanelKit;
  var $ = kit.$, el = kit.el, status = kit.statusLine('[data-wi-status]');

  function processKey() { return kit.processKey(editor.modeler, config.key); }

  function number(value) {
    if (value === null || value === undefined) return '—';
    return String(Math.round(value * 100) / 100);
  }

  // "+12 (×2.4)" for a difference; the ratio only when the deployed figure is not zero.
  function difference(row) {
    if (row.difference === null || row.difference === undefined) return '—';
    var sign = row.difference > 0 ? '+' : '';
    var text_ = sign + number(row.difference);
    if (row.ratio !== null && row.ratio !== undefined && row.difference !== 0) {
      text_ += ' (×' + number(row.ratio) + ')';
    }
    return text_;
  }

  function changeCell(row) {
    var cell = el('td', { className: 'num what-if__diff', 'data-change': row.change, text: difference(row) });
    if (row.change === 'worse' || row.change === 'better') cell.title = text.wi[row.change];
    if (row.change === 'worse' && (row.ratio >= 2 || (row.ratio === null && row.difference > 0))) cell.dataset.strong = 'true';
    return cell;
  }

  function show(body) {
    var deployedHead = text.wi.deployed.replace('{v}', body.basis.version);
    document.querySelectorAll('[data-wi-deployed-head]').forEach(function (th) { th.textContent = deployedHead; });
    var rows = $('[data-wi-table] tbody');
    rows.replaceChildren();
    body.measures.forEach(function (row) {
      rows.appendChild(el('tr', { 'data-wi-measure': row.measure }, [
        el('th', { scope: 'row', text: row.label }), el('td', { className: 'num', text: number(row.deployed) }),
        el('td', { className: 'num', text: number(row.draft) }), changeCell(row)]));
    });
    var steps = $('[data-wi-steps] tbody');
    steps.replaceChildren();
    function ofTasks(overdue, tasks) {
      return el('td', { className: 'num', text: text.wi.tasksOverdue.replace('{overdue}', overdue).replace('{tasks}', tasks) });
    }
    body.steps.forEach(function (row) {
      steps.appendChild(el('tr', { 'data-wi-step': row.element_id }, [
        el('th', { scope: 'row', text: row.name }), ofTasks(row.deployed_overdue, row.deployed_tasks),
        ofTasks(row.draft_overdue, row.draft_tasks), changeCell(row)]));
    });
    var b = body.basis;
    $('[data-wi-basis]').textContent = text.wi.basis.replace('{from}', b.from).replace('{to}', b.to)
      .replace('{days}', b.working_days).replace('{rate}', number(b.cases_per_working_day));
    var notes = $('[data-wi-notes]');
    notes.replaceChildren();
    (body.notes || []).forEach(function (note) { notes.appendChild(el('li', { text: note })); });
    $('[data-wi-result]').hidden = false;
    if (body.partial) status(text.wi.partial, 'error');
    else status(text.wi.done.replace('{n}', body.arrivals).replace('{seed}', body.seed), 'success');
  }

  function run() {
    if (!processKey()) { status(text.pt.noKey, 'error'); return; }
    var button = $('[data-wi-action="run"]');
    button.disabled = true;
    status(text.wi.running, 'info');
    $('[data-what-if]').setAttribute('aria-busy', 'true');
    editor.modeler.saveXML({ format: true }).then(function (xml) {
      return fetch(config.whatIfUrl.replace('__KEY__', encodeURIComponent(processKey())), {
        method: 'POST', credentials: 'same-origin',
        body: JSON.stringify({ bpmn: xml.xml, months: parseInt($('[data-wi-months]').value, 10) }),
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': editor.csrfToken(), 'Accept': 'application/json' }
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; });
    }).then(function (body) {
      if (body.ok) { show(body); return; }
      if (body.problems) editor.showProblems(body.problems);
      status(body.message || text.networkError, 'error');
    }).catch(function () {
      status(text.networkError, 'error');
    }).then(function () {
      button.disabled = false;
      $('[data-what-if]').removeAttribute('aria-busy');
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!$('[data-what-if]') || !window.SafeloopEditor) return;
    config = JSON.parse(document.getElementById('editor-config').textContent);
    text = JSON.parse(document.getElementById('editor-text').textContent);
    editor = window.SafeloopEditor;
    $('[data-wi-action="run"]').addEventListener('click', run);
  });
})();
