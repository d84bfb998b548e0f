// Draws the program dashboard's charts with Chart.js (served by Homeward itself).
// The numbers come from the <script type="application/json"> block rendered by
// Django's json_script; every chart also has its numbers in a table beside it.
// Readable without colour: bars carry their value as a label and each series a
// distinct fill pattern; lines differ by dash and point shape.
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return; // the tables beside the charts carry the same numbers
  }
  var data = JSON.parse(source.textContent);
  // Numbers on the axes and labels in the page's language (e.g. 12 345 in Russian).
  window.Chart.defaults.locale = document.documentElement.lang || "en";
  var ink = ["#1d3557", "#8a3b12", "#2f6b3a", "#5b4a8b", "#444444"];

  // A small tile drawn once per series: solid, diagonal lines, dots, cross-hatch…
  function pattern(index) {
    var size = 8;
    var tile = document.createElement("canvas");
    tile.width = tile.height = size;
    var ctx = tile.getContext("2d");
    var colour = ink[index % ink.length];
    ctx.fillStyle = index === 0 ? colour : "#ffffff";
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    var kind = index % 5;
    if (kind === 1) {
      ctx.beginPath();
      ctx.moveTo(0, size);
      ctx.lineTo(size, 0);
      ctx.stroke();
    } else if (kind === 2) {
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, 1.8, 0, 2 * Math.PI);
      ctx.fill();
    } else if (kind === 3) {
      ctx.beginPath();
      ctx.moveTo(0, 0);
      ctx.lineTo(size, size);
      ctx.moveTo(0, size);
      ctx.lineTo(size, 0);
      ctx.stroke();
    } else if (kind === 4) {
      ctx.fillRect(0, size / 2 - 1, size, 2);
    }
    return tile.getContext("2d").createPattern(tile, "repeat");
  }

  // Writes each bar's value above it (direct labels, no legend lookup needed).
  var valueLabels = {
    id: "homewardValueLabels",
    afterDatasetsDraw: function (chart) {
      if (chart.config.type !== "bar") {
        return;
      }
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "#1b1b1b";
      ctx.font = "11px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) {
          return;
        }
        meta.data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (value !== null && value !== 0) {
            ctx.fillText(String(value), bar.x, bar.y - 2);
          }
        });
      });
      ctx.restore();
    },
  };

  function bars(id, chart) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return {
            label: series.label,
            data: series.data,
            backgroundColor: pattern(i),
            borderColor: ink[i % ink.length],
            borderWidth: 1.5,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
      plugins: [valueLabels],
    });
  }

  function lines(id, chart) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    var shapes = ["circle", "triangle", "rect", "crossRot"];
    var dashes = [[], [6, 4], [2, 3], [8, 3, 2, 3]];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return {
            label: series.label,
            data: series.data,
            borderColor: ink[i % ink.length],
            backgroundColor: ink[i % ink.length],
            borderDash: dashes[i % dashes.length],
            pointStyle: shapes[i % shapes.length],
            pointRadius: 4,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { position: "bottom", labels: { usePointStyle: true } } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  bars("chart-by-region", data.byRegion);
  lines("chart-monthly", data.monthly);
  bars("chart-referrals", data.referrals);
  bars("chart-outcomes", data.outcomes);
})();
