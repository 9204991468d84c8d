// Stride on every patient page: registers the service worker (sw.js), says when the phone is
// offline or the page is a copy saved on it, sends the changes waiting on the phone (the
// outbox's sync: on load and when the phone is back online), and asks the worker to keep
// the patient's main pages (and the files they use) so they open offline before they were
// first visited.

import { showWaiting, sync } from "./outbox.js";

const note = document.getElementById("connection-note");
const savedAt = document.documentElement.dataset.savedAt;

function clock(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const time = when.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const sameDay = when.toDateString() === new Date().toDateString();
  return sameDay ? time : `${time} on ${when.toLocaleDateString("en-GB", { day: "numeric", month: "long" })}`;
}

function show() {
  if (!note) return;
  let text = "";
  if (navigator.onLine === false || savedAt) {
    const saved = savedAt ? clock(savedAt) : "";
    text = saved
      ? `You are offline. This is the copy kept on this phone at ${saved}.`
      : "You are offline. Changes you make wait on this phone and sync when you are back online.";
  }
  if (navigator.onLine !== false && savedAt) {
    text = "You are back online. Reload the page to see the latest.";
  }
  note.textContent = text;
  note.hidden = !text;
}

function resources() {
  const files = performance.getEntriesByType("resource").map((entry) => entry.name);
  return files.filter((url) => new URL(url).origin === location.origin && new URL(url).pathname.startsWith("/static/"));
}

async function start() {
  show();
  window.addEventListener("online", show);
  window.addEventListener("offline", show);
  window.addEventListener("online", () => sync());
  showWaiting().then(() => sync());
  if (!note || !("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(note.dataset.sw, { scope: "/" });
  } catch (error) {
    return; // no worker (private mode, old browser): the pages work online as before
  }
  const worker = (await navigator.serviceWorker.ready).active;
  if (!worker || navigator.onLine === false || savedAt) return;
  const pages = note.dataset.pages.split(" ").filter(Boolean);
  // After the page's own files have loaded, so warming never competes with the page.
  const warm = () => worker.postMessage({ type: "warm", pages, files: resources() });
  if (document.readyState === "complete") setTimeout(warm, 2000);
  else window.addEventListener("load", () => setTimeout(warm, 2000), { once: true });
}

start();
