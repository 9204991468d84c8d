// Draw the progress charts: read the figures from the page's JSON data block, hand them to Plotly.
// No inline script and no eval: the data block is type="application/json", never executed.
//
// The first chart comes drawn by the server as static SVG (app/domain/chart_svg.py), so the
// page needs no script to show it. plotly.js (about 1.2 MB) is fetched only when it is needed:
// when another chart is about to scroll into view, or when the first is touched or hovered.
// Each chart is then drawn in a task of its own, never in the task that evaluated plotly.js,
// so no single task does it all. The static first chart is swapped for the interactive one in
// place (the same box, so nothing moves) when it is touched, or once plotly.js is here and
// the chart is out of view.
(function () {
  "use strict";

  var block = document.getElementById("chart-data");
  var payload = null;
  // waiting: what to run once plotly.js is here; asked: the charts those are for.
  var plotly = { state: "idle", waiting: [], asked: [] }; // state: idle | loading | ready

  function loadPlotly(then) {
    if (plotly.state === "ready") {
      setTimeout(then, 0);
      return;
    }
    plotly.waiting.push(then);
    if (plotly.state === "loading") {
      return;
    }
    plotly.state = "loading";
    var script = document.createElement("script");
    script.src = block.dataset.plotlySrc;
    script.onload = function () {
      plotly.state = "ready";
      plotly.asked = [];
      var waiting = plotly.waiting.splice(0);
      waiting.forEach(function (callback) {
        setTimeout(callback, 0); // each chart in its own task, after the one that ran plotly.js
      });
    };
    script.onerror = function () {
      plotly.state = "idle"; // offline and not kept: the static chart stays; try again later
      plotly.waiting = [];
      plotly.asked.forEach(function (item) {
        item.wanted = false; // asked again when it next scrolls into view
      });
      plotly.asked = [];
      document.querySelectorAll("[data-chart-waiting]").forEach(function (note) {
        note.textContent = "This chart needs a connection the first time it is drawn. " +
          "Its summary and table are below.";
      });
      script.remove();
    };
    document.head.appendChild(script);
  }

  function draw(item) {
    if (item.drawn) {
      return;
    }
    item.drawn = true;
    var figure = item.chart.figure;
    // Emptied and drawn in one task: the page is never painted between the two.
    item.target.replaceChildren();
    window.Plotly.newPlot(item.target, figure.data, figure.layout, payload.config);
  }

  function want(item) {
    if (!item.wanted) {
      item.wanted = true;
      plotly.asked.push(item);
      loadPlotly(function () {
        draw(item);
      });
    }
  }

  function start() {
    if (!block) {
      return;
    }
    payload = JSON.parse(block.textContent);
    var items = [];
    payload.charts.forEach(function (chart) {
      var target = document.getElementById("chart-" + chart.key);
      if (target) {
        var drawn = target.querySelector("[data-static-chart]") !== null;
        items.push({ target: target, chart: chart, isStatic: drawn, visible: true });
      }
    });
    items.forEach(function (item) {
      if (item.isStatic) {
        item.target.addEventListener("pointerover", function () { want(item); }, { once: true });
      }
    });
    if (!("IntersectionObserver" in window)) {
      items.forEach(function (item) {
        if (!item.isStatic) {
          want(item);
        }
      });
      return;
    }
    var byTarget = new Map(
      items.map(function (item) {
        return [item.target, item];
      }),
    );
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          var item = byTarget.get(entry.target);
          item.visible = entry.isIntersecting;
          if (!item.isStatic && item.visible) {
            want(item);
          }
        });
        // plotly.js is here (or coming): a static chart out of view is swapped unseen.
        items.forEach(function (item) {
          if (item.isStatic && !item.visible && plotly.state !== "idle") {
            want(item);
          }
        });
      },
      { rootMargin: "0px 0px 100px 0px" }, // just before a chart scrolls into view
    );
    items.forEach(function (item) {
      observer.observe(item.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
