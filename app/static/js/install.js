// "Add to home screen" (patients): the browser's install prompt where it offers one
// (beforeinstallprompt), short steps on iOS Safari, nothing once installed or put off.
const banner = document.getElementById("install-banner");
const addButton = document.getElementById("install-add");
const laterButton = document.getElementById("install-later");
const iosSteps = document.getElementById("install-ios");
const LATER_KEY = "stride-install-later";
const LATER_DAYS = 14;
let offered = null;

// Also used by reminders.js: iOS lets only the installed app receive Web Push.
export function installed() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function putOff() {
  const until = Number(localStorage.getItem(LATER_KEY) || 0);
  return Date.now() < until;
}

export function isIos() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isIosSafari() {
  return isIos() && !/CriOS|FxiOS|EdgiOS/.test(navigator.userAgent);
}

if (banner && !installed() && !putOff()) {
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    offered = event;
    addButton.hidden = false;
    banner.hidden = false;
  });
  if (isIosSafari()) {
    iosSteps.hidden = false;
    banner.hidden = false;
  }
  addButton.addEventListener("click", async () => {
    if (!offered) return;
    offered.prompt();
    await offered.userChoice;
    offered = null;
    banner.hidden = true;
  });
  laterButton.addEventListener("click", () => {
    localStorage.setItem(LATER_KEY, String(Date.now() + LATER_DAYS * 24 * 3600 * 1000));
    banner.hidden = true;
  });
  window.addEventListener("appinstalled", () => {
    banner.hidden = true;
  });
}
