// 宝山圈: new items arrive through the HTMX poller (every 1.5 s, or when a Server-Sent Event says so).
// Drops duplicates (a poll and a page of older items can cross) and flashes what is new.
(function () {
  "use strict";
  function tidy() {
    var box = document.getElementById("feed-list");
    if (!box) { return; }
    var seen = {};
    box.querySelectorAll("[data-key]").forEach(function (el) {
      var k = el.getAttribute("data-key");
      if (seen[k]) { el.remove(); } else { seen[k] = true; }
    });
    if (box.querySelector("[data-key]")) {
      var empty = document.getElementById("feed-empty");
      if (empty) { empty.remove(); }
    }
  }
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.target && e.target.id === "feed-list") {
      tidy();
      var first = e.target.querySelector("[data-key]");
      if (first) { first.classList.add("feed-item--new"); }
    }
  });
  document.addEventListener("htmx:afterSwap", tidy);
  function poll() { if (window.htmx) { window.htmx.trigger(document.body, "feed:poll"); } }
  document.addEventListener("DOMContentLoaded", function () {
    var feed = document.querySelector("[data-testid=feed]");
    var url = feed && feed.getAttribute("data-stream-url");
    if (!url || !window.EventSource) { return; }
    var failures = 0, fallback = null;
    var source = new EventSource(url);
    source.addEventListener("message", function () { failures = 0; poll(); });
    source.addEventListener("open", function () { failures = 0; if (fallback) { clearInterval(fallback); fallback = null; } });
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3 && !fallback) { fallback = setInterval(poll, 3000); }
    });
  });
})();
