// Autosave for the session-log page: after a change, the draft is saved in the background every
// 30 seconds. Without JavaScript the "Save draft" button does the same; nothing depends on this.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch || !window.FormData) { return; }
  var dirty = false;
  var busy = false;
  var stopped = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { stopped = true; });

  function save() {
    if (!dirty || busy || stopped) { return; }
    busy = true;
    dirty = false;
    var data = new FormData(form);
    data.set("action", "save");
    data.delete("password");
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        status.textContent = body.message;
        if (response.ok) {
          form.elements.version.value = body.version;
        } else {
          dirty = true;
          stopped = response.status === 409;
        }
      });
    }).catch(function () {
      dirty = true;
      status.textContent = "Could not save automatically. Use Save draft.";
    }).then(function () { busy = false; });
  }

  window.setInterval(save, 30000);
}());
