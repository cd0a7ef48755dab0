// Draws every chart on the page from its embedded Vega-Lite JSON, with the vendored Vega libraries.
// A mark whose datum carries `drill` (a URL) opens that page when clicked: drill-down from any chart.
(function () {
  "use strict";
  // A sentence for a chart whose spec has no `description`: what it plots and over what.
  function describe(spec) {
    var layers = spec.layer || [spec];
    var enc = (layers[0] && layers[0].encoding) || {};
    var title = function (c) { return c ? (c.title || c.field || "") : ""; };
    var values = (spec.data && spec.data.values) || [];
    var what = title(enc.y) || title(enc.x) || "values";
    var by = enc.y && enc.x ? " by " + (title(enc.x) || enc.x.field) : "";
    return "Chart of " + what + by + ": " + values.length + " data points.";
  }
  // The chart as one image with a text alternative: role=img and the spec's description as its
  // label; Vega's own per-mark ARIA is switched off and its SVG hidden from assistive technology
  // (the numbers are in the page's text and tables).
  function label(el, text) {
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", text);
    el.removeAttribute("aria-roledescription");
    var svg = el.querySelector("svg");
    if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
  }
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var text = el.getAttribute("aria-label") || spec.description || describe(spec);
    spec.config = Object.assign({}, spec.config, { aria: false });
    label(el, text);
    vegaEmbed(el, spec, { actions: false, renderer: "svg", tooltip: true })
      .then(function (result) {
        label(el, text);
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
  // A table box that scrolls sideways (a phone) must be reachable from the keyboard: focusable,
  // and named after its table's caption or the heading above it.
  function scrollables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var heading = box.previousElementSibling;
        while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
        var name = caption ? caption.textContent : (heading ? heading.textContent : "Table");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name.trim() + " (scrolls sideways)");
        box.setAttribute("data-scrolls", "true");
      } else if (!scrolls && box.getAttribute("data-scrolls") === "true") {
        ["tabindex", "role", "aria-label", "data-scrolls"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  function init() {
    scrollables();
    window.addEventListener("resize", scrollables);
    document.querySelectorAll(".chart[data-spec]").forEach(draw);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
