// 社区通 front-end glue. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";
  function csrf() { return document.body.dataset.csrf || ""; }

  // Send the CSRF token with every htmx request.
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRFToken"] = csrf();
  });

  // Confirmation before destructive actions: <form data-confirm="确定撤销该角色？">
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { e.preventDefault(); }
  }, true);

  // Send-code button with a 60-second countdown: <button data-sms-button data-phone-field="id_phone">
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-sms-button]");
    if (!btn) { return; }
    e.preventDefault();
    var phone = document.getElementById(btn.getAttribute("data-phone-field"));
    var out = document.getElementById(btn.getAttribute("data-result"));
    var body = new URLSearchParams();
    body.set("phone", phone ? phone.value : "");
    // Past a threshold the server asks for the image captcha first (accounts/captcha.py).
    var box = document.getElementById(btn.getAttribute("data-captcha") || "");
    if (box && !box.hidden) {
      body.set("captcha_id", document.getElementById("sms-captcha-id").value);
      body.set("captcha_answer", document.getElementById("sms-captcha-answer").value);
    }
    btn.disabled = true;
    fetch(btn.getAttribute("data-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        if (out) { out.textContent = res.json.message || ""; out.className = res.ok ? "form-hint" : "form-error"; }
        if (box && res.json.captcha) {
          box.hidden = false;
          document.getElementById("sms-captcha-img").src = res.json.captcha.image_url;
          document.getElementById("sms-captcha-id").value = res.json.captcha.id;
          document.getElementById("sms-captcha-answer").value = "";
        } else if (box && res.ok) { box.hidden = true; }
        if (!res.ok) { btn.disabled = false; return; }
        var left = 60;
        var label = btn.textContent;
        var timer = setInterval(function () {
          left -= 1;
          btn.textContent = left + "秒后重发";
          if (left <= 0) { clearInterval(timer); btn.textContent = label; btn.disabled = false; }
        }, 1000);
      })
      .catch(function () { btn.disabled = false; if (out) { out.textContent = "网络异常，请稍后重试"; out.className = "form-error"; } });
  });

  // Dependent selects: <select data-children-url="/places/communities/?subdistrict=" data-children-target="id_community">
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("select[data-children-url]")) { return; }
    var target = document.getElementById(sel.getAttribute("data-children-target"));
    if (!target) { return; }
    // Only the answer to the latest choice fills the target: an earlier, slower answer (the
    // cleared choice a parent's reload sends) must not overwrite it.
    var seq = (sel.childrenSeq || 0) + 1;
    sel.childrenSeq = seq;
    var load = sel.value
      ? fetch(sel.getAttribute("data-children-url") + encodeURIComponent(sel.value), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
      : Promise.resolve([]);
    load.then(function (items) {
        if (seq !== sel.childrenSeq) { return; }
        target.innerHTML = "";
        var first = document.createElement("option");
        first.value = ""; first.textContent = target.getAttribute("data-placeholder") || "请选择";
        target.appendChild(first);
        items.forEach(function (it) {
          var o = document.createElement("option"); o.value = it.id; o.textContent = it.name; target.appendChild(o);
        });
        target.dispatchEvent(new Event("change", { bubbles: true }));
      });
  });

  // Load shedding (common/shedding.py): a partial update refused with 503 says so and, for a
  // read, tries again after Retry-After by itself; a refused write was not done and is left to the user.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status !== 503) { return; }
    var wait = parseInt(xhr.getResponseHeader("Retry-After") || "3", 10);
    var box = document.querySelector(".toasts");
    if (!box) { box = document.createElement("div"); box.className = "toasts"; document.body.prepend(box); }
    var toast = document.createElement("div");
    toast.className = "toast toast--warning";
    toast.setAttribute("role", "status");
    toast.textContent = "人多，请稍后再试";
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, wait * 1000 + 2000);
    var cfg = e.detail.requestConfig || {};
    if ((cfg.verb || "get").toLowerCase() === "get" && window.htmx && e.detail.pathInfo) {
      setTimeout(function () {
        window.htmx.ajax("GET", e.detail.pathInfo.requestPath, { source: e.detail.elt, target: e.detail.target });
      }, wait * 1000);
    }
  });
})();
