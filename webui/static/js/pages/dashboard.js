/* Campaign dashboard charts: reads the series from the page's data URL (JSON, already translated)
   and draws each <canvas data-chart="key" data-type="bar|doughnut"> with Chart.js.
   The page shows the same figures as text and tables, so nothing is lost without JavaScript. */
(function () {
  'use strict';
  var COLORS = ['#1d4e89', '#c8102e', '#1e7b3c', '#f2a900', '#5b6775', '#7a4fa0', '#138a9e'];

  function draw(canvas, series) {
    var type = canvas.dataset.type || 'bar';
    var doughnut = type === 'doughnut';
    var axis = canvas.dataset.axis || 'x';  // 'y': horizontal bars (long labels, e.g. the plan's targets)
    var max = canvas.dataset.max ? Number(canvas.dataset.max) : undefined;
    var valueScale = { beginAtZero: true, max: max, ticks: { precision: 0 } };
    return new window.Chart(canvas, {
      type: type,
      data: {
        labels: series.labels,
        datasets: [{
          label: series.label || '',
          data: series.values,
          backgroundColor: doughnut ? COLORS.slice(0, series.values.length) : COLORS[0],
          borderWidth: doughnut ? 1 : 0,
          maxBarThickness: 56
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: axis,
        plugins: { legend: { display: doughnut, position: 'bottom' } },
        scales: doughnut ? {} : (axis === 'y' ? { x: valueScale } : { y: valueScale })
      }
    });
  }

  function mount(root) {
    if (!window.Chart) return;
    fetch(root.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
          var series = data[canvas.dataset.chart];
          var box = canvas.closest('.chart-box');
          // Nothing to draw: leave the text and table (or the empty-state note) alone.
          // A scale with a fixed top (the plan's rates, 0–100) draws a 0 too; counts need one above 0.
          var drawable = canvas.dataset.max
            ? function (v) { return v !== null && v !== undefined; }
            : function (v) { return v > 0; };
          if (!series || !series.values.some(drawable)) {
            if (box) box.hidden = true;
            return;
          }
          draw(canvas, series);
        });
        root.dataset.state = 'ready';
      })
      .catch(function () { root.dataset.state = 'error'; });
  }

  function start() { document.querySelectorAll('[data-dashboard]').forEach(mount); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
