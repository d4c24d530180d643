// At logout, the tablet forgets the visits kept without network and the pages kept by the
// service worker (reception/sync.py): nothing of the session stays in the browser.
"use strict";
(function () {
  const PREFIX = "allervers-accueil-";

  function forget() {
    const steps = [];
    if (self.OfflineQueue) steps.push(self.OfflineQueue.clear());
    else if (self.indexedDB) steps.push(new Promise((resolve) => {
      const request = indexedDB.deleteDatabase("allervers-accueil");
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    }));
    if (self.caches) {
      steps.push(caches.keys().then((keys) => Promise.all(
        keys.filter((key) => key.startsWith(PREFIX)).map((key) => caches.delete(key))
      )));
    }
    if (navigator.serviceWorker) {
      steps.push(navigator.serviceWorker.getRegistrations().then(
        (registrations) => Promise.all(registrations.map((registration) => registration.unregister()))
      ));
    }
    // Logging out never waits long for the browser's storage.
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
    return Promise.race([Promise.all(steps).catch(() => null), timeout]);
  }

  function waiting() {
    if (!self.OfflineQueue) return Promise.resolve(0);
    return self.OfflineQueue.all().then((items) => items.length).catch(() => 0);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-logout]") || form.dataset.forgotten) return;
    event.preventDefault();
    waiting().then((count) => {
      if (count && !window.confirm(
        `${count} élément${count > 1 ? "s" : ""} en attente d'envoi ser${count > 1 ? "ont" : "a"} ` +
        "effacé" + (count > 1 ? "s" : "") + " de la tablette. Se déconnecter quand même ?"
      )) return null;
      return forget().then(() => {
        form.dataset.forgotten = "1";
        form.submit();
      });
    });
  });
})();
