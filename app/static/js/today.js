// Stride day page: ticks that work offline, sets counting, pain check-ins and the hold timer.
//
// How it stays correct offline (the simplest robust way):
// - The server renders the page; the service worker keeps the last copy of it and of
//   GET /api/v1/today?date=... (network first), so the page opens with no network.
// - Every tap becomes an event with its own UUID. It is applied to the page at once, saved
//   in IndexedDB, and sent to POST /api/v1/sync. It leaves IndexedDB only after the server
//   answers applied, duplicate, rejected or superseded for it, so nothing is lost; the
//   server stores each UUID once, so nothing is counted twice when a send is repeated.
// - On load: the page's state is refreshed from /api/v1/today (or its cached copy), then
//   the events still waiting in IndexedDB are applied on top. Sending is outbox.js's sync(),
//   which every patient page starts (offline.js); after a sync this page reads its state again.

import { outbox, showWaiting, sync, uuid } from "./outbox.js";

const root = document.getElementById("day");
// The API's limits and names come with the page (from the server's event schema).
const words = (name) => (root ? root.dataset[name] : "").split(" ").filter(Boolean);
const INT_FIELDS = words("wholeNumberFields");
const LIST_FIELDS = words("listFields"); // one form input per item (reps of each set)

// IndexedDB: the outbox of waiting events, keyed by their UUID (outbox.js, shared).
const store = outbox(root ? root.dataset.patient : "");

// ---------------------------------------------------------------------------------------
// Events

let sequence = Date.now();

function eventFromForm(form, submitter) {
  const event = { id: uuid(), client_time: new Date().toISOString() };
  const data = new FormData(form);
  if (submitter && submitter.name) data.append(submitter.name, submitter.value);
  for (const [name, value] of data) {
    if (["csrf_token", "id", "page_date"].includes(name) || value === "") continue;
    if (LIST_FIELDS.includes(name)) (event[name] ||= []).push(Number(value));
    else event[name] = value;
  }
  if (event.unit) {
    const [session, side] = event.unit.split(":");
    Object.assign(event, { session, side });
    delete event.unit;
  }
  for (const name of INT_FIELDS) if (event[name] !== undefined) event[name] = Number(event[name]);
  return event;
}

// ---------------------------------------------------------------------------------------
// Showing state

function unitEl(line, session, side) {
  return root.querySelector(`.unit[data-line="${line}"][data-session="${session}"][data-side="${side}"]`);
}

function setUnit(el, done, setsDone) {
  if (!el) return;
  const item = el.closest(".exercise");
  const sets = Number(item.dataset.sets);
  el.dataset.done = String(done);
  el.dataset.setsDone = String(setsDone);
  const button = el.querySelector("button.tick");
  button.setAttribute("aria-pressed", String(done));
  button.querySelector(".tick-text").textContent = done ? button.dataset.textDone : button.dataset.textTodo;
  el.querySelector(".tick-form input[name=type]").value = done ? "untick" : "tick";
  const output = el.querySelector("[data-sets-output]");
  if (output) {
    output.textContent = `${setsDone} of ${sets}`;
    const minus = el.querySelector("[data-sets-minus]");
    const plus = el.querySelector("[data-sets-plus]");
    minus.value = String(Math.max(setsDone - 1, 0));
    plus.value = String(Math.min(setsDone + 1, sets));
    minus.form.querySelector("button").disabled = setsDone <= 0;
    plus.form.querySelector("button").disabled = setsDone >= sets;
  }
  item.classList.toggle("is-done", [...item.querySelectorAll(".unit")].every((u) => u.dataset.done === "true"));
}

function showProgress() {
  const items = [...root.querySelectorAll(".exercise")];
  if (!items.length) return;
  const done = items.filter((i) => i.classList.contains("is-done")).length;
  const doneEl = root.querySelector("[data-progress-done]");
  if (doneEl.textContent !== String(done)) doneEl.textContent = String(done);
  const bar = document.getElementById("progress-bar");
  if (bar) bar.value = done;
  document.getElementById("all-done").hidden = done !== items.length;
}

function applyLocally(event) {
  // today_inputs.js shows what it owns (reps, the 24-hour answer) from the same events.
  root.dispatchEvent(new CustomEvent("stride:applied", { detail: event }));
  if (event.type === "checkin") {
    const section = root.querySelector(`[data-checkin="${event.kind}"]`);
    if (!section) return;
    const radio = section.querySelector(`input[name=pain][value="${event.pain}"]`);
    if (radio) radio.checked = true;
    return;
  }
  if (event.local_date !== root.dataset.date) return;
  const el = unitEl(event.line_id, event.session || 1, event.side || "both");
  if (!el) return;
  const sets = Number(el.closest(".exercise").dataset.sets);
  const wasDone = el.dataset.done === "true";
  const countBefore = el.dataset.setsDone;
  if (event.type === "tick") setUnit(el, true, event.sets_done ?? sets);
  else if (event.type === "untick") setUnit(el, false, 0);
  else if (event.type === "sets") setUnit(el, event.sets_done >= sets, event.sets_done);
  if (!wasDone && el.dataset.done === "true") el.dataset.setsBefore = countBefore; // for an undo
}

