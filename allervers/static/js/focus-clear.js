// WCAG 2.2, 2.4.11 Focus Not Obscured: a field reached with the keyboard is never left under
// the visit form's sticky save bar (the CSS scroll padding covers the fields the browser
// scrolls to; this covers those it finds already on screen, behind the bar).
(function () {
  "use strict";
  const bar = document.querySelector(".visit-form .form-actions");
  if (!bar) {
    return;
  }
  document.addEventListener("focusin", function (event) {
    if (bar.contains(event.target)) {
      return;
    }
    requestAnimationFrame(function () {
      const box = event.target.getBoundingClientRect();
      const top = bar.getBoundingClientRect().top;
      if (box.bottom > top) {
        window.scrollBy(0, box.bottom - top + 8);
      }
    });
  });
})();
