// The messages of a page reached through a form sent by a script (static/js/offline.js sends
// the visit form and « Terminer » with fetch): the server showed them on the page the fetch
// followed, which the browser then opens afresh, without them. The script keeps them in
// sessionStorage for this page, which shows them where the server shows its own.
"use strict";
(function () {
  const KEY = "allervers-carried-messages";
  let carried = [];
  try {
    carried = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    sessionStorage.removeItem(KEY);
  } catch (error) {
    return; // no storage (private browsing), or not ours: nothing to show
  }
  const main = document.querySelector("main");
  if (!main || !Array.isArray(carried) || !carried.length) return;
  let list = main.querySelector(".messages");
  if (!list) {
    const box = document.createElement("div");
    box.setAttribute("role", "status");
    list = document.createElement("ul");
    list.className = "messages";
    box.append(list);
    main.prepend(box);
  }
  carried.forEach((message) => {
    const item = document.createElement("li");
    item.className = String(message.level || "");
    item.textContent = String(message.text || "");
    list.append(item);
  });
})();
