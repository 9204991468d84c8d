// Stride messages page: a message is an event like a tick. It gets its UUID on the phone,
// waits in the shared outbox (outbox.js) and goes to POST /api/v1/sync, now or when the
// phone is back online; the server stores each UUID once, so a resend never doubles it.

import { csrfToken, outbox, uuid } from "./outbox.js";

const root = document.getElementById("messages-page");
const store = outbox(root ? root.dataset.patient : "");
const FINAL = new Set((root ? root.dataset.statuses : "").split(" ").filter(Boolean));
const BATCH = 200;
let sequence = Date.now();
let syncing = null;

function say(text) {
  const status = document.getElementById("message-status");
  status.textContent = text;
}

function bubble(event) {
  const item = document.createElement("li");
  item.className = "message message-mine message-pending";
  item.dataset.id = event.id;
  const meta = document.createElement("p");
  meta.className = "message-meta";
  const who = document.createElement("strong");
  who.textContent = "You";
  meta.append(who);
  const body = document.createElement("p");
  body.className = "message-body prewrap";
  body.textContent = event.body; // text, never HTML
  item.append(meta, body);
  return item;
}

function show(event) {
  const list = document.getElementById("thread");
  if (list.querySelector(`[data-id="${event.id}"]`)) return;
  list.append(bubble(event));
  const empty = document.getElementById("thread-empty");
  if (empty) empty.hidden = true;
}

function settle(id, result) {
  const item = document.getElementById("thread").querySelector(`[data-id="${id}"]`);
  if (!item) return;
  item.classList.remove("message-pending");
  if (result.status === "rejected") {
    item.classList.add("message-failed");
    say(`Not sent: ${Object.values(result.errors || {}).join(" ")}`);
  }
}

async function sync() {
  if (syncing) return syncing;
  syncing = (async () => {
    try {
      let waiting = await store.all();
      while (waiting.length && navigator.onLine !== false) {
        const chunk = waiting.slice(0, BATCH);
        const response = await fetch(root.dataset.apiSync, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ events: chunk.map(({ patient, seq, ...event }) => event) }),
        });
        if (!response.ok) {
          if ([400, 401, 403].includes(response.status)) say("Please log in again to send. Your message is kept on this phone.");
          return;
        }
        const { results } = await response.json();
        const finished = [];
        results.forEach((result, index) => {
          if (!FINAL.has(result.status)) return;
          finished.push(chunk[index].id);
          settle(chunk[index].id, result);
        });
        await store.remove(finished);
        if (finished.length < chunk.length) return;
        if (chunk.some((e) => e.type === "message")) say("Sent.");
        waiting = await store.all();
      }
    } catch (error) {
      say("You are offline. Your message is saved on this phone and will be sent when you are online.");
    } finally {
      syncing = null;
    }
  })();
  return syncing;
}

async function onSubmit(submit) {
  const form = submit.target.closest("form[data-message-form]");
  if (!form) return;
  submit.preventDefault();
  const text = form.elements.body.value.trim();
  if (!text) {
    say("Write a message first.");
    return;
  }
  const event = { id: uuid(), type: "message", client_time: new Date().toISOString(), body: text };
  await store.add({ ...event, patient: root.dataset.patient, seq: sequence++ });
  show(event);
  form.elements.body.value = "";
  if (navigator.onLine === false) {
    say("You are offline. Your message is saved on this phone and will be sent when you are online.");
  }
  sync();
}

async function start() {
  if (!root) return;
  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", sync);
  for (const event of await store.all()) if (event.type === "message") show(event);
  sync();
}

start();
