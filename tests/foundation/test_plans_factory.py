"""The programme factory and plan snapshots agree with the schedule rules."""

from datetime import date

from app.domain.schedule import due_on
from app.services.plans import active_programme, plans_in_force


def test_plan_snapshots_read_the_programme_versions(db, make, patient):
    programme = make.programme(patient, [make.exercise("bridge"), make.exercise("clamshell")])
    [read] = plans_in_force([patient.id], date.min, date.max)[patient.id]
    snapshots = read.plan.versions
    assert [len(s.prescriptions) for s in snapshots] == [2]
    assert active_programme(patient.id).id == programme.id
    due = due_on(programme.start_date, snapshots, date(2026, 11, 3))
    assert [item.line_id for item in due] == [1, 2]
    assert due_on(programme.start_date, snapshots, date(2026, 11, 1)) == []
