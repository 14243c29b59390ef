// The review page's comment editor: opens under the clicked clause, saves one comment by fetch.
// Without JavaScript the same links and form work as plain page loads.
(function () {
  "use strict";
  var draft = document.querySelector("[data-review]");
  if (!draft) return;
  var editor = document.getElementById("editor");
  var form = document.getElementById("comment-form");
  var mine = JSON.parse(document.getElementById("my-comments").textContent || "{}");
  var labels = { mine: draft.dataset.mineLabel, suggestion: draft.dataset.suggestionLabel };

  function clauseEl(id) { return draft.querySelector('.clause[data-clause="' + id + '"]'); }

  function mark(id) {
    var el = clauseEl(id);
    if (!el) return;
    var box = el.querySelector(".my-comment");
    var c = mine[id];
    if (!c) { if (box) box.remove(); el.classList.remove("has-comment"); return; }
    if (!box) { box = document.createElement("div"); box.className = "my-comment"; el.appendChild(box); }
    el.classList.add("has-comment");
    box.textContent = labels.mine + "：" + c.text + (c.suggestion ? "　" + labels.suggestion + "：" + c.suggestion : "");
  }

  function open(id) {
    var el = clauseEl(id);
    var c = mine[id] || {};
    form.elements.clause_id.value = id;
    form.elements.text.value = c.text || "";
    form.elements.suggestion.value = c.suggestion || "";
    form.elements.determinant.value = c.determinant || "";
    form.elements.severity.value = c.severity || "medium";
    document.getElementById("editor-path").textContent = (el.querySelector(".path") || {}).textContent || "";
    document.getElementById("editor-error").textContent = "";
    el.after(editor);
    editor.classList.remove("hidden");
    form.elements.text.focus();
  }

  // Round 2 and later: "only the changed clauses" filter.
  var onlyChanged = draft.querySelector("[data-only-changed]");
  if (onlyChanged) onlyChanged.addEventListener("change", function () {
    draft.classList.toggle("only-changed", onlyChanged.checked);
  });

  Object.keys(mine).forEach(mark);
  if (!editor) return;  // a submitted opinion: shown, not edited
  draft.addEventListener("click", function (event) {
    var link = event.target.closest(".comment-link");
    if (!link) return;
    event.preventDefault();
    open(link.dataset.clause);
  });
  document.getElementById("editor-close").addEventListener("click", function (event) {
    event.preventDefault();
    editor.classList.add("hidden");
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var action = event.submitter ? event.submitter.value : "save";
    data.set("action", action);
    fetch(form.getAttribute("action"), { method: "POST", body: data, headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { document.getElementById("editor-error").textContent = res.body.detail || res.body.error; return; }
        var id = String(res.body.clause_id);
        if (res.body.comment) mine[id] = res.body.comment; else delete mine[id];
        mark(id);
        editor.classList.add("hidden");
      })
      .catch(function () { HTMLFormElement.prototype.submit.call(form); });
  });
})();
