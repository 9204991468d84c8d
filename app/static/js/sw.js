// Stride service worker: the patient's pages and their files, usable offline.
// Served at /sw.js so its scope is the whole site. It never handles POSTs: ticks made
// offline wait in IndexedDB (outbox.js) and are sent by the page, not from here.
//
// - Pages (today, a catch-up day once opened, plan, progress, week, messages, outcomes) and
//   GET /api/v1/today: network first. The copy kept is the last one that came back; a copy
//   served offline is marked (<html data-saved-at>) so the page says it is a saved copy.
// - Static files carry ?v=<hash> (app/assets.py), so a kept copy never goes stale: cache
//   first, and the older versions of the same file are dropped.
// - A page opened offline that is not kept says so, with a link to today. A catch-up day is
//   never answered with another day's page (its ticks would count for that other day).
// - Health data must not outlive the session: the pages are dropped on logout, on a login,
//   and when a page answers with the login page (the session ended). The server sends them
//   no-store, so nothing but this cache keeps them.
// - Pages ask it to "warm" the patient's main pages (offline.js), so those open offline
//   before they were first visited; each is fetched again at most every WARM_EVERY_MS.
const PAGES = "stride-pages-v3";
const FILES = "stride-files-v3";
const NETWORK_FIRST = ["/today", "/plan", "/progress", "/week", "/messages", "/api/v1/today"];
const NETWORK_FIRST_PREFIXES = ["/outcomes"];
const SIGNED_OUT = ["/login", "/invite"];
const WARM_EVERY_MS = 15 * 60 * 1000;
const SAVED_AT = "X-Stride-Saved-At";
let generation = 0; // bumped when the pages are dropped: a fetch begun before keeps nothing

self.addEventListener("install", (event) => event.waitUntil(self.skipWaiting()));

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((n) => n.startsWith("stride-") && n !== PAGES && n !== FILES);
      await Promise.all(old.map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

function isKeptPage(url) {
  return (
    NETWORK_FIRST.includes(url.pathname) ||
    NETWORK_FIRST_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))
  );
}

async function forget() {
  generation += 1;
  await caches.delete(PAGES);
}

async function keep(key, response, started) {
  if (started !== generation) return;
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const copy = new Response(await response.blob(), { status: response.status, headers });
  if (started !== generation) return;
  await (await caches.open(PAGES)).put(key, copy);
}

async function savedCopy(key, navigate) {
  const cache = await caches.open(PAGES);
  const kept = await cache.match(key, { ignoreVary: true });
  if (!kept || !navigate) return kept;
  // Mark the page as a saved copy: its script then says so (offline.js), reload after reload.
  const savedAt = kept.headers.get(SAVED_AT) || "";
  const html = (await kept.text()).replace("<html ", `<html data-saved-at="${savedAt}" `);
  return new Response(html, { status: 200, headers: kept.headers });
}

async function networkFirst(request) {
  const started = generation;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await keep(request.url, response.clone(), started);
    }
    return response;
  } catch (error) {
    const kept = await savedCopy(request.url, request.mode === "navigate");
    if (kept) return kept;
    if (request.mode === "navigate") return notOnThisPhone(new URL(request.url));
    return new Response(JSON.stringify({ error: "You are offline." }), {
      status: 503,
      headers: { "Content-Type": "application/json" },
    });
  }
}

// Any other page: the network; a login page means the session is over, so drop the pages.
async function otherPage(request) {
  try {
    const response = await fetch(request);
    const path = new URL(response.url || request.url).pathname;
    if (response.ok && SIGNED_OUT.some((p) => path.startsWith(p))) await forget();
    return response;
  } catch (error) {
    const url = new URL(request.url);
    if (url.pathname === "/") {
      const today = await savedCopy(new URL("/today", url).href, true);
      if (today) return today;
    }
    return notOnThisPhone(url);
  }
}

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function notOnThisPhone(url) {
  const asked = url.pathname === "/today" ? url.searchParams.get("date") : null;
  const day = asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? new Date(`${asked}T12:00:00`) : null;
  const words = day
    ? day.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" })
    : "";
  const title = day ? `${words} is not on this phone` : "This page is not on this phone";
  const body = day
    ? `<p>This day was not saved on this phone before it went offline, so it cannot be filled in now. Nothing has been recorded for it.</p><p>Open it again when you are back online.</p>`
    : `<p>This page was not saved on this phone before it went offline.</p>`;
  const files = await caches.open(FILES);
  const css = (await files.keys()).find((r) => /\/css\/app\.css$/.test(new URL(r.url).pathname));
  const style = css ? `<link rel="stylesheet" href="${escape(css.url)}">` : "";
  const html =
    `<!doctype html><html lang="en"><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">${style}` +
    `<title>Offline · Stride</title><header class="site-header"><span class="brand">Stride</span></header>` +
    `<main id="main"><section class="card" data-testid="not-on-this-phone"><h1>${escape(title)}</h1>` +
    `${body}<p><a href="/today">Open today's exercises</a></p></section></main></html>`;
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

async function dropOtherVersions(cache, url) {
  const path = new URL(url).pathname;
  for (const key of await cache.keys()) {
    const other = new URL(key.url);
    if (other.pathname === path && key.url !== url) await cache.delete(key);
  }
}

// Static files: a versioned URL's copy is kept for good; an unversioned one is a fallback.
async function staticFile(request) {
  const cache = await caches.open(FILES);
  const versioned = new URL(request.url).searchParams.has("v");
  if (versioned) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      if (versioned) await dropOtherVersions(cache, request.url);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

async function warm(pages, files) {
  const started = generation;
  const cache = await caches.open(PAGES);
  const wanted = new Set(files);
  for (const page of pages) {
    const url = new URL(page, self.location.origin);
    if (url.origin !== self.location.origin || !isKeptPage(url)) continue;
    const kept = await cache.match(url.href, { ignoreVary: true });
    const savedAt = kept ? Date.parse(kept.headers.get(SAVED_AT) || "") : NaN;
    if (Date.now() - savedAt < WARM_EVERY_MS) continue;
    let response;
    try {
      response = await fetch(url.href, { credentials: "same-origin", redirect: "manual" });
    } catch (error) {
      return; // offline: try again on the next page
    }
    if (response.type === "opaqueredirect") return forget(); // signed out
    if (!response.ok) continue;
    const html = await response.clone().text();
    await keep(url.href, response, started);
    // Every /static/ file the page names, loaded with it or later (the progress page's
    // data-plotly-src: plotly.js, fetched when a chart needs it, so it works offline too).
    for (const [, file] of html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)) {
      wanted.add(file.replace(/&amp;/g, "&"));
    }
  }
  for (const file of wanted) {
    const url = new URL(file, self.location.origin);
    if (url.origin !== self.location.origin || !url.pathname.startsWith("/static/")) continue;
    try {
      await staticFile(new Request(url.href));
    } catch (error) {
      return;
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "warm") event.waitUntil(warm(data.pages || [], data.files || []));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && (url.pathname === "/logout" || url.pathname === "/login")) {
    // A session ends or another begins: whoever uses the phone next sees none of these pages.
    event.waitUntil(forget());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (isKeptPage(url)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(otherPage(request));
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