function pendingTarget(event) {
  if (event.type === "checkin") {
    const section = root.querySelector(`[data-checkin="${event.kind}"]`);
    return section && section.querySelector("[data-pending-note]");
  }
  if (event.local_date !== root.dataset.date) return null;
  const el = unitEl(event.line_id, event.session || 1, event.side || "both");
  return el && el.querySelector("[data-pending-note]");
}

// The "Saved on this phone, will sync" note of each unit and check-in still waiting.
function showPending(waiting) {
  root.querySelectorAll("[data-pending-note]").forEach((note) => {
    note.hidden = true;
    note.closest(".unit")?.removeAttribute("data-pending");
  });
  for (const event of waiting) {
    const note = pendingTarget(event);
    if (note) {
      note.hidden = false;
      note.closest(".unit")?.setAttribute("data-pending", "true");
    }
  }
}

function showAdvice(section, zone, advice) {
  const box = section && section.querySelector("[data-advice]");
  if (!box) return;
  box.hidden = !zone;
  box.className = `advice${zone ? ` advice-${zone}` : ""}`;
  box.querySelector("[data-advice-zone]").textContent = zone ? zone[0].toUpperCase() + zone.slice(1) : "";
  box.querySelector("[data-advice-text]").textContent = advice || "";
}

function say(text) {
  const status = document.getElementById("tick-status");
  status.textContent = "";
  setTimeout(() => (status.textContent = text), 50);
}

// ---------------------------------------------------------------------------------------
// Server state and sync

async function refreshFromServer() {
  let body;
  try {
    const response = await fetch(root.dataset.apiToday, { credentials: "same-origin" });
    if (!response.ok) return;
    body = await response.json();
  } catch (error) {
    return;
  }
  const lines = body.items.map((i) => String(i.line_id)).sort().join(",");
  const shown = [...root.querySelectorAll(".exercise")].map((i) => i.dataset.line).sort().join(",");
  if (lines !== shown || body.state !== root.dataset.state) {
    // The plan changed since this page was drawn: draw it again when we can.
    if (navigator.onLine) location.reload();
    return;
  }
  for (const item of body.items) {
    for (const unit of item.units) setUnit(unitEl(item.line_id, unit.session, unit.side), unit.done, unit.sets_done);
  }
  showAdvice(root.querySelector('[data-checkin="during"]'), body.checkin.zone, body.checkin.advice);
  const morning = body.checkin.morning;
  if (morning) showAdvice(root.querySelector('[data-checkin="morning"]'), morning.zone, morning.advice);
  // Changes still waiting win over the server's older view of them.
  for (const event of await store.all()) applyLocally(event);
  showProgress();
}

// The day the address asks for (?date=), else the page's own day.
function askedDay() {
  return new URLSearchParams(location.search).get("date") || root.dataset.date;
}

// A saved copy of another day must never take ticks meant for this one: an event's date is
// the page's own day (its hidden local_date), so refuse when that is not the day asked for.
function pageIsTheDayAsked() {
  return location.pathname !== "/today" || askedDay() === root.dataset.date;
}

// Undoing a tick goes back to the sets counted before it, not to none. A unit drawn done
// (after a reload) has no "before" on this page: undo takes back its last set.
function undoKeepsTheCount(event, form) {
  if (event.type !== "untick") return;
  const el = form.closest(".unit");
  const counted = Number(el.dataset.setsDone || 0);
  const before = el.dataset.setsBefore !== undefined ? Number(el.dataset.setsBefore) : counted - 1;
  const sets = Number(el.closest(".exercise").dataset.sets);
  if (before > 0 && before < sets) Object.assign(event, { type: "sets", sets_done: before });
}

function notice(text) {
  const note = document.getElementById("offline-note");
  note.textContent = text;
  note.hidden = false;
}

async function record(event) {
  event.patient = root.dataset.patient;
  event.seq = sequence++;
  applyLocally(event);
  showProgress();
  await store.add(event);
  await showWaiting();
  sync();
}

function onSubmit(submit) {
  const form = submit.target.closest("form[data-event-form]");
  if (!form || !root.contains(form)) return;
  submit.preventDefault();
  if (!pageIsTheDayAsked()) {
    notice(`This page is not ${askedDay()}, so nothing was recorded. Open that day again when you are online.`);
    return;
  }
  const event = eventFromForm(form, submit.submitter);
  if (event.type === "checkin" && event.pain === undefined) {
    notice("Choose a number from 0 to 10 first.");
    return;
  }
  if (event.type === "checkin") {
    const section = form.closest("[data-checkin]");
    showAdvice(section, null, "");
    say("Pain saved.");
  } else if (event.type === "tick" || event.type === "untick") {
    const name = form.closest(".exercise").dataset.name;
    say(event.type === "tick" ? `${name} marked done.` : `${name} not done.`);
  }
  undoKeepsTheCount(event, form);
  record(event);
}

