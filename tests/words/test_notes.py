"""The patient's notes reach the physio: timeline, progress table and unread counts per reader."""

from datetime import timedelta

from app.models import Role
from app.services.caseload import caseload
from tests.factories import checkin


def _row(user, patient):  # type: ignore[no-untyped-def]
    [row] = [r for r in caseload(user) if r.patient_id == patient.id]
    return row


def test_a_check_in_note_shows_on_the_patient_page_timeline_with_its_pain(
    client, make, physio, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    day = today - timedelta(days=1)
    events = [checkin("during", day, 6, note="Sharp on the single-leg bridge")]
    assert client.post_json("/api/v1/sync", {"events": events}).status_code == 200

    page = client.login_as(physio).get(f"/patients/{patient.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') : page.index('id="messages"')]
    assert "Pain 6/10 during exercise" in timeline
    assert "Sharp on the single-leg bridge" in timeline
    assert "1 new note" in timeline
    assert "Plan version 1" in timeline  # plan changes are on the same timeline
    again = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "new note" not in again


def test_unread_is_per_staff_member(client, make, physio, patient, today):
    admin = make.staff(physio.clinic, Role.ADMIN, "admin-a@test.example")
    make.check_in(patient, today - timedelta(days=1), 4, note="Stiff this morning")
    make.message(patient, "Can I swim?")
    make.message(patient, "Still here", author=physio)  # the staff's own words are never unread
    first = _row(physio, patient)
    assert (first.unread_notes, first.unread_messages) == (1, 1)

    client.login_as(physio).get(f"/patients/{patient.id}")
    read = _row(physio, patient)
    assert (read.unread_notes, read.unread_messages) == (0, 0)
    not_yet = _row(admin, patient)
    assert (not_yet.unread_notes, not_yet.unread_messages) == (1, 1)

    make.message(patient, "And run?")
    assert _row(physio, patient).unread_messages == 1


def test_reading_one_patient_leaves_the_other_patients_unread(client, make, physio, patient, today):
    other = make.patient(physio, "other@test.example")
    for who in (patient, other):
        make.check_in(who, today - timedelta(days=1), 4, note="Stiff this morning")
        make.message(who, "Can I swim?")

    client.login_as(physio).get(f"/patients/{patient.id}")
    assert (_row(physio, patient).unread_notes, _row(physio, patient).unread_messages) == (0, 0)
    still = _row(physio, other)
    assert (still.unread_notes, still.unread_messages) == (1, 1)


def test_the_dashboard_shows_the_unread_badge(client, make, physio, patient, today):
    make.check_in(patient, today - timedelta(days=1), 4, note="Stiff")
    make.message(patient, "Can I swim?")
    page = client.login_as(physio).get("/dashboard").get_data(as_text=True)
    assert ">1 note</span>" in page and ">1 message</span>" in page


def test_a_check_in_without_a_note_is_not_unread(make, physio, patient, today):
    make.check_in(patient, today - timedelta(days=1), 4)
    assert _row(physio, patient).unread_notes == 0


def test_the_caseload_statement_count_does_not_grow_with_notes_and_messages(
    make, physio, patient, today, query_counter
):
    with query_counter() as before:
        caseload(physio)
    for n in range(5):
        other = make.patient(physio, f"p{n}@test.example")
        make.check_in(other, today - timedelta(days=1), 3, note="note")
        make.message(other, "hello")
    with query_counter() as after:
        rows = caseload(physio)
    assert len(after) == len(before)
    assert sum(r.unread_messages for r in rows) == 5


def test_the_progress_data_table_shows_the_days_notes(client, make, physio, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    day = today - timedelta(days=2)
    make.days(patient, day, day, due=1, done=1, during=5, morning=3, logged=True)
    make.check_in(patient, day, 5, note="Tight hip")
    make.check_in(patient, day, 3, kind="morning", note="Better")
    charts = client.login_as(physio).get(f"/patients/{patient.id}/charts.json").json["charts"]
    pain = next(c for c in charts if c["key"] == "pain")
    assert pain["table"]["columns"][-1] == "Note"
    [row] = [r for r in pain["table"]["rows"] if r[-1]]
    assert row[-1] == "During: Tight hip / Next morning: Better"
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "During: Tight hip / Next morning: Better" in page
