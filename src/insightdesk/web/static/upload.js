// The upload page: sends the file with a progress bar, then follows what the server does with it
// (queued, reading and validating, merging, done) until the result page arrives. Without this
// script the form still posts and the result page is the same.
(function () {
  "use strict";
  var PHASES = { receiving: "receiving the file", queued: "waiting for the upload before it",
    "read + validate": "reading and validating", validate: "validating", merge: "merging into the store",
    done: "done", failed: "failed" };
  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " kB";
  }
  function seen(phase) {
    var list = (document.body.getAttribute("data-upload-phases") || "").split(",").filter(Boolean);
    if (list[list.length - 1] !== phase) { list.push(phase); }
    document.body.setAttribute("data-upload-phases", list.join(","));
  }
  function bind() {
    var form = document.getElementById("upload-form");
    if (!form || !window.FormData || !window.DOMParser) { return; }
    form.addEventListener("submit", function (event) {
      var file = form.elements.file.files[0];
      if (!file) { return; }
      event.preventDefault();
      var id = form.elements.upload_id.value;
      var data = new FormData();
      // The CSRF token and the upload's name go before the file: the server checks them as they arrive.
      ["csrf_token", "upload_id", "kind", "profile"].forEach(function (n) { data.append(n, form.elements[n].value); });
      data.append("file", file, file.name);
      var box = document.getElementById("upload-progress");
      var sent = document.getElementById("upload-sent");
      var server = document.getElementById("upload-server");
      var status = document.getElementById("upload-status");
      var button = form.querySelector("button[type=submit]");
      var timer = null;
      box.hidden = false;
      button.disabled = true;
      document.body.setAttribute("data-upload-phases", "");
      function poll() {
        fetch("/api/v1/ingest/progress/" + encodeURIComponent(id), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) {
            if (!p) { return; }
            seen(p.phase);
            server.value = Math.round(100 * p.fraction);
            status.textContent = "Server: " + (PHASES[p.phase] || p.phase) + " (" + server.value + "%)";
          })
          .catch(function () { /* the next poll, or the result page, tells */ });
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        sent.value = Math.round(100 * e.loaded / e.total);
        seen("sending");
        status.textContent = "Sending: " + size(e.loaded) + " of " + size(e.total) + " (" + sent.value + "%)";
      });
      xhr.upload.addEventListener("load", function () {
        sent.value = 100;
        document.body.setAttribute("data-upload-sent", "100");
        status.textContent = "Sent " + size(file.size) + "; the server is reading it";
        poll();
        timer = window.setInterval(poll, 300);
      });
      xhr.addEventListener("load", function () {
        if (timer) { window.clearInterval(timer); }
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.querySelector("main");
        if (!main) { status.textContent = "The server answered " + xhr.status + "."; button.disabled = false; return; }
        seen(xhr.status < 300 ? "done" : "failed");
        document.querySelector("main").innerHTML = main.innerHTML;
        bind();
        var result = document.querySelector("[data-testid=upload-result], [data-testid=upload-error]");
        if (result) { result.setAttribute("tabindex", "-1"); result.focus(); }
      });
      xhr.addEventListener("error", function () {
        if (timer) { window.clearInterval(timer); }
        status.textContent = "The upload was interrupted; nothing was stored. Try again.";
        button.disabled = false;
      });
      xhr.send(data);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", bind); } else { bind(); }
})();
