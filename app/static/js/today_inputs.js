// The day page's reps per set and 24-hour answer (issue 14). Recording and syncing is
// today.js's: these forms are ordinary event forms (data-event-form), so an entry made
// offline waits in the same outbox and is stored once by its UUID. This file only adds the
// +/- steppers and shows, from each event applied (stride:applied), what it owns.

const root = document.getElementById("day");

function entryOf(event) {
  const selector = `[data-reps][data-line="${event.line_id}"][data-session="${event.session || 1}"][data-side="${event.side || "both"}"]`;
  return root.querySelector(selector);
}

function showReps(event) {
  if (event.local_date !== root.dataset.date) return;
  const entry = entryOf(event);
  if (!entry) return;
  const summary = entry.querySelector("[data-reps-summary]");
  if (event.type === "tick" && event.reps_done) {
    summary.textContent = `Reps done${entry.dataset.where}: ${event.reps_done.join(", ")}`;
    entry.querySelectorAll("input[name=reps_done]").forEach((input, n) => {
      if (event.reps_done[n] !== undefined) input.value = String(event.reps_done[n]);
    });
    entry.open = false;
  } else if (event.type === "tick" || event.type === "untick") {
    summary.textContent = `Other than ${entry.dataset.target} reps${entry.dataset.where}? Enter them`;
  }
}

function showSettled(event) {
  if (event.type !== "checkin" || event.kind !== "morning" || event.settled === undefined) return;
  const radio = root.querySelector(`[data-checkin="morning"] input[name=settled][value="${event.settled}"]`);
  if (radio) radio.checked = true;
}

function step(click) {
  const button = click.target.closest("[data-reps-step]");
  if (!button) return;
  const input = document.getElementById(button.getAttribute("aria-controls"));
  const next = Math.min(Number(input.max), Math.max(Number(input.min), Number(input.value || 0) + Number(button.dataset.repsStep)));
  input.value = String(next);
}

if (root) {
  root.addEventListener("stride:applied", (applied) => {
    showReps(applied.detail);
    showSettled(applied.detail);
  });
  root.addEventListener("click", step);
}
