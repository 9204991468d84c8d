// Stride service worker: keeps the day page, its files and today's plan usable offline.
// Served at /sw.js so its scope is the whole site. It never handles POSTs: ticks made
// offline wait in IndexedDB (see today.js) and are sent by the page, not from here.
const CACHE = "stride-shell-v2";
const SHELL = [
  "/static/css/app.css",
  "/static/css/today.css",
  "/static/js/today.js",
  "/static/js/outbox.js",
  "/static/js/messages.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-maskable.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/manifest.webmanifest",
];
// Network first, cached copy when offline: the day page and its JSON, the messages page.
const NETWORK_FIRST = ["/today", "/week", "/messages", "/api/v1/today"];
// Outcome questionnaires (issue 15): their pages too, so one opened before can be answered
// offline; the answers wait in the same IndexedDB outbox as ticks.
const NETWORK_FIRST_PREFIXES = ["/outcomes"];
SHELL.push("/static/css/outcomes.css", "/static/js/outcomes.js");
// Exercise figures (issue 16): the day page draws and animates them offline too.
SHELL.push("/static/css/figure.css", "/static/js/figure.js");

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The day page needs a session: cache it only when it really came back (no login redirect).
      try {
        const page = await fetch("/today", { credentials: "same-origin" });
        if (page.ok && !page.redirected) await cache.put("/today", page);
      } catch (error) {
        // Offline while installing: the page is cached on the next visit instead.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("stride-") && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

function isNetworkFirst(url) {
  return (
    NETWORK_FIRST.some((path) => url.pathname === path) ||
    NETWORK_FIRST_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))
  );
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    if (request.mode === "navigate") {
      const today = new URL(request.url).pathname === "/today" ? await cache.match("/today") : null;
      if (today) return today;
      return new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
          "<title>Offline · Stride</title><h1>You are offline</h1>" +
          "<p>This page is not saved on this phone. <a href='/today'>Open today's exercises</a>.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
      );
    }
    return new Response(JSON.stringify({ error: "You are offline." }), {
      status: 503,
      headers: { "Content-Type": "application/json" },
    });
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => cached);
  return cached || refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    // Health data must not outlive the session on a shared phone.
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (isNetworkFirst(url)) {
    event.respondWith(networkFirst(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

// --- Reminders (issue 17): Web Push and notification clicks ---------------------------------
// Kept apart from the caching above. The worker (flask worker) sends
// {"title", "body", "url", "tag"}: no health details, since a lock screen is not private.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const url = typeof message.url === "string" && message.url.startsWith("/") ? message.url : "/today";
  event.waitUntil(
    self.registration.showNotification(message.title || "Stride", {
      body: message.body || "Time for today's exercises.",
      tag: message.tag || "stride-reminder",
      icon: "/static/icons/icon-192.png",
      badge: "/static/icons/icon-192.png",
      data: { url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || "/today";
  const target = new URL(wanted, self.location.origin);
  const url = target.origin === self.location.origin ? target.href : new URL("/today", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).pathname === new URL(url).pathname);
      if (open && "focus" in open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
