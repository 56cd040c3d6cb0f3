// Draw each campaign's uplift chart from the Vega-Lite spec the page carries as JSON.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof vegaEmbed !== "function") { return; }
  document.querySelectorAll(".chart[data-spec]").forEach(function (target) {
    var source = document.getElementById(target.getAttribute("data-spec"));
    if (!source) { return; }
    var options = typeof patronChartOptions === "function"
      ? patronChartOptions() : { actions: false, renderer: "svg" };
    vegaEmbed(target, JSON.parse(source.textContent), options);
  });
});
