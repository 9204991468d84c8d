"""The product's main promise, in a real browser on a phone: plan, tick (also offline), adjust.

A physio creates a patient, assigns a template and copies the invite; the patient sets a
password, ticks exercises and reports pain; ticks two more offline, reloads, comes back
online; the physio sees every tick exactly once, opens the charts and applies the suggestion
the pain raised. Every main page is checked with axe-core and saved as a screenshot.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import worker
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

PHYSIO = "physio@example.com"
PASSWORD = "stride-demo"
NEW_PASSWORD = "my own long password"
PATIENT_NAME = "Jo Browser"
SERIOUS = ("serious", "critical")


class Watch:
    """Console errors, uncaught exceptions and failed requests of one page."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.problems: list[str] = []
        page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )


class Pages:
    """Visits main pages: screenshot at 390x844 and axe-core, collecting serious findings."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.findings: list[str] = []
        self.seen: list[str] = []

    def check(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        self.seen.append(name)
        violations = Axe().run(page).response["violations"]
        for violation in violations:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"][:3]]
                self.findings.append(
                    f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} "
                    f"at {targets}"
                )


def _in_db(app: Flask, query: Callable[[], object]) -> object:
    from app.extensions import db

    with app.app_context():
        try:
            return query()
        finally:
            db.session.remove()


def _login(page, base: str, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_physio_plans_patient_ticks_offline_and_physio_adjusts(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    from app.extensions import db
    from app.models import ExerciseLog, Patient, Suggestion, SyncEvent, User

    base = live_server
    pages = Pages(screenshots)

    # --- The physio, on their phone: log in, create the patient, assign a template. ---------
    physio_context = browser.new_context(**PHONE)
    physio = physio_context.new_page()
    physio.goto(f"{base}/login")
    pages.check(physio, "login")
    _login(physio, base, PHYSIO, PASSWORD)
    assert physio.url.endswith("/dashboard")
    pages.check(physio, "physio-dashboard")

    physio.goto(f"{base}/patients/new")
    pages.check(physio, "physio-new-patient")
    physio.get_by_label("Full name").fill(PATIENT_NAME)
    physio.get_by_label("Date of birth").fill("1984-06-01")
    physio.get_by_label("Condition").select_option("gluteal-tendinopathy")
    physio.get_by_label("Affected side").select_option("right")
    physio.get_by_label("Goal, in the patient's words").fill("Walk the dog without hip pain")
    physio.get_by_label("Usual morning pain (0-10)").fill("2")
    physio.get_by_role("button", name="Create patient and invite").click()
    invite_link = physio.get_by_test_id("invite-link").input_value()  # what the physio copies
    assert "/invite/" in invite_link
    pages.check(physio, "physio-invite")

    patient_id = _in_db(
        live_app,
        lambda: db.session.scalar(
            sa.select(Patient.id)
            .join(User, User.id == Patient.user_id)
            .where(User.name == PATIENT_NAME)
        ),
    )
    physio.goto(f"{base}/patients/{patient_id}")
    pages.check(physio, "physio-patient")
    physio.get_by_role("link", name="Assign a programme").click()
    template = physio.locator("#template_id option", has_text="Gluteal tendinopathy")
    physio.get_by_label("Start from").select_option(template.get_attribute("value"))
    pages.check(physio, "physio-assign")
    physio.get_by_role("button", name="Assign programme").click()
    physio.wait_for_load_state("networkidle")
    assert "/programmes/" in physio.url
    pages.check(physio, "physio-programme")

    # --- The patient, on their own phone: accept the invite and see today's plan. -------------
    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    phone.goto(invite_link)
    pages.check(phone, "patient-set-password")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Set password and continue").click()
    phone.wait_for_url(f"{base}/today")
    day = phone.get_by_test_id("day")
    assert day.get_attribute("data-state") not in ("no_programme", "rest_day")
    assert phone.get_by_test_id("exercise-1").is_visible()
    # The service worker must control the page before the network goes away.
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    pages.check(phone, "patient-today")

    # Tick two units online and report pain during the session (6/10: a red day).
    phone.get_by_test_id("tick-1-1-both").click()
    phone.get_by_test_id("tick-1-2-both").click()
    for key in ("1-1-both", "1-2-both"):
        phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=true]")
    phone.locator("label:has([data-testid=during-pain-6])").click()
    phone.get_by_test_id("during-save").click()
    advice = phone.get_by_test_id("advice-during")
    advice.wait_for(state="visible")
    assert "red" in (advice.get_attribute("class") or "") and "Do less today" in advice.inner_text()
    phone.get_by_test_id("sync-banner").wait_for(state="hidden")

    # --- Offline: two more ticks, a reload, back online. --------------------------------------
    phone_context.set_offline(True)
    phone.get_by_test_id("tick-2-1-left").click()
    phone.get_by_test_id("tick-2-1-right").click()
    phone.get_by_test_id("pending-2-1-left").wait_for(state="visible")
    phone.get_by_test_id("pending-2-1-right").wait_for(state="visible")
    phone.reload()
    phone.get_by_test_id("day").wait_for()
    # The outbox is read from IndexedDB after the page draws: wait for it, do not sample.
    for key in ("1-1-both", "1-2-both", "2-1-left", "2-1-right"):
        phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=true]")
    phone.get_by_test_id("pending-2-1-left").wait_for(state="visible")
    phone.get_by_test_id("sync-banner").wait_for(state="visible")
    pages.check(phone, "patient-today-offline")
    phone_context.set_offline(False)
    phone.get_by_test_id("pending-2-1-left").wait_for(state="hidden", timeout=15_000)
    phone.get_by_test_id("pending-2-1-right").wait_for(state="hidden", timeout=15_000)
    phone.reload()  # a second load must not send anything twice
    phone.get_by_test_id("day").wait_for()
    phone.wait_for_load_state("networkidle")

    # --- Each tick is stored exactly once. ------------------------------------------------------
    def stored() -> tuple[list[tuple], list[tuple]]:
        logs = db.session.execute(
            sa.select(ExerciseLog.line_id, ExerciseLog.session, ExerciseLog.side, ExerciseLog.done)
            .where(ExerciseLog.patient_id == patient_id)
            .order_by(ExerciseLog.line_id, ExerciseLog.session, ExerciseLog.side)
        ).all()
        events = db.session.execute(
            sa.select(SyncEvent.kind, SyncEvent.payload).where(SyncEvent.patient_id == patient_id)
        ).all()
        return [tuple(row) for row in logs], [tuple(row) for row in events]

    logs, events = _in_db(live_app, stored)
    assert logs == [
        (1, 1, "both", True),
        (1, 2, "both", True),
        (2, 1, "left", True),
        (2, 1, "right", True),
    ]
    offline_ticks = [
        payload for kind, payload in events if kind == "tick" and str(payload.get("line_id")) == "2"
    ]
    assert len(offline_ticks) == 2, offline_ticks  # left and right, once each
    assert len([kind for kind, _ in events if kind == "checkin"]) == 1

    for path, name in (
        ("/plan", "patient-plan"),
        ("/week", "patient-week"),
        ("/progress", "patient-progress"),
    ):
        phone.goto(f"{base}{path}")
        pages.check(phone, name)

    # --- The physio reads the charts and applies the suggestion the red day raised. -----------
    charts = physio_context.new_page()
    watch = Watch(charts)
    charts.goto(f"{base}/patients/{patient_id}/progress")
    charts.wait_for_load_state("networkidle")
    first = charts.locator("[data-chart]").first
    assert first.locator("[data-static-chart]").count() == 1  # drawn by the server
    first.hover()  # touched: swapped for the interactive chart
    first.locator(".plot-container").wait_for(timeout=15_000)
    for chart in charts.locator("[data-chart]").all():  # each is drawn as it scrolls into view
        chart.scroll_into_view_if_needed()
        chart.locator(".plot-container").wait_for()
    assert charts.locator(".plot-container").count() >= 3
    assert not watch.problems, watch.problems
    pages.check(charts, "physio-charts")

    assert worker.run_once(live_app)["suggestion_refreshes"] == 1  # flask worker's next run
    physio.goto(f"{base}/patients/{patient_id}")
    suggestion = physio.locator("#suggestions article.suggestion").first
    suggestion.wait_for()
    pages.check(physio, "physio-patient-with-suggestion")
    suggestion.get_by_role("button", name="Apply").click()
    physio.wait_for_load_state("networkidle")
    statuses = _in_db(
        live_app,
        lambda: db.session.scalars(
            sa.select(Suggestion.status).where(Suggestion.patient_id == patient_id)
        ).all(),
    )
    assert "applied" in statuses

    for path, name in (("/library/", "physio-library"), ("/templates", "physio-templates")):
        physio.goto(f"{base}{path}")
        pages.check(physio, name)
    admin = browser.new_context(**PHONE).new_page()
    _login(admin, base, "admin@example.com", PASSWORD)
    admin.goto(f"{base}/admin/audit")
    pages.check(admin, "admin-audit")

    physio_context.close()
    phone_context.close()
    assert not pages.findings, "axe-core found serious problems:\n" + "\n".join(pages.findings)
