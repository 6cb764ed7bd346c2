// Boards: preview chosen images before they are posted. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file]")) { return; }
    var box = document.querySelector('[data-image-preview-for="' + input.id + '"]');
    if (!box) { return; }
    box.innerHTML = "";
    Array.prototype.slice.call(input.files || [], 0, 9).forEach(function (file) {
      if (!/^image\//.test(file.type)) { return; }
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
      box.appendChild(img);
    });
  });
})();
