// Stride messages page: a message is an event like a tick. It gets its UUID on the phone,
// waits in the shared outbox (outbox.js) and goes to POST /api/v1/sync by its sync(), now or
// when the phone is back online; the server stores each UUID once, so a resend never doubles it.

import { outbox, showWaiting, sync, uuid } from "./outbox.js";

const root = document.getElementById("messages-page");
const store = outbox(root ? root.dataset.patient : "");
let sequence = Date.now();

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

// outbox.js sends (sync); this page marks its own messages as they are answered for.
function onSynced(synced) {
  const mine = synced.detail.settled.filter((s) => s.event.type === "message");
  for (const result of mine) settle(result.event.id, result);
  if (mine.some((s) => s.status !== "rejected")) say("Sent.");
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
  await showWaiting();
  sync();
}

async function start() {
  if (!root) return;
  document.addEventListener("submit", onSubmit);
  document.addEventListener("stride:synced", onSynced);
  for (const event of await store.all()) if (event.type === "message") show(event);
}

start();
