"""A questionnaire on the phone: one question per screen, resumed after a reload, sent offline.

The demo patient Sam has a LEFS follow-up due today. Sam opens it from the day page, answers
half, reloads (it opens at the same question with the answers kept), answers the rest with
the phone offline, comes back online (the questionnaire page itself sends them, and says
"All changes synced."), opens the day page, and the answers are stored once. The
physio then reads the change since baseline and the chart. Screenshots at 390x844.
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.browser.conftest import PHONE
from tests.browser.test_journey import Pages, Watch, _in_db, _login

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("STRIDE_OUTCOME_SHOTS", "/tmp/shots/outcomes"))


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _choose(page, value: int) -> None:  # type: ignore[no-untyped-def]
    question = page.locator("[data-question]:visible")
    question.locator(f"input[type=radio][value='{value}']").check()
    page.get_by_role("button", name="Next").click()


def test_patient_answers_a_questionnaire_one_question_per_screen_offline(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    from app.extensions import db
    from app.models import OutcomeMeasure, Patient, SyncEvent, User

    base = live_server
    pages = Pages(screenshots)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watch = Watch(page)
    _login(page, base, "patient@example.com", "stride-demo")
    page.goto(f"{base}/today")
    page.get_by_test_id("outcome-due").get_by_role("link").click()
    pages.check(page, "patient-outcomes-waiting")
    page.get_by_test_id("outcome-open-lefs").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("wording-short").is_visible()
    assert page.locator("[data-question]:visible").count() == 1  # one question per screen
    assert page.get_by_text("Question 1 of 20").is_visible()
    _shot(page, "questionnaire-first")
    pages.check(page, "patient-questionnaire")

    for _ in range(10):
        _choose(page, 3)
    assert page.get_by_text("Question 11 of 20").is_visible()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Question 11 of 20").is_visible()  # resumed where it was left
    page.get_by_role("button", name="Back").click()
    assert page.locator("[data-question]:visible input[value='3']").is_checked()  # kept
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Skip").click()  # item 11 left out (LEFS allows 4)
    for _ in range(8):
        _choose(page, 4)
    page.locator("[data-question]:visible input[value='4']").check()
    _shot(page, "questionnaire-last")

    context.set_offline(True)
    page.get_by_test_id("outcome-submit").click()
    # The questionnaire's own words (the page's sync banner also counts the change waiting).
    page.get_by_text("Saved on this phone. It will be sent").wait_for()
    _shot(page, "questionnaire-saved-offline")
    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('sync-banner').textContent === 'All changes synced.'",
        timeout=15_000,
    )
    page.goto(f"{base}/today")
    page.wait_for_load_state("networkidle")

    def stored() -> tuple:
        patient_id = db.session.scalar(
            sa.select(Patient.id).join(User, User.id == Patient.user_id)
            .where(User.login == "patient@example.com")
        )  # fmt: skip
        answered = db.session.scalars(
            sa.select(OutcomeMeasure)
            .where(
                OutcomeMeasure.patient_id == patient_id,
                OutcomeMeasure.instrument == "lefs",
                OutcomeMeasure.answered_on.is_not(None),
            )
            .order_by(OutcomeMeasure.answered_on)
        ).all()
        events = db.session.scalar(
            sa.select(sa.func.count()).select_from(SyncEvent).where(
                SyncEvent.patient_id == patient_id, SyncEvent.kind == "outcome"
            )
        )  # fmt: skip
        return patient_id, [m.answers for m in answered], events

    for _ in range(50):
        patient_id, answers, events = _in_db(live_app, stored)  # type: ignore[misc]
        if len(answers) == 3:
            break
        page.wait_for_timeout(100)
    assert answers[-1] == [3] * 10 + [None] + [4] * 9
    assert events == 1
    # The one send tried while offline failed, as it should; nothing else did.
    assert [p for p in watch.problems if "ERR_INTERNET_DISCONNECTED" not in p] == []

    physio_context = browser.new_context(**PHONE)
    physio = physio_context.new_page()
    physio_watch = Watch(physio)
    _login(physio, base, "physio@example.com", "stride-demo")
    physio.goto(f"{base}/patients/{patient_id}/outcomes")
    physio.wait_for_load_state("networkidle")
    physio.locator("#chart-outcome-lefs").scroll_into_view_if_needed()  # drawn when in view
    physio.locator("#chart-outcome-lefs .main-svg").first.wait_for()
    assert "that matters" in physio.get_by_test_id("outcome-changes-lefs").inner_text()
    _shot(physio, "physio-outcome-results")
    physio.locator("#chart-outcome-lefs").scroll_into_view_if_needed()
    _shot(physio, "physio-outcome-chart")
    pages.check(physio, "physio-outcomes")
    assert physio_watch.problems == []
    assert pages.findings == []
    context.close()
    physio_context.close()


def test_questionnaire_screens_pass_axe_on_a_phone(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    """Jo has a HAGOS overdue and a PSFS baseline (from the template): both screens, the day
    page's notice and the physio's dashboard badge, checked with axe-core."""
    base = live_server
    pages = Pages(screenshots)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watch = Watch(page)
    _login(page, base, "flare@example.com", "stride-demo")
    page.goto(f"{base}/today")
    page.get_by_test_id("outcome-due").wait_for()
    _shot(page, "today-questionnaire-notice")
    page.goto(f"{base}/outcomes")
    for slug in ("psfs", "hagos"):
        page.goto(f"{base}/outcomes")
        page.get_by_test_id(f"outcome-open-{slug}").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-question]:visible").count() == 1
        _shot(page, f"questionnaire-{slug}")
        pages.check(page, f"patient-questionnaire-{slug}")
    # A request cut short by the next navigation is not a problem of the page.
    assert [p for p in watch.problems if "ERR_ABORTED" not in p] == []

    physio = browser.new_context(**PHONE).new_page()
    _login(physio, base, "physio@example.com", "stride-demo")
    physio.goto(f"{base}/dashboard")
    physio.get_by_test_id("outcome-badge").first.wait_for()
    _shot(physio, "dashboard-badge")
    assert pages.findings == []
    context.close()
