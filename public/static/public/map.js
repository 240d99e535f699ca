// Map page: echo the label of the shape under the pointer or keyboard focus in a caption
// below the map (the SVG <title> already gives a native tooltip; this adds a steady,
// readable line). The map works without it.
(function () {
  "use strict";
  document.querySelectorAll(".map-figure").forEach(function (figure) {
    var svg = figure.querySelector("svg.choropleth");
    var readout = figure.querySelector("[data-map-readout]");
    if (!svg || !readout) return;
    function show(event) {
      var link = event.target.closest && event.target.closest("a[aria-label]");
      if (!link || !svg.contains(link)) return;
      readout.textContent = link.getAttribute("aria-label");
      readout.hidden = false;
    }
    svg.addEventListener("mouseover", show);
    svg.addEventListener("focusin", show);
  });
})();
