// Stride questionnaire: one question per screen, resumable, and answerable offline.
//
// - The server renders every question in one form (it works without this script).
// - This script shows one question at a time with Back / Skip / Next, and keeps the answers
//   so far in localStorage, so a questionnaire left half-way opens where it was left.
// - Sending makes one "outcome" event with its own UUID and puts it in the same IndexedDB
//   outbox as the day page's ticks (outbox.js). Its sync() sends it to POST /api/v1/sync
//   now, or, offline, from whichever patient page is open when the phone is back online.
//   The server stores each UUID once, so a resend never answers twice.

import { outbox, showWaiting, sync, uuid } from "./outbox.js";

const form = document.getElementById("questionnaire");
const questions = form ? [...form.querySelectorAll("[data-question]")] : [];
const KEY = form ? `stride-outcome-${form.dataset.patient}-${form.dataset.measure}` : "";
const store = form ? outbox(form.dataset.patient) : null;

function saved() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "{}");
  } catch (error) {
    return {};
  }
}

function save(step) {
  const values = {};
  for (const [name, value] of new FormData(form)) if (name !== "csrf_token" && value !== "") values[name] = value;
  localStorage.setItem(KEY, JSON.stringify({ values, step }));
}

function restore() {
  const { values = {}, step = 0 } = saved();
  for (const [name, value] of Object.entries(values)) {
    const fields = form.querySelectorAll(`[name="${name}"]`);
    fields.forEach((field) => {
      if (field.type === "radio") field.checked = field.value === value;
      else if (!field.value) field.value = value;
    });
  }
  return Math.min(step, questions.length - 1);
}

// ---------------------------------------------------------------------------------------
// One question per screen

let current = 0;

function show(step) {
  current = Math.max(0, Math.min(step, questions.length - 1));
  questions.forEach((q, index) => (q.hidden = index !== current));
  const count = form.querySelector("[data-step-count]");
  count.hidden = false;
  count.textContent = `Question ${current + 1} of ${questions.length}`;
  form.querySelector("[data-back]").disabled = current === 0;
  const last = current === questions.length - 1;
  form.querySelector("[data-next]").hidden = last;
  form.querySelector("[data-skip]").hidden = last;
  form.querySelector("[data-submit]").hidden = !last;
  const focus = questions[current].querySelector("input:checked, input");
  if (focus && document.activeElement !== document.body) focus.focus({ preventScroll: true });
  questions[current].scrollIntoView({ block: "nearest" });
  save(current);
}

function setUpVas() {
  form.querySelectorAll("[data-vas-for]").forEach((slider) => {
    const box = document.getElementById(slider.dataset.vasFor);
    slider.hidden = false;
    if (box.value !== "") slider.value = box.value;
    slider.addEventListener("input", () => {
      box.value = slider.value;
      save(current);
    });
    box.addEventListener("input", () => (slider.value = box.value));
  });
}

// ---------------------------------------------------------------------------------------
// Sending

function eventFromForm() {
  const data = new FormData(form);
  const answers = questions.map((q, index) => {
    const value = data.get(`answer_${index + 1}`);
    return value === null || value === "" ? null : Number(value);
  });
  const event = {
    id: uuid(),
    type: "outcome",
    client_time: new Date().toISOString(),
    measure_id: Number(form.dataset.measure),
  };
  const names = questions.map((q, index) => (data.get(`activity_${index + 1}`) || "").trim());
  if (form.querySelector("[name^=activity_]")) {
    // PSFS at baseline: keep the activities the patient named, with their scores.
    const kept = names.map((name, index) => [name, answers[index]]).filter(([name, a]) => name || a !== null);
    event.activities = kept.map(([name]) => name);
    event.answers = kept.map(([, a]) => a);
  } else {
    event.answers = answers;
  }
  return event;
}

function status(text) {
  const box = form.querySelector("[data-status]");
  box.hidden = false;
  box.textContent = text;
}

function showRejected(errors) {
  const messages = Object.values(errors || {});
  status(`Not saved yet: ${messages.join(" ")}`);
  const first = Object.keys(errors || {}).find((key) => key.startsWith("answers.") || key.startsWith("activities."));
  if (first) show(Number(first.split(".")[1]) - 1);
}

async function onSubmit(submit) {
  submit.preventDefault();
  const event = eventFromForm();
  event.patient = form.dataset.patient;
  event.seq = Date.now();
  await store.add(event);
  await showWaiting();
  const { settled } = await sync();
  const result = settled.find((s) => s.event.id === event.id);
  if (!result) {
    localStorage.removeItem(KEY);
    status("Saved on this phone. It will be sent when you are back online.");
    return;
  }
  if (result.status === "rejected") {
    showRejected(result.errors);
    return;
  }
  localStorage.removeItem(KEY);
  status("Thank you: your answers are saved.");
  setTimeout(() => location.assign(form.dataset.doneUrl), 800);
}

function start() {
  if (!form || !questions.length) return;
  setUpVas();
  const step = form.querySelector(".error-summary") ? 0 : restore();
  form.querySelector("[data-nav]").hidden = false;
  form.classList.add("one-per-screen");
  form.addEventListener("change", () => save(current));
  form.querySelector("[data-back]").addEventListener("click", () => show(current - 1));
  form.querySelector("[data-next]").addEventListener("click", () => show(current + 1));
  form.querySelector("[data-skip]").addEventListener("click", () => {
    questions[current].querySelectorAll("input[type=radio]").forEach((r) => (r.checked = false));
    questions[current].querySelectorAll("input[type=number]").forEach((r) => (r.value = ""));
    show(current + 1);
  });
  form.addEventListener("submit", onSubmit);
  show(step);
}

start();
