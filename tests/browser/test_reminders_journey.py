"""Reminders in a real browser: the service worker shows a pushed reminder as a notification.

Chromium delivers a push to the service worker through the DevTools protocol
(ServiceWorker.deliverPushMessage, as a push service would), with the notifications
permission granted; the worker's registration then lists the notification it showed. The
Account page, with its reminder times and calendar link, is screenshotted at phone and
desktop sizes and checked with axe-core.
"""

import json
import os
from pathlib import Path

import pytest
from flask import Flask

from tests.browser.conftest import PHONE
from tests.browser.test_journey import PASSWORD, Pages, Watch, _login

pytestmark = pytest.mark.browser

PATIENT = "patient@example.com"
SHOTS = Path(os.environ.get("STRIDE_SHOTS", "/tmp/shots/push"))
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "service_workers": "allow"}


def _registration_id(session, page, scope: str) -> str:  # type: ignore[no-untyped-def]
    """The service worker registration of scope, as the DevTools protocol names it."""
    found: dict[str, str] = {}

    def updated(event: dict) -> None:  # type: ignore[type-arg]
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    session.on("ServiceWorker.workerRegistrationUpdated", updated)
    session.send("ServiceWorker.enable")
    # The registrations arrive as events after enable; Playwright hands them over while it
    # waits on the page, so wait (at most 5 s) until ours has come.
    for _ in range(100):
        if "id" in found:
            return found["id"]
        page.evaluate("new Promise((resolve) => setTimeout(resolve, 50))")
    raise AssertionError("no service worker registration for " + scope)


def test_a_pushed_reminder_shows_a_notification_that_opens_today(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    base = live_server
    pages = Pages(screenshots)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    context.grant_permissions(["notifications"], origin=base)
    page = context.new_page()
    watch = Watch(page)
    _login(page, base, PATIENT, PASSWORD)
    page.goto(f"{base}/me")
    # The Account page registers the service worker (reminders.js), as the day page does.
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready"
    )
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    pages.check(page, "account-reminders")
    page.screenshot(path=str(SHOTS / "account-390.png"), full_page=True)
    assert page.get_by_label("Send me reminders on my exercise days").is_visible()
    assert page.get_by_role("button", name="Allow reminders on this phone").is_visible()

    session = context.new_cdp_session(page)
    registration = _registration_id(session, page, f"{base}/")
    message = {
        "title": "Stride",
        "body": "Time for today's exercises.",
        "url": "/today",
        "tag": "stride-2026-12-02",
    }
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": base, "registrationId": registration, "data": json.dumps(message)},
    )
    [worker] = context.service_workers
    shown = worker.evaluate(
        """async () => {
          for (let i = 0; i < 100; i++) {
            const found = await self.registration.getNotifications();
            if (found.length) {
              return found.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return [];
        }"""
    )
    assert shown == [
        {
            "title": "Stride",
            "body": "Time for today's exercises.",
            "tag": "stride-2026-12-02",
            "data": {"url": "/today"},
        }
    ]
    # A push that names another site's page still opens Stride's own.
    session.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": base,
            "registrationId": registration,
            "data": json.dumps({**message, "url": "https://evil.example/"}),
        },
    )
    again = worker.evaluate(
        """async () => {
          for (let i = 0; i < 100; i++) {
            const found = await self.registration.getNotifications({tag: "stride-2026-12-02"});
            if (found.length && found[0].data.url !== undefined) return found[0].data.url;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return null;
        }"""
    )
    assert again == "/today"
    assert watch.problems == []
    assert pages.findings == [], pages.findings
    context.close()

    wide = browser.new_context(**DESKTOP)
    desk = wide.new_page()
    _login(desk, base, PATIENT, PASSWORD)
    desk.goto(f"{base}/me")
    desk.wait_for_load_state("networkidle")
    desk.screenshot(path=str(SHOTS / "account-1280.png"), full_page=True)
    wide.close()
