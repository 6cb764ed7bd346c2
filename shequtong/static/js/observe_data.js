// 数据 (OB-2): draws every chart of the theme from the JSON the server put in #obs-chart-data.
// The same numbers are in the table under each chart (the chart is an image for screen readers).
(function () {
  "use strict";
  var COLOURS = ["#d9332e", "#1485ee", "#07a04f", "#f5a623", "#8e44ad", "#16a2b8", "#7f8c8d"];
  function option(c, font, width) {
    if (c.kind === "pie") {
      return {
        color: COLOURS,
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0, textStyle: { fontSize: font } },
        series: [{ type: "pie", radius: ["35%", "62%"], top: 0, bottom: 30,
          data: c.categories.map(function (name, i) { return { name: name, value: c.series[0].data[i] }; })
            .filter(function (d) { return d.value > 0; }),
          label: { fontSize: font, formatter: "{b}\n{c}" } }]
      };
    }
    // Slanted labels when they would not fit side by side (长辈模式's larger font makes the five 4-character
    // 问题标签 collide on a phone).
    var chars = c.categories.reduce(function (n, name) { return n + String(name).length; }, 0);
    var many = c.categories.length > 6 || chars * font > width - 60;
    return {
      color: COLOURS,
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { fontSize: font } },
      grid: { left: 44, right: 12, top: c.series.length > 1 ? 36 : 16, bottom: many ? 78 : 40 },
      xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: many ? 40 : 0, fontSize: font } },
      yAxis: { type: "value", minInterval: 1, max: c.target ? function (v) { return Math.max(v.max, c.target.value * 1.1); } : null, axisLabel: { fontSize: font, formatter: c.unit ? "{value}" + c.unit : "{value}" } },
      series: c.series.map(function (s, i) {
        var one = { name: s.name, type: c.kind, data: s.data, smooth: c.kind === "line", barMaxWidth: 28 };
        if (c.target && i === 0) {  // an indicator (户覆盖率 80%): a dashed line across the chart
          one.markLine = { symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#d9332e" },
            label: { formatter: c.target.label, position: "insideEndTop", fontSize: font },
            data: [{ yAxis: c.target.value }] };
        }
        return one;
      })
    };
  }
  function draw() {
    var source = document.getElementById("obs-chart-data");
    if (!source || !window.echarts) { return; }
    var font = document.body.classList.contains("elder") ? 16 : 12;
    var charts = [];
    JSON.parse(source.textContent).charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(option(c, font, el.clientWidth));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
