/* The small DOM helpers the editor's side panels share (path-tests.js, what-if.js): a query, an element builder, a
   status line and the key of the process being edited. Loaded before them (templates/pages/editor.html). */
(function () {
  'use strict';

  function $(selector, root) { return (root || document).querySelector(selector); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  /* A status writer for the element matching `selector`: status(message, kind) sets its text and data-kind. */
  function statusLine(selector) {
    return function (message, kind) {
      var node = $(selector);
      node.textContent = message || '';
      node.dataset.kind = kind || '';
    };
  }

  /* The id of the diagram's (executable) process, else `fallback`. */
  function processKey(modeler, fallback) {
    var roots = modeler.getDefinitions().rootElements || [];
    var process = roots.filter(function (e) { return e.$type === 'bpmn:Process' && e.isExecutable; })[0] ||
      roots.filter(function (e) { return e.$type === 'bpmn:Process'; })[0];
    return process ? process.id : fallback;
  }

  window.SafeloopPanelKit = { $: $, el: el, statusLine: statusLine, processKey: processKey };
})();
