"""The one plan reader: many patients' plans in force over a window, in one statement."""

from datetime import UTC, date, datetime, time, timedelta

from app.domain.schedule import due_units_by_day
from app.services import programmes as svc
from app.services.plans import plans_in_force, schedule_of

START = date(2026, 11, 2)  # a Monday


def test_many_patients_plans_come_in_one_statement(make, physio, query_counter):  # type: ignore[no-untyped-def]
    patients = [make.patient(physio, name=f"Patient {n}") for n in range(3)]
    exercises = [make.exercise("bridge", name="Bridge"), make.exercise("clam", name="Clamshell")]
    for patient in patients[:2]:
        make.programme(patient, exercises, start=START)
    with query_counter() as statements:
        read = plans_in_force([p.id for p in patients], START, START + timedelta(days=6))
    assert len(statements) == 1
    assert set(read) == {patients[0].id, patients[1].id}  # nothing runs for the third
    [programme] = read[patients[0].id]
    [version] = programme.versions
    assert [line.exercise_name for line in version.lines] == ["Bridge", "Clamshell"]
    assert [spec.line_id for spec in version.snapshot.prescriptions] == [1, 2]
    assert due_units_by_day(schedule_of(read[patients[0].id]), START, START) == {START: 2}


def test_versions_before_the_one_in_force_on_the_first_day_are_not_read(make, physio, patient):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, start=START)
    for days, reps in ((3, 12), (5, 14)):
        draft = svc.draft_for(programme)
        draft.set_dose(1, sets=3, reps=reps)
        later = datetime.combine(START + timedelta(days=days), time(12), UTC)
        svc.commit_draft(physio, programme, draft, now=later)
    every = plans_in_force([patient.id], date.min, date.max)[patient.id][0].versions
    assert len(every) == 3
    # From the day after the second change: the first version is no longer in force.
    window = plans_in_force([patient.id], START + timedelta(days=4), START + timedelta(days=6))
    assert [v.id for v in window[patient.id][0].versions] == [every[1].id, every[2].id]
    assert [v.lines[0].reps for v in window[patient.id][0].versions] == [12, 14]


def test_an_archived_programme_is_read_up_to_its_end_then_its_successor(make, physio, patient):  # type: ignore[no-untyped-def]
    old = make.programme(patient, start=START)
    svc.archive_programme(physio, old, end_date=START + timedelta(days=2))
    new = make.programme(
        patient, [make.exercise(), make.exercise()], start=START + timedelta(days=3)
    )
    read = plans_in_force([patient.id], START, START + timedelta(days=4))[patient.id]
    assert [found.columns.id for found in read] == [old.id, new.id]
    due = due_units_by_day(schedule_of(read), START, START + timedelta(days=4))
    assert list(due.values()) == [1, 1, 1, 2, 2]
    assert [
        f.columns.id
        for f in plans_in_force([patient.id], START + timedelta(days=3), START + timedelta(days=9))[
            patient.id
        ]
    ] == [new.id]