// ---------------------------------------------------------------------------------------
// Hold and rest timer: counts down to an end time, so a sleeping screen cannot slow it.

const timer = { el: null, endsAt: 0, kind: "", frame: 0, audio: null };

function format(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function tick() {
  if (!timer.el) return;
  const left = (timer.endsAt - Date.now()) / 1000;
  timer.el.querySelector("[data-timer-display]").textContent = format(left);
  if (left <= 0) finishTimer();
}

function startTimer(el, kind) {
  stopTimer();
  const seconds = Number(kind === "rest" ? el.dataset.rest : el.dataset.hold);
  Object.assign(timer, { el, kind, endsAt: Date.now() + seconds * 1000 });
  el.classList.add("running");
  if (document.getElementById("timer-sound").checked) prepareSound();
  tick();
  timer.frame = setInterval(tick, 250);
  el.dispatchEvent(new CustomEvent("stride:timer", { bubbles: true, detail: { state: "start", kind, seconds } }));
  announce(`${kind === "rest" ? "Rest" : "Timer"} started: ${seconds} seconds.`);
}

function stopTimer() {
  clearInterval(timer.frame);
  if (timer.el) timer.el.dispatchEvent(new CustomEvent("stride:timer", { bubbles: true, detail: { state: "stop", kind: timer.kind } }));
  if (timer.el) timer.el.classList.remove("running");
  timer.el = null;
}

function finishTimer() {
  const { el, kind } = timer;
  el.dispatchEvent(new CustomEvent("stride:timer", { bubbles: true, detail: { state: "end", kind } }));
  stopTimer();
  el.querySelector("[data-timer-display]").textContent = "0:00";
  if (document.getElementById("timer-vibrate").checked && navigator.vibrate) navigator.vibrate([200, 100, 200]);
  if (document.getElementById("timer-sound").checked) beep();
  announce(kind === "rest" ? `Rest over. Next set of ${el.dataset.name}.` : `${el.dataset.name}: time is up.`);
}

function prepareSound() {
  // Audio may only start from a tap, so the context is made when the timer is started.
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!timer.audio && Context) timer.audio = new Context();
  if (timer.audio && timer.audio.state === "suspended") timer.audio.resume();
}

function beep() {
  if (!timer.audio) return;
  const oscillator = timer.audio.createOscillator();
  const gain = timer.audio.createGain();
  oscillator.frequency.value = 880;
  gain.gain.value = 0.2;
  oscillator.connect(gain).connect(timer.audio.destination);
  oscillator.start();
  oscillator.stop(timer.audio.currentTime + 0.35);
}

function announce(text) {
  const status = document.getElementById("timer-status");
  status.textContent = "";
  setTimeout(() => (status.textContent = text), 50);
}

function setUpTimers() {
  const timers = root.querySelectorAll("[data-timer]");
  if (!timers.length) return;
  timers.forEach((el) => (el.hidden = false));
  const settings = document.getElementById("timer-settings");
  settings.hidden = false;
  for (const id of ["timer-sound", "timer-vibrate"]) {
    const box = document.getElementById(id);
    const saved = localStorage.getItem(id);
    if (saved !== null) box.checked = saved === "true";
    box.addEventListener("change", () => localStorage.setItem(id, String(box.checked)));
  }
  root.addEventListener("click", (click) => {
    const start = click.target.closest("[data-timer-start]");
    if (start) startTimer(start.closest("[data-timer]"), start.dataset.timerStart);
    if (click.target.closest("[data-timer-stop]")) {
      stopTimer();
      announce("Timer stopped.");
    }
  });
  // Coming back from a locked screen: show the true time left at once.
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && tick());
}

// ---------------------------------------------------------------------------------------
// Start

function localDate() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

async function start() {
  if (!root) return;
  document.addEventListener("submit", onSubmit);
  setUpTimers();
  document.addEventListener("stride:waiting", (waiting) => showPending(waiting.detail));
  document.addEventListener("stride:synced", (synced) => synced.detail.settled.length && refreshFromServer());
  window.addEventListener("online", () => (document.getElementById("offline-note").hidden = true));
  if (!pageIsTheDayAsked()) {
    notice(`This page is not ${askedDay()}, so nothing can be recorded here. Open that day again when you are online.`);
  }
  if (root.dataset.date === root.dataset.today && localDate() > root.dataset.date && !navigator.onLine) {
    notice(`You are offline, so this is the plan from ${root.dataset.date}. Ticks count for that day.`);
  }
  await refreshFromServer();
  for (const event of await store.all()) applyLocally(event);
  showProgress();
  showPending(await store.all());
}

start();
