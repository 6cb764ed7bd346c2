// Form controls in Chinese whatever the browser's language, and errors a screen reader announces.
// Progressive enhancement: without this file the native controls still work.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function labelOf(input) {
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    return (label && label.textContent.trim()) || input.getAttribute("aria-label") || "";
  }

  // --- A file picker that says 选择文件 and names what was chosen (not "Choose Files"). ---
  function enhanceFile(input) {
    if (input.dataset.enhanced) { return; }
    input.dataset.enhanced = "1";
    var images = (input.getAttribute("accept") || "").indexOf("image") === 0;
    var box = el("span", { "class": "file-pick" });
    var button = el("span", { "class": "file-pick__button", "aria-hidden": "true" },
      images ? "选择图片" : (input.getAttribute("accept") || "").indexOf("audio") === 0 ? "选择录音" : "选择文件");
    var names = el("span", { "class": "file-pick__names", "aria-live": "polite" }, "未选择文件");
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    box.appendChild(button);
    box.appendChild(names);
    input.classList.add("file-pick__input");
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      names.textContent = files.length === 0 ? "未选择文件"
        : files.length === 1 ? "已选择：" + files[0] : "已选择" + files.length + "个文件：" + files.join("、");
    });
  }

  // --- A date picker of three selects, 年 / 月 / 日 (and 时 / 分 for a date and time), writing
  // YYYY-MM-DD (YYYY-MM-DDTHH:MM) into the original input. ---
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function enhanceDate(input) {
    if (input.dataset.enhanced) { return; }
    input.dataset.enhanced = "1";
    var withTime = input.type === "datetime-local";
    var now = new Date().getFullYear();
    var min = parseInt((input.getAttribute("min") || "").slice(0, 4), 10) || now - 100;
    var max = parseInt((input.getAttribute("max") || "").slice(0, 4), 10) || now + 5;
    var name = labelOf(input);
    var id = input.id || input.name;
    var box = el("span", { "class": "date-pick", role: "group", "aria-label": name || "日期" });
    function select(part, unit, from, to, descending) {
      var s = el("select", { "class": "date-pick__part", id: id + "_" + part, "aria-label": (name ? name + " " : "") + unit });
      s.appendChild(el("option", { value: "" }, unit));
      for (var i = descending ? to : from; descending ? i >= from : i <= to; i += descending ? -1 : 1) {
        s.appendChild(el("option", { value: String(i) }, i + unit));
      }
      return s;
    }
    var year = select("year", "年", min, max, true);
    var month = select("month", "月", 1, 12, false);
    var day = select("day", "日", 1, 31, false);
    var parts = [year, month, day];
    if (withTime) { parts.push(select("hour", "时", 0, 23, false), select("minute", "分", 0, 59, false)); }
    parts.forEach(function (s) { box.appendChild(s); });
    if (withTime) { box.classList.add("date-pick--time"); }
    if (input.required) { parts.forEach(function (s) { s.required = true; }); }
    input.parentNode.insertBefore(box, input);
    // The original input stays in the form (its name, value and validation), out of sight and of the tab order.
    input.type = "text";
    input.classList.add("date-pick__value");
    input.setAttribute("tabindex", "-1");
    input.setAttribute("aria-hidden", "true");
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    if (label) { label.setAttribute("for", year.id); }

    function fromValue() {
      var m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(input.value || "");
      if (m && !year.querySelector('option[value="' + parseInt(m[1], 10) + '"]')) {
        year.appendChild(el("option", { value: String(parseInt(m[1], 10)) }, parseInt(m[1], 10) + "年"));
      }
      parts.forEach(function (s, i) { s.value = m && m[i + 1] !== undefined ? String(parseInt(m[i + 1], 10)) : ""; });
    }
    function toValue() {
      if (parts.every(function (s) { return s.value !== ""; })) {
        var last = new Date(parseInt(year.value, 10), parseInt(month.value, 10), 0).getDate();
        if (parseInt(day.value, 10) > last) { day.value = String(last); }
        input.value = year.value + "-" + pad(parseInt(month.value, 10)) + "-" + pad(parseInt(day.value, 10))
          + (withTime ? "T" + pad(parseInt(parts[3].value, 10)) + ":" + pad(parseInt(parts[4].value, 10)) : "");
      } else {
        input.value = "";
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    fromValue();
    // A part alone is not a date: the form (an autosubmitting filter) sees only the original input change.
    parts.forEach(function (s) { s.addEventListener("change", function (e) { e.stopPropagation(); toValue(); }); });
    input.addEventListener("input", fromValue);
  }

  // --- Errors: each field's error is part of its description, and the first invalid field gets focus. ---
  function linkErrors(root) {
    var first = null;
    root.querySelectorAll(".field").forEach(function (field) {
      var errors = field.querySelectorAll(".form-error, .errorlist");
      var input = field.querySelector("input:not([type=hidden]), select, textarea");
      if (!errors.length || !input) { return; }
      var ids = [];
      errors.forEach(function (e, i) {
        if (!e.id) { e.id = (input.id || input.name) + "-error-" + i; }
        ids.push(e.id);
      });
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      input.setAttribute("aria-describedby", described.concat(ids).join(" "));
      input.setAttribute("aria-invalid", "true");
      if (!first) { first = input; }
    });
    return first;
  }

  function enhance(root) {
    root.querySelectorAll("input[type=file]").forEach(enhanceFile);
    root.querySelectorAll("input[type=date], input[type=datetime-local]").forEach(enhanceDate);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var first = linkErrors(document);
    if (first && !document.querySelector("[autofocus]")) {
      var target = first.classList.contains("date-pick__value") ? first.previousSibling.querySelector("select") : first;
      if (target && target.focus) { target.focus(); }
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
})();
