// The tablet's service worker (reception/sync.py): it keeps today's visits and the visit form,
// and the static files they need, so that they open without network. Pages: network first
// (always the fresh page when the network answers), the kept copy otherwise. Nothing else is
// kept; the logout answer (Clear-Site-Data, accounts/views.py) removes everything.
"use strict";
const PREFIX = "allervers-accueil-";
const CACHE = PREFIX + "{{ version }}";
const PAGES = ["{% url 'reception:today' %}", "{% url 'reception:visit_create' %}"];
const STATIC = [{% for url in static_urls %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE_PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hors connexion — Allervers</title></head><body><main>
<h1>Hors connexion</h1><p>Cette page n'est pas disponible sans réseau.</p>
<p><a href="${PAGES[0]}">Visites du jour</a> · <a href="${PAGES[1]}">Nouvelle visite</a></p>
</main></body></html>`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(STATIC)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

async function page(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only the page itself: never the login page a closed session redirects to, nor an error.
    if (response.status === 200 && !response.redirected && response.type === "basic") {
      await cache.put(path, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) return kept;
    throw error;
  }
}

async function otherPage(request) {
  try {
    return await fetch(request);
  } catch (error) {
    // Marked, so that a page's script tells it from the server's answer (static/js/offline.js).
    return new Response(OFFLINE_PAGE, {
      status: 503,
      headers: {"Content-Type": "text/html; charset=utf-8", "X-Allervers-Offline": "1"},
    });
  }
}

async function staticFile(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (STATIC.includes(url.pathname)) {
    event.respondWith(staticFile(request, url.pathname));
  } else if (request.mode === "navigate" && PAGES.includes(url.pathname)) {
    event.respondWith(page(request, url.pathname));
  } else if (request.mode === "navigate") {
    event.respondWith(otherPage(request));
  }
});
