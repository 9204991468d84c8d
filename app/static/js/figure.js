// Stride exercise figures: play the pose frames (app/domain/figures.py) and follow the timer.
// Looping: out to the end pose, hold, back, pause. With the hold timer running the figure goes
// to the end pose and stays there until the hold ends, then counts the set; during rest it
// waits at the start. prefers-reduced-motion: no animation (the CSS shows start and end).
const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
const figures = [];

function setPose(fig, position) {
  // position runs 0 (start) .. frames.length - 1 (end); between frames the coordinates blend.
  const last = fig.frames.length - 1;
  const p = Math.max(0, Math.min(last, position));
  const i = Math.min(Math.floor(p), last - 1);
  const t = p - i;
  const a = fig.frames[i];
  const b = fig.frames[i + 1] || a;
  fig.shapes.forEach((el, s) => {
    const c = a[s].map((v, k) => v + (b[s][k] - v) * t);
    const tag = el.tagName;
    if (tag === "line") {
      el.setAttribute("x1", c[0]); el.setAttribute("y1", c[1]);
      el.setAttribute("x2", c[2]); el.setAttribute("y2", c[3]);
    } else if (tag === "circle") {
      el.setAttribute("cx", c[0]); el.setAttribute("cy", c[1]);
    } else {
      const pairs = [];
      for (let k = 0; k < c.length; k += 2) pairs.push(`${c[k]},${c[k + 1]}`);
      el.setAttribute("points", pairs.join(" "));
    }
  });
  fig.block.dataset.pose = p === 0 ? "start" : p === last ? "end" : "moving";
}

function loopPosition(fig, now) {
  const [out, hold, back, pause] = fig.tempo;
  const cycle = out + hold + back + pause;
  const t = (now - fig.since) % cycle;
  const last = fig.frames.length - 1;
  if (t < out) return (t / out) * last;
  if (t < out + hold) return last;
  if (t < out + hold + back) return (1 - (t - out - hold) / back) * last;
  return 0;
}

function followPosition(fig, now) {
  const last = fig.frames.length - 1;
  const move = fig.tempo[0];
  const t = Math.min(1, (now - fig.since) / move);
  return fig.follow === "hold" ? t * last : (1 - t) * last;
}

function frame(now) {
  let running = false;
  for (const fig of figures) {
    if (!fig.visible && !fig.follow) continue;
    running = true;
    if (fig.follow === "hold" || fig.follow === "release") setPose(fig, followPosition(fig, now));
    else if (fig.follow === "rest") setPose(fig, 0);
    else setPose(fig, loopPosition(fig, now));
  }
  if (running) requestAnimationFrame(frame);
  else scheduled = false;
}

let scheduled = false;
function play() {
  if (scheduled || reduced.matches) return;
  scheduled = true;
  requestAnimationFrame(frame);
}

function speak(text) {
  const box = document.getElementById("figure-speak");
  if (!box || !box.checked || !window.speechSynthesis) return;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

function say(fig, text, spoken) {
  if (fig.note) fig.note.textContent = text;
  speak(spoken || text);
}

function onTimer(event) {
  const card = event.target.closest("li, .line, section, article") || document;
  const fig = figures.find((f) => card.contains(f.block));
  if (!fig) return;
  const { state, kind } = event.detail;
  const now = performance.now();
  const set = Math.min(fig.setsDone + 1, fig.sets);
  if (state === "start" && kind === "hold") {
    Object.assign(fig, { follow: "hold", since: now });
    say(fig, `Hold: set ${set} of ${fig.sets}`, "Hold");
  } else if (state === "start") {
    Object.assign(fig, { follow: "rest", since: now });
    say(fig, "Rest", "Rest");
  } else if (state === "end" && fig.follow === "hold") {
    fig.setsDone = Math.min(fig.setsDone + 1, fig.sets);
    Object.assign(fig, { follow: "release", since: now });
    const done = fig.setsDone >= fig.sets;
    say(fig, done ? `All ${fig.sets} sets done` : `Set ${fig.setsDone} of ${fig.sets} done`);
  } else if (state === "end") {
    Object.assign(fig, { follow: null, since: now });
    say(fig, `Rest over: next, set ${set} of ${fig.sets}`, "Go");
  } else if (state === "stop" && fig.follow !== "release") {
    Object.assign(fig, { follow: null, since: now });
  }
  fig.block.dataset.follow = fig.follow || "";
  play();
}

function setUp() {
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const fig = figures.find((f) => f.block === entry.target);
      if (fig) fig.visible = entry.isIntersecting && entry.target.offsetParent !== null;
    }
    play();
  });
  for (const block of document.querySelectorAll("[data-figure]")) {
    const svg = block.querySelector(".figure-live");
    const fig = {
      block,
      frames: JSON.parse(block.dataset.frames),
      tempo: block.dataset.tempo.split(",").map(Number),
      sets: Number(block.dataset.sets) || 1,
      setsDone: 0,
      shapes: Array.from(svg.querySelector(".fig-move").children),
      note: block.querySelector("[data-figure-follow]"),
      since: performance.now(),
      visible: false,
      follow: null,
    };
    block.classList.add("is-animated");
    figures.push(fig);
    seen.observe(block);
  }
  document.addEventListener("stride:timer", onTimer);
  // <details> opening does not change intersection: look again when one toggles.
  document.addEventListener("toggle", () => {
    for (const fig of figures) {
      seen.unobserve(fig.block);
      seen.observe(fig.block);
    }
  }, true);
  const box = document.getElementById("figure-speak");
  if (box && figures.length) {
    box.closest("[hidden]")?.removeAttribute("hidden");
    box.checked = localStorage.getItem("figure-speak") === "true";
    box.addEventListener("change", () => localStorage.setItem("figure-speak", String(box.checked)));
  }
}

setUp();
