// The manager dashboard's charts: data comes from the json_script block "kpi-charts".
(function () {
  "use strict";

  function draw() {
    const source = document.getElementById("kpi-charts");
    if (!source || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const style = getComputedStyle(document.documentElement);
    const blue = style.getPropertyValue("--bs-primary").trim() || "#0d6efd";
    const orange = "#c2410c";
    const green = "#15803d";
    const grey = "#6c757d";
    const common = { responsive: true, maintainAspectRatio: false, animation: false };

    function chart(id, config) {
      const canvas = document.getElementById(id);
      if (canvas) new Chart(canvas, config);
    }

    chart("chart-volume", {
      type: "bar",
      data: {
        labels: data.days,
        datasets: [
          { type: "bar", label: "Created", data: data.volume, backgroundColor: blue },
          { type: "line", label: "Backlog (end of day)", data: data.backlog, borderColor: orange, backgroundColor: orange, pointRadius: 0 },
        ],
      },
      options: { ...common, scales: { y: { beginAtZero: true } } },
    });
    chart("chart-frt", {
      type: "bar",
      data: { labels: data.frt.map((b) => b.label), datasets: [{ label: "Tickets", data: data.frt.map((b) => b.count), backgroundColor: blue }] },
      options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    });
    chart("chart-csat", {
      type: "line",
      data: { labels: data.days, datasets: [{ label: "CSAT %", data: data.csat, borderColor: green, backgroundColor: green, spanGaps: true }] },
      options: { ...common, plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } },
    });
    chart("chart-fcr", {
      type: "bar",
      data: {
        labels: data.fcr_by_channel.map((r) => r.label),
        datasets: [{ label: "FCR %", data: data.fcr_by_channel.map((r) => r.rate), backgroundColor: green }],
      },
      options: { ...common, plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } },
    });
    chart("chart-funnel", {
      type: "bar",
      data: {
        labels: data.funnel.map((r) => r.label),
        datasets: [
          { label: "Entered", data: data.funnel.map((r) => r.entered), backgroundColor: blue },
          { label: "Moved on within 90 days", data: data.funnel.map((r) => r.moved_on), backgroundColor: grey },
        ],
      },
      options: { ...common, indexAxis: "y", scales: { x: { beginAtZero: true } } },
    });
  }

  function toggleCustom() {
    const range = document.getElementById("id_range");
    if (!range) return;
    const custom = range.value === "custom";
    for (const id of ["id_date_from", "id_date_to"]) {
      const input = document.getElementById(id);
      if (input) input.disabled = !custom;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    draw();
    toggleCustom();
    const range = document.getElementById("id_range");
    if (range) range.addEventListener("change", toggleCustom);
  });
})();
