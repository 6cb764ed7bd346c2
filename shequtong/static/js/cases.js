// 人民信箱 / 问题跟踪 behaviour (CSP: no inline script). Works without JS; this only tidies the form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // 我要提问题/建议: show only the chosen category's sub-categories, and drop choices from other categories.
  function syncSubcategories(form) {
    var chosen = form.querySelector("input[name=category]:checked");
    var value = chosen ? chosen.value : "";
    form.querySelectorAll("[data-subcat-group]").forEach(function (group) {
      var match = group.getAttribute("data-subcat-group") === value;
      group.hidden = !match;
      if (!match) {
        group.querySelectorAll("input").forEach(function (i) { i.checked = false; });
      }
    });
    var hint = form.querySelector("[data-subcat-hint]");
    if (hint) { hint.hidden = !!value; }
  }

  document.querySelectorAll("form[data-letter-form]").forEach(function (form) {
    syncSubcategories(form);
    form.addEventListener("change", function (e) {
      if (e.target && e.target.name === "category") { syncSubcategories(form); }
    });
  });

  // Case list filters: changing a select submits the filter form straight away.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (e) {
      if (e.target && e.target.tagName === "SELECT") {
        if (e.target.name === "subdistrict") {
          var community = form.querySelector("select[name=community]");
          if (community) { community.value = ""; }
        }
        form.submit();
      }
    });
  });
})();
