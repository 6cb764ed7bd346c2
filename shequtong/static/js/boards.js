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

// The read receipt: a POST once the post is shown, so the GET that shows it writes nothing.
(function () {
  "use strict";
  function send() {
    var el = document.querySelector("[data-read-receipt]");
    if (!el) { return; }
    fetch(el.getAttribute("data-read-receipt"), {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRFToken": document.body.dataset.csrf || "" },
    }).catch(function () { /* not counted this time; the next visit sends it again */ });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", send); } else { send(); }
})();
