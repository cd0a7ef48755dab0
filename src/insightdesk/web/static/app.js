// Draws every chart on the page from its embedded Vega-Lite JSON, with the vendored Vega libraries.
// A mark whose datum carries `drill` (a URL) opens that page when clicked: drill-down from any chart.
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    vegaEmbed(el, spec, { actions: false, renderer: "svg", tooltip: true })
      .then(function (result) {
        result.view.addEventListener("click", function (event, item) {
          var d = item && item.datum;
          if (d && d.drill) { window.location.href = d.drill; }
        });
        el.setAttribute("data-rendered", "true");
      })
      .catch(function (err) {
        el.setAttribute("data-rendered", "error");
        el.textContent = "Chart could not be drawn: " + err;
      });
  }
  function init() {
    document.querySelectorAll(".chart[data-spec]").forEach(draw);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
