// Logging out makes the browser forget the visits kept on the tablet and the pages its service
// worker kept (the logout answers `Clear-Site-Data`, allervers/accounts/views.py). Before that,
// if visits are still waiting to be sent, the agent is asked (static/js/offline.js keeps their
// count in localStorage, read here at once so that an ordinary logout is never delayed).
"use strict";
(function () {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-logout]")) return;
    let count = 0;
    try {
      count = Number(localStorage.getItem("allervers-offline-pending") || 0);
    } catch (error) {
      count = 0;
    }
    if (count > 0 && !window.confirm(
      `${count} élément${count > 1 ? "s" : ""} en attente d'envoi ser${count > 1 ? "ont" : "a"} ` +
      `effacé${count > 1 ? "s" : ""} de la tablette. Se déconnecter quand même ?`
    )) {
      event.preventDefault();
    }
  });
})();
