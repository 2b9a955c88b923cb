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

  // htmx requests that change state carry the CSRF token as a header too.
  document.addEventListener('htmx:config:request', function (event) {
    var request = event.detail && event.detail.ctx && event.detail.ctx.request;
    var token = csrfToken();
    if (request && token && !/^(GET|HEAD|OPTIONS)$/i.test(request.method)) {
      request.headers['X-CSRFToken'] = token;
    }
  });
})();
