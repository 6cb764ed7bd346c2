// 小区群: keep the conversation at the newest message, tidy live updates,
// and listen to Server-Sent Events when the page offers a stream.
// No inline scripts (CSP script-src 'self'); HTMX does the requests.
(function () {
  "use strict";

  function chat() { return document.querySelector("[data-testid=chat]"); }
  function list() { return document.getElementById("chat-messages"); }

  function nearBottom() {
    var doc = document.documentElement;
    return doc.scrollHeight - (window.scrollY + window.innerHeight) < 160;
  }
  function toBottom() { window.scrollTo(0, document.documentElement.scrollHeight); }

  // A message can arrive twice (a poll and the post-send poll crossing);
  // keep the first copy of each id. Drop the empty state once one arrives.
  function tidy() {
    var box = list();
    if (!box) { return; }
    var seen = {};
    box.querySelectorAll("[data-id]").forEach(function (el) {
      var id = el.getAttribute("data-id");
      if (seen[id]) { el.remove(); } else { seen[id] = true; }
    });
    if (box.querySelector("[data-id]")) {
      var empty = document.getElementById("chat-empty");
      if (empty) { empty.remove(); }
    }
  }

  var follow = false;
  var sentByMe = false;

  document.addEventListener("DOMContentLoaded", function () {
    var c = chat();
    if (!c) { return; }
    tidy();
    if (c.hasAttribute("data-follow") && !window.location.hash) { toBottom(); }
    if (window.location.hash) {
      var target = document.getElementById(window.location.hash.slice(1));
      if (target) { target.classList.add("msg--flash"); }
    }
    startStream(c.getAttribute("data-stream-url"));

    var textarea = c.querySelector(".chat__composer textarea");
    if (textarea) {
      var grow = function () { textarea.style.height = "auto"; textarea.style.height = Math.min(textarea.scrollHeight, 120) + "px"; };
      textarea.addEventListener("input", grow);
      // Enter sends, Shift+Enter starts a new line (the WeChat habit).
      textarea.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          if (textarea.value.trim()) { textarea.form.requestSubmit(); }
        }
      });
    }
  });

  // Before new messages are appended, remember whether the reader is at the bottom.
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.target && e.target.id === "chat-poller") { follow = nearBottom(); }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    tidy();
    if (follow || sentByMe) { toBottom(); sentByMe = false; }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "chat-older") { tidy(); }
  });

  // The send view answers HX-Trigger "chat:sent, chat:poll": clear the box; the poller fetches.
  // (HX-Trigger events are dispatched on the element that made the request and bubble up.)
  document.addEventListener("chat:sent", function () {
    var form = document.querySelector(".chat__composer");
    if (!form) { return; }
    form.reset();
    var textarea = form.querySelector("textarea");
    if (textarea) { textarea.style.height = "auto"; textarea.focus(); }
    sentByMe = true;
  });

  function poll() {
    if (window.htmx) { window.htmx.trigger(document.body, "chat:poll"); }
  }

  // Server-Sent Events: each event means "there is something new"; the poller fetches it.
  // If the stream keeps failing, poll every few seconds instead.
  function startStream(url) {
    if (!url || !window.EventSource) { return; }
    var failures = 0;
    var fallback = null;
    var source = new EventSource(url);
    source.addEventListener("message", function () { failures = 0; poll(); });
    source.addEventListener("open", function () {
      failures = 0;
      if (fallback) { clearInterval(fallback); fallback = null; }
    });
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3 && !fallback) { fallback = setInterval(poll, 3000); }
    });
  }
})();
