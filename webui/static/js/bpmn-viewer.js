/* Safeloop: show a BPMN diagram read-only, with a case's progress marked on it, and the zoom controls of every
   diagram (viewer pages and the editor).

   Needs vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js (global BpmnJS) and the
   bpmn-js CSS. Markup:

     <div class="bpmn-canvas" data-bpmn-viewer
          data-bpmn-url="/api/v1/processes/hazard_closure/bpmn?version=1"
          data-completed="StartEvent_1 Task_report"   (space- or comma-separated element ids)
          data-current="Task_verify"
          data-error=""
          data-error-text="{{ _('The diagram could not be shown.') }}"></div>

   Mounting wraps the box in <div class="bpmn-frame"> with a toolbar above it: zoom out, zoom in, fit (the whole
   diagram) and full screen (the Fullscreen API; where a browser has none, e.g. an iPhone, the frame covers the
   window instead). The button texts come from <script type="application/json" id="bpmn-viewer-text"> (written
   by pages/_bpmn_css.html in the page's language).

   The opening view fits the diagram to the box (data-open-view="fit": whatever the scale) but never below MIN_READABLE on a desktop, so that labels stay
   legible: a large diagram is then shown around its current step (else its start) and is dragged to see the
   rest. On a phone (≤ 600 px) the whole diagram is shown; the page lists the steps above it.

   Sets data-bpmn-state="ready" (or "error") when done, and data-zoom (the scale) on the frame after every change,
   for tests and styling. Elements added later (htmx swaps) are picked up; call SafeloopViewer.mount(element) to
   do it by hand. The editor calls SafeloopViewer.attachControls(modeler, canvasElement, {insetLeft: …}). */
