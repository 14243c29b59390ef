// Behaviour shared by every page; loaded with defer, no inline script anywhere (CSP).
(function () {
  "use strict";
  // Irreversible actions ask first: a button or form with data-confirm="question".
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
})();
// Background jobs (templates/jobs/_progress.html): poll the job, move the bar, reload when it ends.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-job-poll]");
  boxes.forEach(function (box) {
    var url = box.dataset.jobPoll;
    var bar = box.querySelector("[data-job-bar]");
    var note = box.querySelector("[data-job-note]");
    var count = box.querySelector("[data-job-count]");
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { window.setTimeout(poll, 3000); return; }
          if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
          if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
          if (note) { note.textContent = s.note || ""; }
          if (count && s.total) { count.textContent = s.done + " / " + s.total; }
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 400);
  });
})();
// A name field with data-suggest="url": its datalist is filled from url?q=... as the user types.
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest][list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null, asked = "";
    if (!list) { return; }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (!q || q === asked) { return; }
        asked = q;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {names: []}; })
          .then(function (data) {
            if (q !== asked) { return; }
            list.replaceChildren.apply(list, data.names.map(function (e) {
              var option = document.createElement("option");
              option.value = e.name;
              option.label = e.affiliation || "";
              return option;
            }));
          })
          .catch(function () { /* the field still takes a name typed in full */ });
      }, 150);
    });
  });
})();
