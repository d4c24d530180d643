// The tablet's queue of visits recorded without network: one IndexedDB store, one record per
// visit or departure, keyed by the identifier the tablet made (a UUID). It holds only what the
// visit form holds; the logout answer (Clear-Site-Data, accounts/views.py) deletes it.
"use strict";
(function (global) {
  const DB_NAME = "allervers-accueil";
  const STORE = "queue";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "id"});
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function run(mode, action) {
    return open().then((db) => new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(result && result.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    }));
  }

  global.OfflineQueue = {
    DB_NAME: DB_NAME,
    all: () => run("readonly", (store) => store.getAll()).then(
      (items) => (items || []).sort((a, b) => a.queuedAt - b.queuedAt)
    ),
    get: (id) => run("readonly", (store) => store.get(id)),
    put: (item) => run("readwrite", (store) => store.put(item)),
    remove: (id) => run("readwrite", (store) => store.delete(id)),
  };
})(self);
