/* Safeloop: progressive enhancements shared by every page (loaded by base.html).
   Pages work without it; it never carries user-visible text (that comes from the
   server-rendered, translated HTML). No inline scripts anywhere: CSP is script-src 'self'. */
(function () {
  'use strict';

  document.documentElement.classList.add('js');

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : null;
  }

  // Dismiss a flash message.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-dismiss="flash"]');
    if (button) button.closest('.flash').remove();
  });

  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting.
  document.addEventListener('submit', function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Phones: the main navigation folds into a menu button that names the current page (and the unread count).
  function setUpNavToggle() {
    var toggle = document.querySelector('[data-nav-toggle]');
    if (!toggle) return;
    var nav = toggle.closest('.site-nav');
    var here = nav.querySelector('.site-nav__link[aria-current="page"]');
    var counts = Array.prototype.map.call(nav.querySelectorAll('.site-nav__list .count'), function (c) {
      return parseInt(c.textContent, 10) || 0;
    });
    var unread = counts.reduce(function (a, b) { return a + b; }, 0);
    var label = toggle.querySelector('[data-nav-current]');
    if (label) label.textContent = (here ? here.firstChild.textContent.trim() : '') + (unread ? ' · ' + unread : '');
    toggle.addEventListener('click', function () {
      var open = nav.classList.toggle('site-nav--open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }

  // Tab strips that scroll sideways (phones) show a fade and an arrow where more tabs hide, and open scrolled to
  // the current tab.
  function markOverflow(strip) {
    var more = strip.scrollWidth - strip.clientWidth - strip.scrollLeft > 2;
    strip.classList.toggle('tabs--more-right', more);
    strip.classList.toggle('tabs--more-left', strip.scrollLeft > 2);
  }

  function setUpTabStrips() {
    document.querySelectorAll('.tabs').forEach(function (strip) {
      var current = strip.querySelector('[aria-current="page"]');
      if (current && current.offsetLeft + current.offsetWidth > strip.clientWidth) {
        strip.scrollLeft = current.offsetLeft - 16;
      }
      markOverflow(strip);
      strip.addEventListener('scroll', function () { markOverflow(strip); }, { passive: true });
    });
    window.addEventListener('resize', function () { document.querySelectorAll('.tabs').forEach(markOverflow); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    setUpNavToggle();
    setUpTabStrips();
  });

  // File pickers (_macros.file_picker): show the chosen files' names beside our own button.
  document.addEventListener('change', function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type=file][data-file-pick]')) return;
    var names = document.querySelector('[data-file-names-for="' + input.id + '"]');
    if (!names) return;
    var chosen = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    names.textContent = chosen.length ? chosen.join('、') : names.dataset.empty;
  });

  // htmx requests that change state carry the CSRF token as a header too.
  document.addEventListener('htmx:config:request', function (event) {
    var request = event.detail && event.detail.ctx && event.detail.ctx.request;
    var token = csrfToken();
    if (request && token && !/^(GET|HEAD|OPTIONS)$/i.test(request.method)) {
      request.headers['X-CSRFToken'] = token;
    }
  });
})();
