// Draw the progress charts: read the figures from the page's JSON data block, hand them to Plotly.
// No inline script and no eval: the data block is type="application/json", never executed.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("chart-data");
    if (!block || !window.Plotly) {
      return;
    }
    var payload = JSON.parse(block.textContent);
    payload.charts.forEach(function (chart) {
      var target = document.getElementById("chart-" + chart.key);
      if (!target) {
        return;
      }
      var figure = chart.figure;
      window.Plotly.newPlot(target, figure.data, figure.layout, payload.config);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
