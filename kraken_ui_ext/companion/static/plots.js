// Interactive plots: each figure is built by the server and embedded as JSON
// (<script type="application/json" data-plot="ID">); plotly.js draws it into the element ID and replaces the
// page's no-JavaScript fallback. A click on a point opens its raw file's page (customdata[0]).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Plotly) return;
  document.querySelectorAll("script[type='application/json'][data-plot]").forEach((source) => {
    const target = document.getElementById(source.dataset.plot);
    if (!target) return;
    const figure = JSON.parse(source.textContent);
    const config = { responsive: true, displaylogo: false, scrollZoom: true };
    Plotly.newPlot(target, figure.data, figure.layout, config).then(() => {
      const fallback = document.getElementById(`${source.dataset.plot}-fallback`);
      if (fallback) fallback.remove();
      target.dataset.drawn = "true";
      target.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        const url = point && point.customdata && point.customdata[0];
        if (typeof url === "string" && url.startsWith("/") && !url.startsWith("//")) window.location.href = url;
      });
    });
  });
});
