// WCAG 2.2, 2.4.11 Focus Not Obscured: an element reached with the keyboard is fully in view,
// never left under a sticky bar (class "sticky-bar", stuck to the bottom of the screen) nor cut
// by the screen's edge. Loaded on every page. The CSS scroll padding makes the browser's own
// scroll stop above a bar; this covers the elements it leaves where they are, partly hidden.
(function () {
  "use strict";
  const bars = document.querySelectorAll(".sticky-bar");
  document.addEventListener("focusin", function (event) {
    const element = event.target;
    requestAnimationFrame(function () {
      const box = element.getBoundingClientRect();
      let bottom = window.innerHeight; // the bottom of the area left clear by the bars
      bars.forEach(function (bar) {
        const barBox = bar.getBoundingClientRect();
        if (!bar.contains(element) && barBox.height && barBox.bottom > box.top) {
          bottom = Math.min(bottom, barBox.top);
        }
      });
      if (box.height > bottom) {
        return; // taller than the clear area: left where the browser put it
      }
      if (box.bottom > bottom) {
        window.scrollBy(0, box.bottom - bottom + 8);
      } else if (box.top < 0) {
        window.scrollBy(0, box.top - 8);
      }
    });
  });
})();
