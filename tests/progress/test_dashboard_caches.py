"""The dashboard's kept parts (due units, statements, row markup) never serve a stale answer."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import ProgrammeVersion
from app.services import caseload as caseload_service
from app.services.caseload import caseload

WEDNESDAY_NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)  # the week so far: Mon, Tue, today
MONDAY = WEDNESDAY_NOON.date() - timedelta(days=2)


def _planned_patient(make, physio, name="Kept Plan"):  # type: ignore[no-untyped-def]
    patient = make.patient(physio, name=name)
    programme = make.programme(patient, [make.exercise()], start=MONDAY - timedelta(days=21))
    db.session.flush()
    return patient, programme


def _week(physio, name="Kept Plan"):  # type: ignore[no-untyped-def]
    [row] = [r for r in caseload(physio, now=WEDNESDAY_NOON) if r.name == name]
    return row.week_done, row.week_due


def test_a_new_plan_version_changes_the_week_on_the_next_read(make, physio):
    _patient, programme = _planned_patient(make, physio)
    assert _week(physio) == (0, 2)  # Monday and Tuesday one unit each, nothing done
    # Each side from last week: two units a day on the days already kept.
    [line] = db.session.get(ProgrammeVersion, programme.current_version_id).prescriptions
    make.version(
        programme, MONDAY - timedelta(days=7), [{"exercise_id": line.exercise_id, "side": "each"}]
    )
    assert _week(physio) == (0, 4)


def test_a_day_logged_after_a_read_counts_on_the_next(make, physio):
    patient, _programme = _planned_patient(make, physio)
    assert _week(physio) == (0, 2)
    make.days(patient, MONDAY, MONDAY, due=1, done=1)
    db.session.flush()
    assert _week(physio) == (1, 2)


def test_a_new_programme_changes_the_week_on_the_next_read(make, physio):
    patient, programme = _planned_patient(make, physio)
    assert _week(physio) == (0, 2)
    programme.status, programme.end_date = "archived", MONDAY - timedelta(days=1)
    make.programme(patient, [make.exercise()], start=MONDAY + timedelta(days=1), side="each")
    assert _week(physio) == (0, 2)  # Monday no programme; Tuesday two units each side


def test_kept_entries_are_bounded():
    kept: caseload_service._Kept[int, str] = caseload_service._Kept(2)
    kept.put(1, "one")
    kept.put(2, "two")
    assert kept.get(1) == "one"  # now the most recently used
    kept.put(3, "three")
    assert (kept.get(1), kept.get(2), kept.get(3)) == ("one", None, "three")


def _row_of(page: str, patient_id: int) -> str:
    start = page.index(f'data-patient="{patient_id}"')
    return page[start : page.index("</tr>", start)]


def test_a_renamed_patient_is_shown_renamed_on_the_next_request(client, make, physio, today):
    patient = make.patient(physio, name="Old Name")
    db.session.flush()
    client.login_as(physio)
    assert "Old Name" in _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)
    patient.user.name = "New Name"
    db.session.flush()
    row = _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)
    assert "New Name" in row and "Old Name" not in row


def test_a_day_ticked_changes_the_row_on_the_next_request(client, make, physio, today):
    patient = make.patient(physio, name="Ticks Today")
    make.programme(patient, [make.exercise()], start=today - timedelta(days=30))
    make.days(patient, today - timedelta(days=20), today - timedelta(days=1))
    db.session.flush()
    client.login_as(physio)
    before = _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)
    make.days(patient, today, today, during=7, zone="red")
    db.session.flush()
    after = _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)
    assert after != before
    assert 'class="zone zone-red"' in after and "7/10 during" in after


def test_a_read_note_leaves_the_row_on_the_next_request(client, make, physio, today):
    patient = make.patient(physio, name="Wrote A Note")
    make.check_in(patient, today - timedelta(days=1), 4, note="Stiff")
    db.session.flush()
    client.login_as(physio)
    assert "1 note" in _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)
    client.get(f"/patients/{patient.id}")
    assert "1 note" not in _row_of(client.get("/dashboard").get_data(as_text=True), patient.id)


def test_statements_are_the_same_whether_the_week_is_kept_or_read(
    client, make, physio, query_counter
):
    for n in range(3):
        _planned_patient(make, physio, name=f"Patient {n}")
    client.login_as(physio)
    caseload_service._KEPT_DUE.clear()
    counts = []
    for _ in range(2):  # the first reads the plans in force, the second finds them kept
        with query_counter() as statements:
            assert client.get("/dashboard").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
