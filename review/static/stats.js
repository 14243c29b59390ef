// The statistics page's charts: each .chart[data-chart] holds its spec (review/stats/charts.py) as JSON;
// ECharts (served from static/vendor/, installed by `make install`) draws it as SVG. The table under
// each chart stays the accessible equivalent; without ECharts the charts simply stay hidden.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var PALETTE = ["#1f5fa8", "#d9822b", "#3a9d5d", "#c23b3b", "#7a5cb8", "#5a8fa3", "#a3a35a"];

  function barOption(spec, stacked) {
    var horizontal = spec.categories.length > 8 && spec.id !== "monthly";
    var catAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    var valAxis = { type: "value", name: spec.unit || "", minInterval: 1 };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valAxis : catAxis,
      yAxis: horizontal ? Object.assign({}, catAxis, { inverse: true, axisLabel: { interval: 0 } }) : valAxis,
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "total" : undefined, data: s.values,
                 emphasis: { focus: "series" } };
      })
    };
  }

  function pieOption(spec) {
    var values = spec.series[0].values;
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { top: 0 },
      series: [{ name: spec.title, type: "pie", radius: ["35%", "65%"], top: 24,
                 label: { formatter: "{b}\n{c} ({d}%)" },
                 data: spec.categories.map(function (name, i) { return { name: name, value: values[i] }; }) }]
    };
  }

  function isEmpty(spec) {
    return !spec.categories.length || spec.series.every(function (s) {
      return s.values.every(function (v) { return !v; });
    });
  }

  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    if (isEmpty(spec)) { return; }  // the table (or "nothing to count") says it
    el.hidden = false;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(spec.kind === "pie" ? pieOption(spec) : barOption(spec, spec.kind === "stacked"));
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
