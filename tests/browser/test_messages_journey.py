"""Messages in a real browser on a phone: written offline, sent once on reconnecting, answered.

The demo patient opens Messages, goes offline, writes a message (it waits in the outbox,
marked as waiting), comes back online: the message is stored exactly once. The physio reads
it on the patient page (timeline and thread) and replies; the patient's navigation shows it.
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.browser.conftest import PHONE
from tests.browser.test_journey import PASSWORD, PHYSIO, Pages, Watch, _in_db, _login

pytestmark = pytest.mark.browser

PATIENT = "flare@example.com"  # the demo patient whose pain flared: notes and a message
WORDS = "Offline question: can I do the clams on the floor?"
# Extra copies for a person to look at (never in the repository).
SHOTS = Path(os.environ.get("STRIDE_SHOTS", "/tmp/shots/words"))


def _shoot(pages: Pages, page, name: str, *parts: str) -> None:  # type: ignore[no-untyped-def]
    pages.check(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    for n, selector in enumerate(parts, 1):
        page.locator(selector).screenshot(path=str(SHOTS / f"{name}-part{n}.png"))


def test_a_message_written_offline_arrives_once_and_the_physio_answers(
    live_app: Flask, live_server: str, browser, screenshots: Path
):
    from app.extensions import db
    from app.models import Message, Patient, User

    base = live_server
    pages = Pages(screenshots)
    patient_id = _in_db(
        live_app,
        lambda: db.session.scalar(
            sa.select(Patient.id)
            .join(User, Patient.user_id == User.id)
            .where(User.email == PATIENT)
        ),
    )

    def stored() -> list[tuple[str, bool]]:
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(Message.body, Message.from_patient)
                .where(Message.patient_id == patient_id)
                .order_by(Message.created_at)
            )
        ]

    # --- The patient writes while offline. -----------------------------------------------------
    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    watch = Watch(phone)
    _login(phone, base, PATIENT, PASSWORD)
    phone.goto(f"{base}/messages")
    phone.wait_for_load_state("networkidle")
    before = _in_db(live_app, stored)
    phone_context.set_offline(True)
    phone.get_by_label("Message to your physio").fill(WORDS)
    phone.get_by_role("button", name="Send").click()
    waiting = phone.locator("#thread .message-pending")
    waiting.wait_for()
    assert WORDS in waiting.inner_text()
    assert "offline" in phone.locator("#message-status").inner_text()
    assert _in_db(live_app, stored) == before  # nothing reached the server

    phone_context.set_offline(False)
    phone.locator("#thread .message-pending").wait_for(state="detached", timeout=15_000)
    phone.reload()  # a second load must not send it again
    phone.wait_for_load_state("networkidle")
    after = _in_db(live_app, stored)
    assert after.count((WORDS, True)) == 1, after
    assert len(after) == len(before) + 1
    assert phone.locator("#thread .message", has_text=WORDS).count() == 1
    _shoot(pages, phone, "patient-messages")

    # --- The physio reads it on the patient page and replies. ---------------------------------
    physio_context = browser.new_context(**PHONE)
    physio = physio_context.new_page()
    _login(physio, base, PHYSIO, PASSWORD)
    physio.goto(f"{base}/patients/{patient_id}")
    physio.locator("#messages").scroll_into_view_if_needed()
    assert physio.locator(".message-new", has_text=WORDS).count() == 1
    _shoot(
        pages, physio, "physio-patient-timeline", "section:has(#timeline)", "section:has(#messages)"
    )
    earlier = physio.locator(".timeline-earlier")
    if earlier.get_attribute("open") is None:
        earlier.locator("summary").click()
    earlier.screenshot(path=str(SHOTS / "physio-patient-timeline-earlier.png"))
    physio.get_by_label("Reply to").fill("Yes, on a mat is best.")
    physio.get_by_role("button", name="Send reply").click()
    physio.wait_for_load_state("networkidle")
    assert _in_db(live_app, stored)[-1] == ("Yes, on a mat is best.", False)

    # --- The patient's navigation shows the unread reply. -------------------------------------
    phone.goto(f"{base}/today")
    assert phone.get_by_role("link", name="Messages 1 unread", exact=True).count() == 1
    phone.get_by_role("link", name="Messages").click()
    phone.locator(".message-new", has_text="on a mat").wait_for()
    _shoot(pages, phone, "patient-messages-reply")
    expected_offline = [p for p in watch.problems if "ERR_INTERNET_DISCONNECTED" not in p]
    assert not expected_offline, expected_offline

    physio_context.close()
    phone_context.close()
    assert not pages.findings, "axe-core found serious problems:\n" + "\n".join(pages.findings)
