// Photos chosen for a form (人民信箱): at most 9, shrunk in the browser before they are sent
// (longest side to data-compress pixels, JPEG), which also leaves the camera's EXIF (GPS) behind.
// The server checks every file by its content again and strips metadata (boards/images.py).
// No inline scripts (CSP).
(function () {
  "use strict";
  var MAX_FILES = 9;

  function shrink(file, limit) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { resolve(file); return; }  // a GIF keeps its frames
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        URL.revokeObjectURL(url);
        var scale = Math.min(1, limit / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || (blob.size >= file.size && scale === 1 && file.type === "image/jpeg")) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", 0.82);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };  // the server will refuse it in words
      img.src = url;
    });
  }

  function preview(input, files) {
    var box = document.querySelector('[data-image-preview-for="' + input.id + '"]');
    if (!box) { return; }
    box.innerHTML = "";
    files.forEach(function (file, i) {
      if (!/^image\//.test(file.type)) { return; }
      var img = document.createElement("img");
      img.alt = "已选照片" + (i + 1);
      img.src = URL.createObjectURL(file);
      img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
      box.appendChild(img);
    });
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-compress]") || input.dataset.shrinking) { return; }
    var status = document.querySelector('[data-compress-status-for="' + input.id + '"]');
    var files = Array.prototype.slice.call(input.files || []);
    var note = "";
    if (files.length > MAX_FILES) { files = files.slice(0, MAX_FILES); note = "最多上传" + MAX_FILES + "张照片，已保留前" + MAX_FILES + "张。"; }
    var limit = parseInt(input.getAttribute("data-compress"), 10) || 1600;
    if (status) { status.textContent = "正在处理照片…"; }
    input.dataset.shrinking = "1";
    Promise.all(files.map(function (f) { return shrink(f, limit); })).then(function (done) {
      if (window.DataTransfer) {
        var dt = new DataTransfer();
        done.forEach(function (f) { dt.items.add(f); });
        input.files = dt.files;
      }
      delete input.dataset.shrinking;
      preview(input, done);
      if (status) { status.textContent = note + (done.length ? "已选择" + done.length + "张照片" : ""); }
    });
  });
})();
