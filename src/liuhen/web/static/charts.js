/* The quarter's dashboard charts (seed 002 §7, seed 003 §13): Apache ECharts, vendored and served by the
   app (no other origin, no inline script). Each .echart element carries its figures in data-chart; the table
   beside it holds the same numbers for reading, printing and browsers without JavaScript. */
(function () {
  "use strict";
  var colours = ["#a61b1b", "#5f6368", "#b8bcc2"]; /* as .k0 .k1 .k2 in desk.css */
  function draw(el) {
    var data = JSON.parse(el.getAttribute("data-chart"));
    el.style.height = data.labels.length * 34 + 24 + "px"; /* the page's legend names the three colours */
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      color: colours,
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: data.series.map(function (s) {
        var label = { show: true, position: "right", formatter: function (p) { return p.value || ""; } };
        return { name: s.name, type: "bar", data: s.data, label: label };
      })
    });
    el.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (typeof echarts !== "undefined") {
    document.querySelectorAll(".echart[data-chart]").forEach(draw);
  }
})();
