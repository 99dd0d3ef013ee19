// Planta web: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Confirmation before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  // Selects that submit their form on change: <select data-autosubmit>.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // Charts: <canvas data-chart='{"type":"bar","labels":[...],"datasets":[...]}'>.
  // The configuration is JSON in an attribute (escaped by the template engine), never
  // inline script, so the CSP needs no 'unsafe-inline'.
  function drawCharts(root) {
    if (!window.Chart) return;
    var palette = ["#1f6f4a", "#2563eb", "#b45309", "#7c3aed", "#be123c", "#0f766e", "#4b5563"];
    root.querySelectorAll("canvas[data-chart]").forEach(function (el) {
      if (el._chart) return;
      var cfg;
      try { cfg = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      (cfg.datasets || []).forEach(function (ds, i) {
        var c = ds.color || palette[i % palette.length];
        if (cfg.type === "doughnut") {
          ds.backgroundColor = ds.data.map(function (_, j) { return palette[j % palette.length]; });
        } else {
          ds.backgroundColor = ds.backgroundColor || c;
          ds.borderColor = ds.borderColor || c;
        }
      });
      el._chart = new window.Chart(el, {
        type: cfg.type,
        data: { labels: cfg.labels, datasets: cfg.datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: (cfg.datasets || []).length > 1 || cfg.type === "doughnut" } },
          scales: cfg.type === "doughnut" ? {} : { y: { beginAtZero: true } }
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { drawCharts(ev.target); });
})();
