// Stride's outbox: events made on this phone wait in IndexedDB (`stride` / `events`, keyed by
// their UUID) until the server has answered for them. The day page (today.js), the messages
// page (messages.js) and the questionnaire (outcomes.js) add to it; sync() below is the one
// sender. Every patient page starts it (offline.js: on load and when the phone is back
// online), so whatever page is open sends everything waiting, and says so in its banner
// (base.html #sync-banner, which also carries the patient and the API's names).
//
// Pages hear what happened from two document events:
// - "stride:waiting" (detail: the events still waiting), after each look at the outbox;
// - "stride:synced" (detail: { settled }: each event the server answered for, with its
//   status and errors), after each sync.

export function outbox(patient) {
  return {
    db: null,
    memory: new Map(), // used when IndexedDB is unavailable (some private modes)
    async open() {
      if (this.db || !("indexedDB" in window)) return this.db;
      this.db = await new Promise((resolve) => {
        const request = indexedDB.open("stride", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("events", { keyPath: "id" });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
      }).catch(() => null);
      return this.db;
    },
    async run(mode, work) {
      const db = await this.open();
      if (!db) return work(null);
      return new Promise((resolve, reject) => {
        const tx = db.transaction("events", mode);
        const result = work(tx.objectStore("events"));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      });
    },
    async add(event) {
      return this.run("readwrite", (s) => (s ? s.put(event) : this.memory.set(event.id, event)));
    },
    async all() {
      const events = await this.run("readonly", (s) => (s ? s.getAll() : null));
      const list = events || [...this.memory.values()];
      return list.filter((e) => e.patient === patient).sort((a, b) => a.seq - b.seq);
    },
    async remove(ids) {
      if (!ids.length) return;
      return this.run("readwrite", (s) => ids.forEach((id) => (s ? s.delete(id) : this.memory.delete(id))));
    },
  };
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// ---------------------------------------------------------------------------------------
// Sending: one sync at a time per page; an event added while one runs goes in it too.

const LOGIN_AGAIN = "Please log in again so your changes can sync. They are kept on this phone.";
let running = null;
let again = false;
let hideTimer = 0;

function banner() {
  return document.getElementById("sync-banner");
}

function words(text) {
  return (text || "").split(" ").filter(Boolean);
}

// Send what waits, batch by batch; return what went wrong in words ("" when nothing did).
async function sendWaiting(el, settled) {
  const store = outbox(el.dataset.patient);
  const final = new Set(words(el.dataset.statuses)); // every status the server answers is final
  const batch = Number(el.dataset.batchLimit);
  let waiting = await store.all();
  while (waiting.length && navigator.onLine !== false) {
    const chunk = waiting.slice(0, batch);
    const response = await fetch(el.dataset.apiSync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ events: chunk.map(({ patient, seq, ...event }) => event) }),
    });
    if (!response.ok) return [400, 401, 403].includes(response.status) ? LOGIN_AGAIN : "";
    const { results } = await response.json();
    const finished = [];
    results.forEach((result, index) => {
      if (!final.has(result.status)) return;
      finished.push(chunk[index].id);
      settled.push({ ...result, event: chunk[index] });
    });
    await store.remove(finished);
    if (finished.length < chunk.length) return ""; // the server will see the rest next time
    waiting = await store.all();
  }
  return "";
}

function rejectedWords(settled) {
  const rejected = settled.filter((s) => s.status === "rejected");
  if (!rejected.length) return "";
  const messages = rejected.flatMap((s) => Object.values(s.errors || {})).join(" ");
  return rejected.length === 1
    ? `One change could not be saved: ${messages}`
    : `${rejected.length} changes could not be saved: ${messages}`;
}

// Send everything waiting now (offline: nothing is tried, everything stays for later).
// Resolves with { settled } once the outbox is empty or cannot be sent further.
export function sync() {
  const el = banner();
  if (!el) return Promise.resolve({ settled: [] });
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const settled = [];
    let problem = "";
    try {
      do {
        again = false;
        problem = await sendWaiting(el, settled);
      } while (again && !problem);
    } catch (error) {
      // Offline or the server is away: everything stays in IndexedDB for the next try.
    } finally {
      running = null;
    }
    await showWaiting(problem || rejectedWords(settled));
    document.dispatchEvent(new CustomEvent("stride:synced", { detail: { settled } }));
    return { settled };
  })();
  return running;
}

// The banner: how many changes wait on this phone, a short "All changes synced" when the
// outbox has just emptied, or what went wrong. Resolves with the events still waiting.
export async function showWaiting(problem = "") {
  const el = banner();
  if (!el) return [];
  const waiting = await outbox(el.dataset.patient).all();
  const before = Number(el.dataset.count || 0);
  el.dataset.count = String(waiting.length);
  clearTimeout(hideTimer);
  let text = problem;
  if (!text && waiting.length) {
    const things = waiting.length === 1 ? "1 change is" : `${waiting.length} changes are`;
    text = `${things} saved on this phone and will sync when you are online.`;
  } else if (!text && before > 0) {
    text = "All changes synced.";
    hideTimer = setTimeout(() => (el.hidden = true), 4000);
  }
  el.classList.toggle("synced", text === "All changes synced.");
  el.classList.toggle("problem", Boolean(problem));
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
  document.dispatchEvent(new CustomEvent("stride:waiting", { detail: waiting }));
  return waiting;
}
