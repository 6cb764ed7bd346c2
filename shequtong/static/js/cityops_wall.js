// 社区通治慧中心 wall (issue 21): three linked 1920×1080 screens, ECharts in the dark theme.
// Figures come from data-data-url, fetched every data-refresh seconds (and redrawn when their tag
// changed); where the server offers data-stream-url (Redis, ASGI), an EventSource also says at once
// when they change (it reconnects by itself, after a server restart too). Picking a subdistrict on one screen focuses
// the others through a BroadcastChannel. Charts are created once and updated with setOption, and
// lists are replaced, never appended, so the page does not grow while it runs for days.
(function () {
  "use strict";
  var body = document.body;
  var dataUrl = body.getAttribute("data-data-url");
  var streamUrl = body.getAttribute("data-stream-url");
  var refresh = parseInt(body.getAttribute("data-refresh"), 10) || 30;
  var district = body.getAttribute("data-district") === "1";
  var staleAfter = parseInt(body.getAttribute("data-stale"), 10) || (2 * refresh + 60);
  var charts = {};
  var focus = null;
  var lastOk = 0;
  var lastTag = "";
  var loading = false;
  var channel = window.BroadcastChannel ? new window.BroadcastChannel("shequtong-wall") : null;
  var TEXT = "#dfe8f5";
  var PALETTE = ["#3ba0ff", "#36cbcb", "#4ecb73", "#fbd437", "#f2637b", "#975fe5", "#ff9f40", "#a0d911"];

  function el(role) { return document.querySelector('[data-role="' + role + '"]'); }

  function setStatus(text, stale) {
    var s = el("status");
    if (!s) { return; }
    s.textContent = text;
    s.classList.toggle("wall__status--stale", !!stale);
  }

  function hhmm(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) + ":" + ("0" + d.getSeconds()).slice(-2);
  }

  function chart(name) {
    if (charts[name]) { return charts[name]; }
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box || !window.echarts) { return null; }
    charts[name] = window.echarts.init(box, "dark", { renderer: "canvas" });
    return charts[name];
  }

  function base() {
    return { backgroundColor: "transparent", color: PALETTE, textStyle: { color: TEXT, fontSize: 16 },
      tooltip: { trigger: "item" }, animationDurationUpdate: 600 };
  }

  function bars(name, labels, series, horizontal) {
    var c = chart(name);
    if (!c) { return; }
    var cat = { type: "category", data: labels, axisLabel: { color: TEXT, fontSize: 14, interval: 0, rotate: horizontal ? 0 : 30 } };
    var val = { type: "value", minInterval: 1, axisLabel: { color: TEXT }, splitLine: { lineStyle: { color: "#233" } } };
    var opt = base();
    opt.tooltip = { trigger: "axis" };
    opt.legend = { top: 0, textStyle: { color: TEXT, fontSize: 14 } };
    opt.grid = { left: horizontal ? 120 : 50, right: 30, top: 40, bottom: horizontal ? 30 : 80 };
    opt.xAxis = horizontal ? val : cat;
    opt.yAxis = horizontal ? cat : val;
    opt.series = series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 28 }; });
    c.setOption(opt, true);
  }

  function pie(name, rows) {
    var c = chart(name);
    if (!c) { return; }
    var opt = base();
    opt.legend = { bottom: 0, textStyle: { color: TEXT, fontSize: 14 } };
    opt.series = [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "45%"], data: rows,
      label: { color: TEXT, fontSize: 14, formatter: "{b} {c}" } }];
    c.setOption(opt, true);
  }

  function replaceList(node, items, render) {
    if (!node) { return; }
    var frag = document.createDocumentFragment();
    items.forEach(function (item) { frag.appendChild(render(item)); });
    if (!items.length && node.getAttribute("data-empty")) { frag.appendChild(li(node.getAttribute("data-empty"), "empty")); }
    node.replaceChildren(frag);
  }

  function li(text, cls) {
    var n = document.createElement("li");
    if (cls) { n.className = cls; }
    n.textContent = text;
    return n;
  }

  function nonZero(rows) { return rows.filter(function (r) { return r.value > 0; }); }

  function drawLeft(d) {
    var subs = d.letters.subdistricts;
    bars("letters_by_subdistrict", subs.map(function (r) { return r.name; }),
      [{ name: "来信数", data: subs.map(function (r) { return r.count; }) }]);
    pie("letters_by_category", nonZero(d.letters.categories.map(function (r) { return { name: r.label, value: r.count }; })));
    var ep = d.epidemic.subdistricts;
    bars("epidemic_by_subdistrict", ep.map(function (r) { return r.name; }), [
      { name: "线索上报", data: ep.map(function (r) { return r.clues; }) },
      { name: "防疫求助", data: ep.map(function (r) { return r.help_requests; }) }]);
    replaceList(el("carousel"), d.letters.carousel, function (r) {
      var n = document.createElement("li");
      n.className = "carousel__item";
      var h = document.createElement("p");
      h.className = "carousel__title";
      h.textContent = "【" + r.status_label + "】" + r.title;
      var m = document.createElement("p");
      m.className = "carousel__meta";
      m.textContent = r.subdistrict + " · " + r.community + " · " + r.category_label +
        (r.rating ? " · 评分 " + r.rating + " 星" : "") + (r.result ? " · 结果：" + r.result : "");
      n.appendChild(h);
      n.appendChild(m);
      return n;
    });
  }

  function drawRight(d) {
    var flow = d.cases.flow.slice(0, 8);
    bars("flow", flow.map(function (r) { return r.from_label + "→" + r.to_label; }), [
      { name: "次数", data: flow.map(function (r) { return r.count; }) },
      { name: "中位用时（小时）", data: flow.map(function (r) { return r.median_hours; }) }], true);
    pie("sources", nonZero(d.cases.sources.map(function (r) { return { name: r.label, value: r.count }; })));
    var levels = d.cases.patrol_levels;
    bars("patrol", levels.map(function (r) { return r.label; }), [{ name: "巡查发现", data: levels.map(function (r) { return r.count; }) }]);
    replaceList(el("terms"), d.cases.concerns.terms, function (r) { return li(r.term + "  " + r.count, "terms__item"); });
  }

  function drawCentre(d) {
    var h = d.overview.headline;
    var pct = function (v) { return v === null ? "—" : Math.round(v * 1000) / 10 + "%"; };
    var cards = [["注册居民", h.residents], ["本期发帖", h.posts], ["人民信箱", h.letters], ["问题总数", h.cases],
      ["问题解决率", pct(h.resolution_rate)], ["即时回应率", pct(h.response_rate)], ["逾期未办", h.overdue_open],
      ["平均评分", h.rating_average === null ? "—" : h.rating_average]];
    replaceList(el("headline"), cards, function (c) {
      var n = document.createElement("div");
      n.className = "figure";
      var v = document.createElement("strong");
      v.textContent = String(c[1]);
      var k = document.createElement("span");
      k.textContent = c[0];
      n.appendChild(v);
      n.appendChild(k);
      return n;
    });
    pie("statuses", nonZero(d.cases.statuses.map(function (r) { return { name: r.label, value: r.count }; })));
    var rows = d.communities.length ? d.communities : d.map;
    // Both figures as of now, like the tiles (the period's "open" beside all-time "overdue" misled).
    var places = d.communities.length ? d.communities.slice(0, 12) : d.map;
    bars("cases_by_place", places.map(function (r) { return r.name; }), [
      { name: "未解决", data: places.map(function (r) { return r.open; }) },
      { name: "逾期", data: places.map(function (r) { return r.overdue; }) }]);
    replaceList(el("tiles"), rows, function (t) {
      var b = document.createElement(d.communities.length ? "div" : "button");
      b.className = "tile" + (t.overdue > 0 ? " tile--late" : "") + (focus === t.id ? " tile--focus" : "");
      if (!d.communities.length) {
        b.type = "button";
        b.setAttribute("data-subdistrict", String(t.id));
        b.setAttribute("aria-pressed", focus === t.id ? "true" : "false");
      }
      var name = document.createElement("strong");
      name.textContent = t.name;
      var fig = document.createElement("span");
      fig.textContent = "未解决 " + t.open + " · 逾期 " + t.overdue + " · 来信 " + t.letters;
      b.appendChild(name);
      b.appendChild(fig);
      return b;
    });
    var top = function (r) { return li(r.title + "（" + r.subdistrict + " · " + r.score + " 赞）", "toplist__item"); };
    replaceList(el("followed"), d.overview.most_followed_open, top);
    replaceList(el("liked"), d.overview.most_liked_resolved, top);
  }

  function draw(d) {
    var screen = body.getAttribute("data-screen");
    if (screen === "left") { drawLeft(d); } else if (screen === "right") { drawRight(d); } else { drawCentre(d); }
    var f = el("focus");
    if (f && district) {
      var named = d.map.filter(function (t) { return t.id === d.focus; })[0];
      f.textContent = named ? named.name : "全区";
    }
    body.setAttribute("data-loaded", String(Date.now()));
  }

  var again = false;

  function load() {
    if (loading) { again = true; return; }  // asked again while fetching (a new focus): fetch once more after
    loading = true;
    again = false;
    var url = dataUrl + (focus ? "?subdistrict=" + focus : "");
    // A request that hangs (a server going away mid-answer) must not block every later refresh.
    var ctrl = window.AbortController ? new window.AbortController() : null;
    var timer = ctrl ? window.setTimeout(function () { ctrl.abort(); }, 15000) : 0;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (d) {
        lastOk = Date.now();
        if (d.tag !== lastTag) { draw(d); }  // polled figures that did not change: nothing to redraw
        lastTag = d.tag;
        setStatus("更新于 " + hhmm(lastOk), false);
      })
      .catch(function () { failed(); })
      .then(function () {
        window.clearTimeout(timer);
        loading = false;
        if (again) { load(); }
      });
  }

  function setFocus(id, tell) {
    focus = focus === id ? null : id;
    if (tell && channel) { channel.postMessage({ focus: focus }); }
    load();
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-subdistrict]") : null;
    if (t) { setFocus(parseInt(t.getAttribute("data-subdistrict"), 10), true); }
  });
  if (channel) {
    channel.onmessage = function (e) {
      if (e.data && "focus" in e.data && e.data.focus !== focus) { focus = e.data.focus; load(); }
    };
  }

  function listen() {
    window.setInterval(load, refresh * 1000);
    if (!streamUrl || !window.EventSource) { return; }
    var source = new window.EventSource(streamUrl);
    source.addEventListener("message", function () { load(); });
    // After a drop (a server restart) the browser reconnects; fetch at once when it is back.
    source.onopen = function () { if (Date.now() - lastOk > refresh * 1000) { load(); } };
  }

  // Stale: nothing fresh for two refresh periods plus a minute (data-stale seconds when set).
  // Once stale, a failed fetch keeps saying so (it used to overwrite it with "暂不可用" every refresh).
  function stale() { return lastOk && Date.now() - lastOk > staleAfter * 1000; }
  function failed() {
    if (stale()) {
      setStatus("数据已过期，最后更新 " + hhmm(lastOk) + "，正在重连…", true);
    } else {
      setStatus("数据暂不可用，正在重试…", true);
    }
  }
  window.setInterval(function () { if (stale()) { failed(); } }, 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  function start() { load(); listen(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
