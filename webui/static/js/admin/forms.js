/* Forms list: "Create" opens the editor for the typed key (/admin/forms/<key>). Without JavaScript the
   form submits the key as a query parameter to the list page, which is harmless. */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('[data-new-form]');
    if (!form) return;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var key = form.querySelector('input[name="key"]').value.trim();
      if (key) window.location.assign(form.querySelector('[data-new-form-button]').getAttribute('formaction').replace('__new__', encodeURIComponent(key)));
    });
  });
})();