(function () {
  'use strict';

  var MARKERS = { completed: 'sl-completed', current: 'sl-current', error: 'sl-error' };
  var MIN_READABLE = 0.8;  // bpmn-js writes labels at 12px: below this scale they blur into specks
  var MIN_ZOOM = 0.1, MAX_ZOOM = 4, STEP = 1.25;
  var PAD = 16;  // px around a fitted diagram
  var PHONE = '(max-width: 600px)';
  var FOCUS = ['current', 'error', 'added', 'changed', 'removed'];  // where the opening view looks first

  function ids(value) {
    return (value || '').split(/[\s,]+/).filter(Boolean);
  }

  function text(key, fallback) {
    var node = document.getElementById('bpmn-viewer-text');
    if (!text.cache) {
      try { text.cache = node ? JSON.parse(node.textContent) : {}; } catch (e) { text.cache = {}; }
    }
    return text.cache[key] || fallback;
  }

  function addMarkers(viewer, element) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    Object.keys(MARKERS).forEach(function (key) {
      ids(element.dataset[key]).forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, MARKERS[key]);
      });
    });
  }

  // --- views -----------------------------------------------------------------------------------------------

  function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

  // The whole diagram, centred in the box less `insets` (px; e.g. the editor's palette), never above 100 %.
  function fit(canvas, insets) {
    insets = insets || {};
    var box = canvas.viewbox(), inner = box.inner, outer = box.outer;
    if (!outer.width || !outer.height || !inner.width || !inner.height) return;
    var left = (insets.left || 0) + PAD, top = (insets.top || 0) + PAD;
    var width = Math.max(outer.width - left - PAD, 40), height = Math.max(outer.height - top - PAD, 40);
    var scale = Math.min(1, width / inner.width, height / inner.height);
    canvas.viewbox({
      x: inner.x - (left + (width - inner.width * scale) / 2) / scale,
      y: inner.y - (top + (height - inner.height * scale) / 2) / scale,
      width: outer.width / scale,
      height: outer.height / scale
    });
  }

  // Along one axis: the start of a window of `size` that shows `focus` (a centre) and stays on the diagram.
  function windowStart(focus, size, low, length) {
    if (size >= length + 2 * PAD) return low + length / 2 - size / 2;
    return clamp(focus - size / 2, low - PAD, low + length + PAD - size);
  }

  function focusBox(viewer, element) {
    var registry = viewer.get('elementRegistry');
    for (var i = 0; i < FOCUS.length; i++) {
      var found = ids(element.dataset[FOCUS[i]]).map(function (id) { return registry.get(id); })
        .filter(function (el) { return el && el.width !== undefined; });
      if (found.length) return found[0];
    }
    return null;
  }

  // The opening view: fitted, but not below MIN_READABLE on a desktop (then around the focus, else the start).
  function openingView(viewer, element) {
    var canvas = viewer.get('canvas');
    fit(canvas);
    if (element.dataset.openView === 'fit') return;  // an overview first (the statistics' heat map)
    if (window.matchMedia(PHONE).matches || canvas.zoom() >= MIN_READABLE) return;
    var box = canvas.viewbox(), inner = box.inner, outer = box.outer;
    var width = outer.width / MIN_READABLE, height = outer.height / MIN_READABLE;
    var focus = focusBox(viewer, element);
    var fx = focus ? focus.x + focus.width / 2 : inner.x + width / 2 - PAD;
    var fy = focus ? focus.y + focus.height / 2 : inner.y + inner.height / 2;
    canvas.viewbox({ x: windowStart(fx, width, inner.x, inner.width), y: windowStart(fy, height, inner.y, inner.height),
                     width: width, height: height });
  }

  // --- controls ----------------------------------------------------------------------------------------------

  // Stroked 24×24 icons (drawn here: no icon font, nothing for the CSP to refuse).
  var ICONS = {
    'zoom-out': 'M5 12h14',
    'zoom-in': 'M5 12h14M12 5v14',
    fit: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5M9 9h6v6H9z',
    fullscreen: 'M14 4h6v6M20 4l-7 7M10 20H4v-6M4 20l7-7',
    exit: 'M4 14h6v6M3 21l7-7M20 10h-6V4M21 3l-7 7'
  };

  function icon(name) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', 'bpmn-toolbar__icon');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function button(action, label) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn btn--small bpmn-toolbar__button';
    b.dataset.bpmnAction = action;
    b.title = label;
    var words = document.createElement('span');
    words.className = 'bpmn-toolbar__label';
    words.textContent = label;
    b.append(icon(action), words);
    return b;
  }

  function toolbar() {
    var bar = document.createElement('div');
    bar.className = 'bpmn-toolbar';
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', text('toolbar', 'Diagram view'));
    var level = document.createElement('span');
    level.className = 'bpmn-toolbar__zoom';
    level.dataset.bpmnZoom = '';
    level.setAttribute('aria-live', 'polite');
    bar.append(level, button('zoom-out', text('zoomOut', 'Zoom out')), button('zoom-in', text('zoomIn', 'Zoom in')),
               button('fit', text('fit', 'Fit to view')), button('fullscreen', text('fullscreen', 'Full screen')));
    return bar;
  }

  // The frame around a diagram box: the toolbar above, the box below; what goes full screen.
  function frameFor(container) {
    if (container.parentElement && container.parentElement.classList.contains('bpmn-frame')) {
      return container.parentElement;
    }
    var frame = document.createElement('div');
    frame.className = 'bpmn-frame';
    container.parentNode.insertBefore(frame, container);
    frame.append(toolbar(), container);
    return frame;
  }

  function showZoom(frame, canvas) {
    var scale = canvas.zoom();
    frame.dataset.zoom = String(Math.round(scale * 1000) / 1000);
    var level = frame.querySelector('[data-bpmn-zoom]');
    if (level) level.textContent = Math.round(scale * 100) + '%';
  }

  function isFull(frame) {
    return document.fullscreenElement === frame || frame.classList.contains('bpmn-frame--expanded');
  }

  function setFullscreen(frame, on) {
    if (document.fullscreenEnabled && frame.requestFullscreen) {
      if (on) frame.requestFullscreen().catch(function () { frame.classList.add('bpmn-frame--expanded'); syncFull(frame); });
      else if (document.fullscreenElement) document.exitFullscreen();
      else frame.classList.remove('bpmn-frame--expanded');
    } else {
      frame.classList.toggle('bpmn-frame--expanded', on);
    }
    syncFull(frame);
  }

  function syncFull(frame) {
    var full = isFull(frame);
    var b = frame.querySelector('[data-bpmn-action="fullscreen"]');
    if (!b) return;
    b.setAttribute('aria-pressed', full ? 'true' : 'false');
    var label = full ? text('exitFullscreen', 'Leave full screen') : text('fullscreen', 'Full screen');
    b.title = label;
    b.querySelector('.bpmn-toolbar__label').textContent = label;
    b.replaceChild(icon(full ? 'exit' : 'fullscreen'), b.querySelector('.bpmn-toolbar__icon'));
  }

  function zoomBy(canvas, factor) {
    canvas.zoom(clamp(canvas.zoom() * factor, MIN_ZOOM, MAX_ZOOM), 'auto');
  }

  // Touch: drag to pan (diagram-js pans with a mouse only). The page keeps vertical swipes (touch-action: pan-y)
  // except in full screen, where every swipe moves the diagram.
  function touchPan(container, canvas) {
    var last = null;
    container.addEventListener('pointerdown', function (e) {
      if (e.pointerType === 'touch' && e.isPrimary) last = { x: e.clientX, y: e.clientY };
    });
    container.addEventListener('pointermove', function (e) {
      if (!last || e.pointerType !== 'touch' || !e.isPrimary) return;
      canvas.scroll({ dx: e.clientX - last.x, dy: e.clientY - last.y });
      last = { x: e.clientX, y: e.clientY };
    });
    ['pointerup', 'pointercancel'].forEach(function (name) {
      container.addEventListener(name, function () { last = null; });
    });
  }

  /* Zoom controls for a diagram (a bpmn-js viewer or modeler) in `container`. Options: reset() — the view set
     now and after a resize (default: the whole diagram); insets() — px the fitted diagram keeps clear, e.g. {left}
     for a palette; keepView — after a resize keep the scale and position (the editor). Returns the frame. */
  function attachControls(diagram, container, options) {
    options = options || {};
    var canvas = diagram.get('canvas');
    var frame = frameFor(container);
    var reset = options.reset || function () { fit(canvas, options.insets && options.insets()); };
    frame.addEventListener('click', function (event) {
      var b = event.target.closest('[data-bpmn-action]');
      if (!b || !frame.contains(b)) return;
      var action = b.dataset.bpmnAction;
      if (action === 'zoom-in') zoomBy(canvas, STEP);
      else if (action === 'zoom-out') zoomBy(canvas, 1 / STEP);
      else if (action === 'fit') fit(canvas, options.insets && options.insets());
      else if (action === 'fullscreen') setFullscreen(frame, !isFull(frame));
    });
    frame.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && frame.classList.contains('bpmn-frame--expanded')) setFullscreen(frame, false);
    });
    document.addEventListener('fullscreenchange', function () { syncFull(frame); });
    diagram.on('canvas.viewbox.changed', function () { showZoom(frame, canvas); });
    touchPan(container, canvas);
    // Again whenever the box changes size (a phone turned, full screen entered or left).
    if (window.ResizeObserver) {
      var size = '';
      new ResizeObserver(function () {
        var now = container.clientWidth + 'x' + container.clientHeight;
        // A box of zero size (hidden, or mid-resize) has no finite fit: wait for the next resize.
        if (!container.clientWidth || !container.clientHeight || now === size) return;
        var first = !size;
        size = now;
        canvas.resized();
        if (first || !options.keepView) reset();  // the editor keeps the view someone is working in
      }).observe(container);
    }
    reset();
    showZoom(frame, canvas);
    return frame;
  }

  // --- mounting --------------------------------------------------------------------------------------------

  function showError(element, error) {
    element.dataset.bpmnState = 'error';
    var message = document.createElement('p');
    message.className = 'empty-state';
    message.setAttribute('role', 'alert');
    message.textContent = element.dataset.errorText || String(error);
    element.replaceChildren(message);
    if (window.console) console.warn('bpmn viewer:', error);
  }

  function mount(element) {
    if (element.dataset.bpmnState) return Promise.resolve();
    element.dataset.bpmnState = 'loading';
    var viewer = new window.BpmnJS({ container: element });
    element.bpmnViewer = viewer;
    return fetch(element.dataset.bpmnUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        addMarkers(viewer, element);
        attachControls(viewer, element, { reset: function () { openingView(viewer, element); } });
        element.dataset.bpmnState = 'ready';
      })
      .catch(function (error) { showError(element, error); });
  }

  function mountAll() {
    document.querySelectorAll('[data-bpmn-viewer]').forEach(mount);
  }

  window.SafeloopViewer = { mount: mount, mountAll: mountAll, attachControls: attachControls, fit: fit,
                            MIN_READABLE: MIN_READABLE };
  document.addEventListener('DOMContentLoaded', mountAll);
  document.addEventListener('htmx:after:settle', mountAll);
})();
