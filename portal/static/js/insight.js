// Draws the program page's charts with Chart.js. Each <canvas data-chart="ID">
// reads its figures from the <script type="application/json" id="ID"> beside it;
// the table under the chart holds the same figures, so nothing is lost without it.
"use strict";

(function () {
  if (typeof window.Chart === "undefined") return;
  const styles = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;
  const palette = [colour("--brand", "#4338ca"), "#94a3b8", "#0f766e", "#b45309", "#be123c"];
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const line = data.kind === "line";
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label,
          data: series.values,
          backgroundColor: palette[i % palette.length],
          borderColor: palette[i % palette.length],
          tension: 0.2,
          fill: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: document.documentElement.lang || undefined, // numbers as the page writes them
        animation: reduced ? false : undefined,
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { display: data.series.length > 1 } },
      },
    });
  });
})();
