// Reception on the bus's tablet without network (reception/sync.py explains the exchange).
// Without network, the visit form and « Terminer » keep the visit in the tablet's queue
// (static/js/offline-store.js); the queue is shown on today's visits and on the form, and sent
// when the network returns (the `online` event, the page opening, every RETRY_SECONDS, or the
// button). With the network, they are sent with fetch (`sendForm`): `navigator.onLine` only
// says that a network is there (the bus's Wi-Fi router), not that the server answers (its 4G
// may be gone), so a sending that fails for want of network also keeps the visit in the queue
// rather than losing it to the browser's error page. Without JavaScript, the pages work as
// before: this file only adds to them.
"use strict";
(function () {
  const script = document.currentScript;
  const panel = document.querySelector("[data-offline-queue]");
  const Queue = self.OfflineQueue;
  if (!panel || !Queue || !self.indexedDB) return;
  const urls = panel.dataset;
  const FLASH_KEY = "allervers-offline-flash";
  const CARRIED_KEY = "allervers-carried-messages"; // shown by static/js/carried-messages.js
  const STALE_SECONDS = 120;
  const RETRY_SECONDS = 30;
  const FORM_TIMEOUT_SECONDS = 30;
  const SYNC_TIMEOUT_SECONDS = 30;
  // The header of the service worker's own answer when the network fails (its offline page).
  const OFFLINE_HEADER = "X-Allervers-Offline";
  // The form's own fields, never queued: the sending carries its identifier as the item's id.
  const NOT_SENT_FIELDS = ["csrfmiddlewaretoken", "submission_token", "client_id"];
  const NETWORK = "network";
  const SESSION = "session";
  const NETWORK_LOST =
    "Le réseau ne répond pas : visite gardée sur la tablette, elle sera envoyée au retour du réseau.";
  const SESSION_LOST =
    "Votre session a expiré : la saisie est gardée sur la tablette. Reconnectez-vous, elle sera envoyée ensuite.";

  if ("serviceWorker" in navigator && script && script.dataset.serviceWorker) {
    navigator.serviceWorker
      .register(script.dataset.serviceWorker, {scope: script.dataset.serviceWorkerScope})
      .catch(() => null);
  }

  function newId() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function hhmm(date) {
    return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
  }

  function plural(count, singular, pluralForm) {
    return `${count} ${count > 1 ? pluralForm : singular}`;
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    return node;
  }

  function say(text, link) {
    const box = panel.querySelector("[data-offline-message]");
    box.replaceChildren();
    if (!text) return;
    const paragraph = element("p", text);
    if (link) {
      paragraph.append(" ");
      paragraph.append(element("a", link.text, {href: link.href}));
    }
    box.append(paragraph);
    panel.hidden = false;
  }

  // --- The queue, shown -------------------------------------------------------------------

  async function render() {
    const items = await Queue.all();
    const visits = items.filter((item) => item.kind === "visit");
    const departures = items.filter((item) => item.kind === "finish");
    const online = navigator.onLine;
    try {
      localStorage.setItem("allervers-offline-pending", String(items.length));
    } catch (error) {
      // private browsing without storage: logging out just does not warn
    }
    panel.querySelector("[data-offline-state]").textContent = online
      ? ""
      : "Pas de réseau : les visites saisies sont gardées sur la tablette et seront envoyées au retour du réseau.";
    const counts = [];
    if (visits.length) counts.push(`${plural(visits.length, "visite", "visites")} en attente d'envoi`);
    if (departures.length) counts.push(`${plural(departures.length, "départ", "départs")} en attente d'envoi`);
    panel.querySelector("[data-offline-count]").textContent = counts.length
      ? counts.join(", ") + "."
      : "Aucune visite en attente d'envoi.";
    const list = panel.querySelector("[data-offline-items]");
    list.replaceChildren(...items.map(itemView));
    panel.querySelector("[data-offline-send]").hidden = !items.some((item) => item.status !== "refused");
    const hasMessage = panel.querySelector("[data-offline-message]").childElementCount > 0;
    panel.hidden = online && items.length === 0 && !hasMessage;
    markQueuedDepartures(departures);
  }

  function itemView(item) {
    const line = element("li", null, {"data-offline-item": item.id});
    const refused = item.status === "refused";
    line.append(element("span", item.summary));
    line.append(" — ");
    line.append(element("strong", refused ? `Refusée : ${item.message}` : "En attente d'envoi", {
      class: refused ? "offline-refused" : "offline-pending",
    }));
    const actions = element("span", null, {class: "actions"});
    if (item.kind === "visit" && !refused && !(item.fields.departure_time || "")) {
      const finish = element("button", "Terminer", {
        type: "button",
        "aria-label": `Terminer la visite en attente arrivée à ${item.fields.arrival_time}`,
      });
      finish.addEventListener("click", () => finishQueued(item.id));
      actions.append(finish);
    }
    if (refused && item.kind === "visit") {
      actions.append(element("a", "Corriger", {
        href: `${urls.formUrl}?reprise=${encodeURIComponent(item.id)}`,
        "aria-label": `Corriger la visite refusée arrivée à ${item.fields.arrival_time}`,
      }));
    }
    if (refused) {
      const drop = element("button", "Abandonner", {type: "button", class: "secondary"});
      drop.addEventListener("click", () => Queue.remove(item.id).then(render));
      actions.append(drop);
    }
    line.append(" ", actions);
    return line;
  }

  async function finishQueued(id) {
    const item = await Queue.get(id);
    if (!item) return;
    item.fields.departure_time = hhmm(new Date());
    item.summary += ` ; départ à ${item.fields.departure_time}`;
    await Queue.put(item);
    say(`Départ noté à ${item.fields.departure_time} : il sera envoyé avec la visite.`);
    await render();
    if (navigator.onLine) send();
  }

  // --- « Terminer » on today's visits, without network ---------------------------------------

  function markQueuedDepartures(departures) {
    const queued = new Set(departures.map((item) => String(item.visit)));
    document.querySelectorAll("form[data-offline-finish]").forEach((form) => {
      const button = form.querySelector("button");
      if (queued.has(form.dataset.visitId) && button && !button.disabled) {
        button.disabled = true;
        button.textContent = "Départ en attente d'envoi";
        button.setAttribute("aria-label", `Départ en attente d'envoi de la visite arrivée à ${form.dataset.arrival}`);
      }
    });
  }

  function queueFinish(form, left) {
    return Queue.put({
      id: newId(),
      kind: "finish",
      visit: Number(form.dataset.visitId),
      left_at: left.toISOString(),
      summary: `Départ à ${hhmm(left)} de la visite arrivée à ${form.dataset.arrival}`,
      queuedAt: Date.now(),
      status: "pending",
    }).then(render);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-offline-finish]")) return;
    event.preventDefault();
    const left = new Date(); // the moment of the tap, whenever the departure reaches the server
    if (!navigator.onLine) {
      queueFinish(form, left);
      return;
    }
    sendForm(form).then(async (failure) => {
      if (!failure) return;
      await queueFinish(form, left);
      if (failure === SESSION) logInAgain();
      else say("Le réseau ne répond pas : départ gardé sur la tablette, il sera envoyé au retour du réseau.");
    });
  });

  // --- Sending a form with the network ------------------------------------------------------

  let formSending = false;

  function timeout(seconds) {
    return self.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(seconds * 1000) : undefined;
  }

  function carry(messages) {
    try {
      if (messages.length) sessionStorage.setItem(CARRIED_KEY, JSON.stringify(messages));
    } catch (error) {
      // no storage: the next page just does not repeat the message
    }
  }

  async function messagesOf(response) {
    try {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      return Array.from(page.querySelectorAll("main .messages li"), (item) => ({
        level: item.className,
        text: item.textContent.trim(),
      }));
    } catch (error) {
      return []; // the network failed while the page came: it opens without its message
    }
  }

  // Send `form` (the visit form, « Terminer ») as the browser would, through fetch. When the
  // network fails (fetch rejects or times out, or the service worker answers its offline page),
  // or the session has expired (the login page answers), it answers NETWORK or SESSION and the
  // caller keeps the visit in the tablet's queue; else null (the page is leaving for the
  // server's answer). The sending carries the visit's identifier (`client_id`) that the queue
  // keeps: had the server saved it before the answer was lost, the synchronisation finds it
  // ("already saved") and never creates it twice. A redirect (saved)
  // is followed by opening its page, with the messages the fetch read there (the server
  // showed them to the fetch). Any other answer (the form's errors, the confirmation of hours
  // outside the stop's, a refusal) means nothing was saved and the submission token was given
  // back: the form is then sent again the ordinary way, so that the browser shows the server's
  // page itself, with its address, history, focus and scripts. Rendering the fetched page into
  // this document instead would run this script a second time in the same window.
  async function sendForm(form) {
    if (formSending) return null; // a second tap while the first sending runs
    formSending = true;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "follow",
        signal: timeout(FORM_TIMEOUT_SECONDS),
      });
    } catch (error) {
      response = null;
    }
    const landing = response && new URL(response.url, location.href);
    if (!response || response.headers.has(OFFLINE_HEADER)) {
      formSending = false;
      return NETWORK;
    }
    if (response.redirected && landing.pathname === new URL(urls.loginUrl, location.href).pathname) {
      formSending = false;
      return SESSION;
    }
    if (response.redirected) {
      carry(await messagesOf(response));
      location.assign(landing.href);
      return null;
    }
    form.submit();
    return null;
  }

  // The session expired: log in again (the login page says why), then the queue is sent.
  function logInAgain() {
    carry([{level: "warning", text: SESSION_LOST}]);
    location.assign(urls.loginUrl);
  }

  // --- The visit form -------------------------------------------------------------------------

  const visitForm = document.querySelector("form[data-offline-visit-form][data-creating]");
  const resumed = new URLSearchParams(location.search).get("reprise");

  function formFields(form) {
    const fields = {};
    for (const [name, value] of new FormData(form)) {
      if (NOT_SENT_FIELDS.includes(name) || typeof value !== "string") continue;
      if (name in fields) fields[name] = [].concat(fields[name], value);
      else fields[name] = name === "topics" || name === "partners_seen" ? [value] : value;
    }
    return fields;
  }

  function fill(form, fields) {
    for (const input of form.elements) {
      if (!input.name || NOT_SENT_FIELDS.includes(input.name)) continue;
      const values = fields[input.name] === undefined ? [] : [].concat(fields[input.name]);
      if (input.type === "radio" || input.type === "checkbox") input.checked = values.includes(input.value);
      else if (input.tagName !== "BUTTON") input.value = values.length ? values[0] : "";
    }
  }

  function summary(form, fields) {
    const stop = form.querySelector("select[name=stop] option:checked");
    const topics = Array.from(form.querySelectorAll("input[name=topics]:checked"), (input) =>
      input.closest("label").textContent.trim()
    );
    let text = `Arrivée à ${fields.arrival_time || "?"}${stop && stop.value ? ` — ${stop.textContent.trim()}` : ""}`;
    if (topics.length) text += ` — ${topics.join(", ")}`;
    if (fields.departure_time) text += ` ; départ à ${fields.departure_time}`;
    return text;
  }

  async function setUpVisitForm(form) {
    if (resumed) {
      const item = await Queue.get(resumed);
      if (item && item.kind === "visit") {
        fill(form, item.fields);
        const notice = element("p", `Visite gardée sur la tablette, refusée à l'envoi : ${item.message || ""} Corrigez-la, puis enregistrez.`, {
          class: "warning", role: "alert",
        });
        form.before(notice);
        const confirmBox = form.querySelector("[data-confirm-hours]");
        if (confirmBox && item.code === "outside_hours") confirmBox.hidden = false;
      }
    } else if (!document.querySelector(".error-summary")) {
      const renderedAt = Number(form.dataset.renderedAt || 0);
      if (Date.now() / 1000 - renderedAt > STALE_SECONDS) {
        // A kept copy of the form (the service worker's): its submission token may have been
        // used already, which would answer that first visit instead of saving this one.
        const token = form.querySelector("input[name=submission_token]");
        if (token) token.value = newId();
        // Without network, it shows the arrival time of the moment it was kept.
        const arrival = form.querySelector("input[name=arrival_time]");
        if (arrival && !navigator.onLine) arrival.value = hhmm(new Date());
      }
    }

    async function queueVisit(id, flash) {
      const fields = formFields(form);
      const existing = resumed ? await Queue.get(resumed) : null;
      await Queue.put({
        id: existing ? existing.id : id,
        kind: "visit",
        fields: fields,
        summary: summary(form, fields),
        queuedAt: existing ? existing.queuedAt : Date.now(),
        status: "pending",
      });
      sessionStorage.setItem(FLASH_KEY, flash);
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (navigator.onLine && !resumed) {
        // A new identifier for each visit sent (never one a page restored from history held).
        const clientId = form.querySelector("input[name=client_id]");
        const id = newId();
        if (clientId) clientId.value = id;
        const failure = await sendForm(form);
        if (!failure) return;
        await queueVisit(id, failure === SESSION ? SESSION_LOST : NETWORK_LOST);
        if (failure === SESSION) logInAgain();
        else location.href = urls.todayUrl;
        return;
      }
      await queueVisit(newId(), navigator.onLine
        ? "Visite corrigée : elle est envoyée."
        : "Visite gardée sur la tablette : elle sera envoyée au retour du réseau.");
      location.href = urls.todayUrl;
    });
  }

  // --- Sending ----------------------------------------------------------------------------------

  let sending = false;

  function sessionLost(body) {
    const text = (body && body.error) ||
      "Votre session a expiré : reconnectez-vous, les visites en attente seront envoyées ensuite.";
    say(text, {text: "Se reconnecter", href: urls.loginUrl});
  }

  async function jsonOf(response) {
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function lostAccess(response) {
    return response.type === "opaqueredirect" || response.status === 401 || response.status === 403;
  }

  async function send() {
    if (sending) return;
    const items = (await Queue.all()).filter((item) => item.status !== "refused");
    if (!items.length) return;
    if (!navigator.onLine) {
      say("Pas de réseau : l'envoi se fera au retour du réseau.");
      return;
    }
    sending = true;
    say("Envoi en cours…");
    try {
      const options = {
        credentials: "same-origin", redirect: "manual", headers: {Accept: "application/json"},
        signal: timeout(SYNC_TIMEOUT_SECONDS),
      };
      const tokenResponse = await fetch(urls.syncUrl, options);
      if (lostAccess(tokenResponse) || !tokenResponse.ok) {
        sessionLost(await jsonOf(tokenResponse));
        return;
      }
      const token = (await tokenResponse.json()).csrf_token;
      // Visits before departures: a departure may be of a visit sent in the same batch.
      items.sort((a, b) => (a.kind === "finish") - (b.kind === "finish") || a.queuedAt - b.queuedAt);
      const response = await fetch(urls.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        signal: timeout(SYNC_TIMEOUT_SECONDS),
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token},
        body: JSON.stringify({
          items: items.map((item) => ({
            id: item.id, kind: item.kind, fields: item.fields, visit: item.visit, left_at: item.left_at,
          })),
        }),
      });
      const body = await jsonOf(response);
      if (lostAccess(response)) {
        sessionLost(body);
        return;
      }
      if (!response.ok || !body || !Array.isArray(body.results)) {
        say((body && body.error) || "L'envoi n'a pas abouti : les visites restent gardées sur la tablette.");
        return;
      }
      await apply(items, body.results);
    } catch (error) {
      say("Le réseau ne répond pas : les visites restent gardées sur la tablette. Nouvel essai au retour du réseau.");
    } finally {
      sending = false;
      await render();
    }
  }

  async function apply(items, results) {
    const byId = new Map(items.map((item) => [item.id, item]));
    let done = 0;
    let refused = 0;
    for (const result of results) {
      const item = byId.get(result.id);
      if (!item) continue;
      if (result.status === "saved" || result.status === "already") {
        done += 1;
        await Queue.remove(item.id);
      } else {
        refused += 1;
        item.status = "refused";
        item.message = result.message;
        item.code = result.code;
        await Queue.put(item);
      }
    }
    let text = `Envoi terminé : ${plural(done, "élément enregistré", "éléments enregistrés")}`;
    if (refused) text += `, ${plural(refused, "refusé", "refusés")} (à corriger ci-dessous)`;
    text += ".";
    if (done && !refused && !visitForm && location.pathname === urls.todayUrl) {
      // The list of today's visits now holds them: show it fresh from the server.
      sessionStorage.setItem(FLASH_KEY, text);
      location.reload();
      return;
    }
    say(text);
  }

  // --- Start --------------------------------------------------------------------------------

  panel.querySelector("[data-offline-send]").addEventListener("click", send);
  window.addEventListener("online", () => render().then(send));
  window.addEventListener("offline", render);
  // The network may come back without an `online` event (it was never "offline": the router
  // was there, its 4G was not): try again now and then while something waits.
  setInterval(() => {
    if (navigator.onLine) send();
  }, RETRY_SECONDS * 1000);
  const flash = sessionStorage.getItem(FLASH_KEY);
  if (flash) {
    sessionStorage.removeItem(FLASH_KEY);
    say(flash);
  }
  if (visitForm) setUpVisitForm(visitForm);
  render().then(() => {
    if (navigator.onLine) send();
  });
})();
