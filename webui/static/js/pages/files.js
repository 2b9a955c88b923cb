/* File fields: preview the chosen photos before they are uploaded (blob: URLs, allowed by the CSP).
   Without JavaScript the files are uploaded just the same; only the preview is missing. */
(function () {
  'use strict';

  function render(input) {
    var box = document.querySelector('[data-preview-for="' + input.id + '"]');
    if (!box) return;
    box.querySelectorAll('img').forEach(function (img) { URL.revokeObjectURL(img.src); });
    box.textContent = '';
    Array.prototype.forEach.call(input.files || [], function (file) {
      var item = document.createElement('figure');
      item.className = 'file-preview__item';
      if (/^image\//.test(file.type)) {
        var img = document.createElement('img');
        img.src = URL.createObjectURL(file);
        img.alt = '';
        img.className = 'file-thumb';
        item.appendChild(img);
      }
      var caption = document.createElement('figcaption');
      caption.textContent = file.name;
      item.appendChild(caption);
      box.appendChild(item);
    });
  }

  document.addEventListener('change', function (event) {
    var input = event.target;
    if (input.matches && input.matches('input[type=file][data-preview]')) render(input);
  });
})();
