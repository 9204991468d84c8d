// Draw the progress charts: read the figures from the page's JSON data block, hand them to Plotly.
// No inline script and no eval: the data block is type="application/json", never executed.
// The first chart is drawn at once; the others when they are about to scroll into view, one
// per task, so no single task draws them all (a phone stays responsive while they appear).
(function () {
  "use strict";

  function plot(target, chart, config) {
    var figure = chart.figure;
    window.Plotly.newPlot(target, figure.data, figure.layout, config);
  }

  function start() {
    var block = document.getElementById("chart-data");
    if (!block || !window.Plotly) {
      return;
    }
    var payload = JSON.parse(block.textContent);
    var waiting = [];
    payload.charts.forEach(function (chart) {
      var target = document.getElementById("chart-" + chart.key);
      if (target) {
        waiting.push({ target: target, chart: chart });
      }
    });
    if (!waiting.length) {
      return;
    }
    var first = waiting.shift();
    plot(first.target, first.chart, payload.config);
    if (!("IntersectionObserver" in window)) {
      waiting.forEach(function (item) {
        plot(item.target, item.chart, payload.config);
      });
      return;
    }
    var byTarget = new Map(
      waiting.map(function (item) {
        return [item.target, item];
      }),
    );
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          var item = byTarget.get(entry.target);
          if (!entry.isIntersecting || !item) {
            return;
          }
          byTarget.delete(entry.target);
          observer.unobserve(entry.target);
          setTimeout(function () {
            plot(item.target, item.chart, payload.config);
          }, 0);
        });
      },
      { rootMargin: "0px 0px 100px 0px" }, // just before a chart scrolls into view
    );
    byTarget.forEach(function (item) {
      observer.observe(item.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
