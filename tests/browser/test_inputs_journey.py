"""Reps per set, the 24-hour answer and the weekly test task, on a phone, partly offline.

Ray's plan (hip pain in runners, daily) started three days ago and its first phase has a
test task. Ray fills in yesterday: enters the reps of each bridge set with the phone offline,
reloads (still waiting, still shown), comes back online and the tick is stored once with its
reps. Today's page then asks about yesterday's pain and whether it settled within 24 hours:
"not settled" makes the day red. Ray rates the test task. The physio sees all three on the
patient page and chooses test tasks on the programme page. Screenshots at 390x844 and
1280x800; axe-core on each page.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.browser.conftest import PHONE
from tests.browser.test_journey import Pages, Watch, _in_db, _login

pytestmark = pytest.mark.browser

LOGIN = "ray@example.com"
TASK = "Single-leg stance, 30 s"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def _ray(live_app: Flask) -> tuple[int, int, str]:
    """Make Ray: a daily plan from three days ago with a test task; (patient, programme, today)."""
    from app.domain.localtime import local_today
    from app.extensions import db
    from app.models import Patient, ProgrammeTemplate, Role, User
    from app.services import programmes
    from app.services.passwords import hash_password

    def make() -> tuple[int, int, str]:
        physio = db.session.scalar(sa.select(User).where(User.login == "physio@example.com"))
        patient = Patient(
            user=User(
                clinic_id=physio.clinic_id,
                role=Role.PATIENT,
                name="Ray Reps",
                login=LOGIN,
                email=LOGIN,
                password_hash=hash_password("stride-demo"),
            ),
            clinic_id=physio.clinic_id,
            physio_id=physio.id,
            date_of_birth=date(1985, 3, 9),
            timezone="Europe/London",
            condition="fai",
            affected_side="left",
            goal="Run 5 km",
            usual_pain=2,
        )
        db.session.add(patient)
        db.session.flush()
        today = local_today(patient.timezone)
        template = db.session.scalar(
            sa.select(ProgrammeTemplate).where(ProgrammeTemplate.slug == "hip-pain-runners")
        )
        programme = programmes.assign_programme(
            physio, patient, template, today - timedelta(days=3)
        )
        for line in programme.current_version.prescriptions:  # daily, so yesterday was due
            line.days_of_week, line.times_per_week = 0b1111111, None
        programmes.set_test_task(physio, programme, 0, TASK)
        db.session.commit()
        return patient.id, programme.id, today.isoformat()

    return _in_db(live_app, make)  # type: ignore[return-value]


def _stored(live_app: Flask, patient_id: int) -> tuple:
    from app.extensions import db
    from app.models import CheckIn, ExerciseLog, SyncEvent

    def read() -> tuple:
        logs = db.session.execute(
            sa.select(ExerciseLog.line_id, ExerciseLog.reps_done).where(
                ExerciseLog.patient_id == patient_id
            )
        ).all()
        checkins = db.session.execute(
            sa.select(CheckIn.kind, CheckIn.pain, CheckIn.settled, CheckIn.test_task).where(
                CheckIn.patient_id == patient_id
            )
        ).all()
        ticks = db.session.scalar(
            sa.select(sa.func.count()).select_from(SyncEvent).where(
                SyncEvent.patient_id == patient_id, SyncEvent.kind == "tick"
            )
        )  # fmt: skip
        return [tuple(r) for r in logs], sorted(tuple(r) for r in checkins), ticks

    return _in_db(live_app, read)  # type: ignore[return-value]


def test_patient_enters_reps_offline_answers_the_24_hour_question_and_rates_the_test_task(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    base = live_server
    pages = Pages(screenshots)
    patient_id, programme_id, today = _ray(live_app)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    watch = Watch(phone)
    _login(phone, base, LOGIN, "stride-demo")
    phone.goto(f"{base}/today")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert phone.get_by_test_id("settled").count() == 0  # nothing done yesterday: not asked

    # Yesterday, offline: the bridge went better than planned.
    phone.get_by_test_id("catch-up-" + str(_yesterday(today))).click()
    phone.get_by_test_id("day").wait_for()
    context.set_offline(True)
    phone.get_by_test_id("reps-summary-1-1-both").click()
    bridge = phone.get_by_test_id("reps-1-1-both")
    for n in (1, 2):
        bridge.get_by_label(f"Set {n} reps").fill("14")
    for _ in range(2):  # one tap a rep on the third set: 12 -> 14
        bridge.get_by_role("button", name="One rep more in set 3").click()
    assert bridge.get_by_label("Set 3 reps").input_value() == "14"
    phone.screenshot(path=str(screenshots / "patient-reps-entry.png"), full_page=True)
    phone.get_by_test_id("reps-save-1-1-both").click()
    phone.wait_for_selector("[data-testid=unit-1-1-both][data-done=true]")
    phone.get_by_test_id("pending-1-1-both").wait_for(state="visible")
    assert phone.get_by_test_id("reps-summary-1-1-both").inner_text() == "Reps done: 14, 14, 14"
    phone.reload()
    # The outbox is read from IndexedDB after the page draws: wait for it, do not sample.
    phone.wait_for_selector("[data-testid=unit-1-1-both][data-done=true]")
    phone.get_by_test_id("pending-1-1-both").wait_for(state="visible")
    assert phone.get_by_test_id("reps-summary-1-1-both").inner_text() == "Reps done: 14, 14, 14"
    context.set_offline(False)
    phone.get_by_test_id("pending-1-1-both").wait_for(state="hidden", timeout=15_000)
    phone.reload()
    phone.wait_for_load_state("networkidle")
    pages.check(phone, "patient-yesterday-with-reps")
    logs, _, ticks = _stored(live_app, patient_id)
    assert logs == [(1, [14, 14, 14])] and ticks == 1  # stored once

    # This morning: yesterday's pain, and whether it settled within 24 hours.
    phone.goto(f"{base}/today")
    morning = phone.get_by_test_id("checkin-morning")
    morning.wait_for()
    assert "(within 24 hours)?" in morning.inner_text()
    phone.locator("label:has([data-testid=morning-pain-2])").click()
    phone.locator("label:has([data-testid=settled-no])").click()
    pages.check(phone, "patient-morning-settled")
    phone.get_by_test_id("morning-save").click()
    advice = phone.get_by_test_id("advice-morning")
    advice.wait_for(state="visible")
    assert "red" in (advice.get_attribute("class") or "")

    # The weekly test task.
    task = phone.get_by_test_id("checkin-task")
    assert f"Weekly check: {TASK}" in task.inner_text()
    phone.locator("label:has([data-testid=task-pain-2])").click()
    phone.get_by_test_id("task-save").click()
    phone.get_by_test_id("pending-task").wait_for(state="hidden", timeout=15_000)
    for _ in range(50):
        _, checkins, _ = _stored(live_app, patient_id)
        if len(checkins) == 2:
            break
        phone.wait_for_timeout(100)
    assert checkins == [("morning", 2, False, ""), ("task", 2, None, TASK)]
    pages.check(phone, "patient-today-after-inputs")
    desk = browser.new_context(**DESKTOP).new_page()
    _login(desk, base, LOGIN, "stride-demo")
    desk.goto(f"{base}/today?date={_yesterday(today)}")
    desk.get_by_test_id("reps-summary-1-1-both").click()
    desk.screenshot(path=str(screenshots / "patient-yesterday-1280.png"), full_page=True)
    desk.goto(f"{base}/today")
    desk.wait_for_load_state("networkidle")
    desk.screenshot(path=str(screenshots / "patient-today-inputs-1280.png"), full_page=True)
    # Sends tried while offline fail, as they should; a request cut short by the next
    # navigation is not a problem of the page.
    expected = ("ERR_INTERNET_DISCONNECTED", "ERR_ABORTED")
    assert [p for p in watch.problems if not any(e in p for e in expected)] == []

    # The physio: the timeline names each answer; the programme page offers test tasks.
    for viewport, suffix in ((PHONE, "390"), (DESKTOP, "1280")):
        physio = browser.new_context(**viewport).new_page()
        _login(physio, base, "physio@example.com", "stride-demo")
        physio.goto(f"{base}/patients/{patient_id}")
        text = physio.locator("body").inner_text()
        assert "not settled within 24 hours" in text
        assert "reps per set 14, 14, 14" in text
        assert f"Test task ({TASK}): pain 2/10" in text
        physio.screenshot(
            path=str(screenshots / f"physio-patient-inputs-{suffix}.png"), full_page=True
        )
        physio.goto(f"{base}/patients/{patient_id}/programmes/{programme_id}")
        physio.get_by_test_id("test-task-0").wait_for()
        physio.locator("details.test-task-edit summary").first.click()
        physio.screenshot(path=str(screenshots / f"physio-test-task-{suffix}.png"), full_page=True)
        if suffix == "390":
            pages.check(physio, "physio-programme-test-task")
    assert pages.findings == [], "\n".join(pages.findings)
    context.close()


def _yesterday(today: str) -> str:
    return (date.fromisoformat(today) - timedelta(days=1)).isoformat()
