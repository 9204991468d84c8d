// Reminders on this phone (Account page): ask for notifications, subscribe to Web Push with
// the server's VAPID public key, and tell Stride the subscription (or forget it).
import { installed, isIos } from "./install.js";
import { csrfToken } from "./outbox.js";

const box = document.getElementById("this-phone");
const state = document.getElementById("push-state");
const onButton = document.getElementById("push-on");
const offButton = document.getElementById("push-off");
const iosHint = document.getElementById("ios-hint");

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Stride answered ${response.status}`);
  return response.json();
}

function show(text, on, off) {
  state.textContent = text;
  onButton.hidden = !on;
  offButton.hidden = !off;
}

async function registration() {
  await navigator.serviceWorker.register(box.dataset.sw, { scope: "/" });
  return navigator.serviceWorker.ready;
}

async function refresh() {
  const reg = await registration();
  const subscription = await reg.pushManager.getSubscription();
  if (subscription) {
    await post(box.dataset.subscribe, subscription.toJSON()); // keeps Stride's copy current
    show("Reminders come to this phone.", false, true);
  } else if (Notification.permission === "denied") {
    show("Notifications are blocked for Stride in this browser's settings. Allow them there, then reload this page.", false, false);
  } else {
    show("Reminders are not sent to this phone yet.", true, false);
  }
}

async function turnOn() {
  onButton.disabled = true;
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show("Stride may not show notifications on this phone, so no reminders will come.", true, false);
      return;
    }
    const reg = await registration();
    const subscription = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(box.dataset.publicKey),
    });
    await post(box.dataset.subscribe, subscription.toJSON());
    show("Done: reminders come to this phone.", false, true);
  } catch (error) {
    show("That did not work. Check your connection and try again.", true, false);
  } finally {
    onButton.disabled = false;
  }
}

async function turnOff() {
  offButton.disabled = true;
  try {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      await post(box.dataset.unsubscribe, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show("Reminders no longer come to this phone.", true, false);
  } catch (error) {
    show("That did not work. Check your connection and try again.", false, true);
  } finally {
    offButton.disabled = false;
  }
}

if (box && state && box.dataset.publicKey) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    if (isIos() && !installed()) {
      show("Add Stride to your Home Screen first (see below).", false, false);
      iosHint.hidden = false;
    } else {
      show("This browser cannot show reminders. The calendar link below works instead.", false, false);
    }
  } else {
    if (isIos() && !installed()) iosHint.hidden = false;
    onButton.addEventListener("click", turnOn);
    offButton.addEventListener("click", turnOff);
    refresh().catch(() => show("Reminders are not sent to this phone yet.", true, false));
  }
} else if (box && iosHint && isIos() && !installed()) {
  iosHint.hidden = false;
}
