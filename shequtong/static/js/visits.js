// 我与群众面对面 record form: member/non-member switch, problem rows, dictation and audio clips.
// Progressive enhancement: the form works without any of this; each feature appears only
// where the browser supports it (Web Speech API, MediaRecorder).
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form) { return; }

  // Show only the section for the chosen kind of person.
  function syncPersonKind() {
    var checked = form.querySelector("[data-person-kind] input:checked");
    var kind = checked ? checked.value : "member";
    form.querySelectorAll("[data-person-section]").forEach(function (el) {
      el.hidden = el.getAttribute("data-person-section") !== kind;
    });
  }
  form.addEventListener("change", function (e) {
    if (e.target.closest("[data-person-kind]")) { syncPersonKind(); }
  });
  syncPersonKind();

  // Problem rows: show the filled ones and one empty row; "添加问题" reveals the next.
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-problem-row]"));
  var addBtn = form.querySelector("[data-add-problem]");
  var shownEmpty = false;
  rows.forEach(function (row) {
    if (row.getAttribute("data-empty") === "1") {
      if (shownEmpty) { row.hidden = true; } else { shownEmpty = true; }
    }
  });
  function refreshAdd() {
    if (addBtn) { addBtn.hidden = !rows.some(function (r) { return r.hidden; }); }
  }
  if (addBtn) {
    addBtn.addEventListener("click", function () {
      var next = rows.find(function (r) { return r.hidden; });
      if (next) { next.hidden = false; var t = next.querySelector("textarea"); if (t) { t.focus(); } }
      refreshAdd();
    });
  }
  refreshAdd();

  var status = form.querySelector("[data-dictation-status]");
  function say(text) { if (status) { status.textContent = text; } }
  var content = form.querySelector("[data-dictation-target]");

  // Dictation into the content field (Web Speech API, where the browser has it).
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var dictateBtn = form.querySelector("[data-dictate]");
  if (Recognition && dictateBtn && content) {
    dictateBtn.hidden = false;
    var rec = null;
    dictateBtn.addEventListener("click", function () {
      if (rec) { rec.stop(); return; }
      rec = new Recognition();
      rec.lang = "zh-CN";
      rec.continuous = true;
      rec.interimResults = false;
      rec.onresult = function (event) {
        for (var i = event.resultIndex; i < event.results.length; i += 1) {
          if (event.results[i].isFinal) {
            content.value += event.results[i][0].transcript;
          }
        }
      };
      rec.onerror = function () { say("语音识别不可用，请手动输入"); };
      rec.onend = function () { rec = null; dictateBtn.classList.remove("is-on"); dictateBtn.textContent = "语音输入"; say(""); };
      rec.start();
      dictateBtn.classList.add("is-on");
      dictateBtn.textContent = "停止语音输入";
      say("正在聆听…");
    });
  }

  // Recording a clip straight into the audio file input (MediaRecorder + DataTransfer).
  var recordBtn = form.querySelector("[data-record]");
  var fileInput = form.querySelector("input[type=file][name=audio]");
  var preview = form.querySelector("[data-record-preview]");
  if (recordBtn && fileInput && window.MediaRecorder && navigator.mediaDevices && window.DataTransfer) {
    recordBtn.hidden = false;
    var recorder = null;
    var chunks = [];
    recordBtn.addEventListener("click", function () {
      if (recorder) { recorder.stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = recorder.mimeType || "audio/webm";
          var ext = type.indexOf("ogg") >= 0 ? "ogg" : (type.indexOf("mp4") >= 0 ? "m4a" : "webm");
          var file = new File(chunks, "录音." + ext, { type: type });
          var dt = new DataTransfer();
          dt.items.add(file);
          fileInput.files = dt.files;
          if (preview) { preview.src = URL.createObjectURL(file); preview.hidden = false; }
          recorder = null;
          recordBtn.classList.remove("is-on");
          recordBtn.textContent = "重新录音";
          say("录音已附加，保存后上传");
        };
        recorder.start();
        recordBtn.classList.add("is-on");
        recordBtn.textContent = "停止录音";
        say("正在录音…");
      }).catch(function () { say("无法使用麦克风，可直接选择录音文件"); });
    });
  }
})();
