// 社会公益服务项目数据统计: draws the page's ECharts from the JSON the server put in #charity-chart-data.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("charity-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var big = document.body.classList.contains("elder");
    var font = big ? 16 : 12;
    var bar = document.getElementById("chart-category");
    if (bar) {
      var c1 = window.echarts.init(bar);
      c1.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: ["项目数", "预约人次", "平均评分"], textStyle: { fontSize: font } },
        grid: { left: 40, right: 40, top: 40, bottom: 70 },
        xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 30, fontSize: font } },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 5 }],
        series: [
          { name: "项目数", type: "bar", data: data.projects, itemStyle: { color: "#07a04f" } },
          { name: "预约人次", type: "bar", data: data.bookings, itemStyle: { color: "#1485ee" } },
          { name: "平均评分", type: "line", yAxisIndex: 1, data: data.ratings, itemStyle: { color: "#f5a623" } }
        ]
      });
      window.addEventListener("resize", function () { c1.resize(); });
    }
    var pie = document.getElementById("chart-status");
    if (pie) {
      var c2 = window.echarts.init(pie);
      c2.setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.status, label: { fontSize: font } }]
      });
      window.addEventListener("resize", function () { c2.resize(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
