// Behaviour shared by every page (loaded from base.html; the CSP allows no inline script).
// A form with data-disable-on-submit="SELECTOR" disables that button once it is submitted, so a
// double click does not send it twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var selector = form.dataset ? form.dataset.disableOnSubmit : null;
    if (!selector) return;
    var button = form.querySelector(selector);
    // Only the guarded button's own submit disables it (a preview button in the same form does not).
    if (button && (!event.submitter || event.submitter === button)) button.disabled = true;
  });
})();
