// Behaviour shared by every page; loaded with defer, no inline script anywhere (CSP).
(function () {
  "use strict";
  // Irreversible actions ask first: a button or form with data-confirm="question".
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
})();
