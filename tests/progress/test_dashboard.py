"""The caseload dashboard: patients by need, filters, scope and a flat query count."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Role
from app.services.caseload import caseload


def with_plan(make, patient, today, days_back=30):  # type: ignore[no-untyped-def]
    return make.programme(patient, [make.exercise()], start=today - timedelta(days=days_back))


def arrange(kind, make, physio, today, name):  # type: ignore[no-untyped-def]
    """Make a patient in one need category, logging fully every day unless told otherwise."""
    patient = make.patient(physio, name=name)
    plan = with_plan(make, patient, today)
    monday = today - timedelta(days=today.weekday())
    first = min(monday, today - timedelta(days=7))
    if kind == "red":
        make.days(patient, first, today - timedelta(days=1))
        make.days(patient, today, today, during=7, zone="red")
    elif kind == "flag":  # an unresolved red flag from last week
        make.days(patient, first, today)
        make.flag(patient, first)
    elif kind == "suggestion":
        make.days(patient, first, today)
        make.suggestion(patient, plan)
    elif kind == "silent":
        # Last logged 4 days ago, and the morning after it not answered (an answer given 3
        # days ago would be logging then: adherence.last_active_day).
        make.days(patient, today - timedelta(days=20), today - timedelta(days=5))
        make.days(patient, today - timedelta(days=4), today - timedelta(days=4), morning=None)
    elif kind == "low_adherence":
        make.days(patient, first, today - timedelta(days=1), done=0, logged=True)
        make.days(patient, today, today)  # logged today, but the week is mostly missed
    else:
        make.days(patient, first, today)
    db.session.flush()
    return patient


CASES = [
    # (kind, name, expected need, expected reasons)
    ("fine", "Ann Fine", "fine", []),
    ("low_adherence", "Bob Low", "low_adherence", ["low_adherence"]),
    ("silent", "Cat Silent", "silent", ["silent", "low_adherence"]),  # nothing this week
    ("suggestion", "Dan Suggest", "suggestion", ["suggestion"]),
    ("red", "Eve Red", "red", ["red"]),
    ("flag", "Fay Flag", "red", ["red"]),
]


WEDNESDAY_NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)  # the week so far: Mon, Tue, today


def test_patients_are_sorted_by_need(make, physio):
    today = WEDNESDAY_NOON.date()
    for kind, name, *_ in CASES:
        arrange(kind, make, physio, today, name)
    rows = caseload(physio, now=WEDNESDAY_NOON)
    assert [r.name for r in rows] == [
        "Eve Red",
        "Fay Flag",
        "Dan Suggest",
        "Cat Silent",
        "Bob Low",
        "Ann Fine",
    ]
    by_name = {r.name: r for r in rows}
    for _kind, name, need, reasons in CASES:
        assert by_name[name].need == need, name
        assert [n.value for n in by_name[name].needs] == reasons, name


def test_rows_carry_last_activity_adherence_and_latest_pain(make, physio, today):
    patient = arrange("red", make, physio, today, "Eve Red")
    [row] = caseload(physio)
    assert row.patient_id == patient.id
    assert row.last_activity == today
    assert row.adherence_percent == 100
    assert (row.latest_during, row.latest_zone, row.latest_pain_day) == (7, "red", today)


def test_unlogged_past_days_count_what_the_plan_had_due_and_today_only_what_is_done(make, physio):
    monday, tuesday, today = (WEDNESDAY_NOON.date() - timedelta(days=n) for n in (2, 1, 0))
    exercise = make.exercise()

    def patient_with_new_plan_on_tuesday(name):  # type: ignore[no-untyped-def]
        patient = make.patient(physio, name=name)
        programme = make.programme(patient, [exercise], start=monday - timedelta(days=21))
        # Version 2 from Tuesday: the line on each side (2 ticks a day), and a next-phase
        # line that is not due yet.
        lines = [
            {"phase_position": phase, "exercise_id": exercise.id, "side": side}
            for phase, side in ((0, "each"), (1, "both"))
        ]
        make.version(
            programme, tuesday, lines, current=False, change_kind="edited", summary="Each side"
        )
        return patient

    half_today = patient_with_new_plan_on_tuesday("Half Today")
    patient_with_new_plan_on_tuesday("Nothing Yet")
    later = make.patient(physio, name="Starts Tomorrow")
    make.programme(later, [exercise], start=today + timedelta(days=1))
    db.session.flush()
    make.days(half_today, today, today, due=2, done=1)

    rows = {r.name: r for r in caseload(physio, now=WEDNESDAY_NOON)}
    # Monday 1 due (version 1), Tuesday 2 (version 2, this phase only), today 1 done of 2.
    assert (rows["Half Today"].week_done, rows["Half Today"].week_due) == (1, 4)
    assert rows["Half Today"].adherence_percent == 25
    # Nothing logged today: today's units are not missed yet.
    assert (rows["Nothing Yet"].week_done, rows["Nothing Yet"].week_due) == (0, 3)
    assert [n.value for n in rows["Nothing Yet"].needs] == ["silent", "low_adherence"]
    # A programme whose first version is not in force yet is not a programme yet.
    assert not rows["Starts Tomorrow"].has_programme
    assert rows["Starts Tomorrow"].week_due == 0 and rows["Starts Tomorrow"].needs == []


def test_a_morning_answer_given_3_days_ago_is_not_silence(make, physio):
    today = WEDNESDAY_NOON.date()
    patient = make.patient(physio, name="Morning Only")
    with_plan(make, patient, today)
    # The morning about 4 days ago was given 3 days ago: not yet 3 days of nothing logged.
    make.days(patient, today - timedelta(days=20), today - timedelta(days=4))
    db.session.flush()
    [row] = caseload(physio, now=WEDNESDAY_NOON)
    assert row.last_activity == today - timedelta(days=4)
    assert row.last_active == today - timedelta(days=3)
    assert "silent" not in [n.value for n in row.needs]


def test_filters_by_need_and_name(client, make, physio, today):
    arrange("red", make, physio, today, "Eve Red")
    arrange("silent", make, physio, today, "Cat Silent")
    arrange("fine", make, physio, today, "Ann Fine")
    assert [r.name for r in caseload(physio, need="silent")] == ["Cat Silent"]
    assert [r.name for r in caseload(physio, need="fine")] == ["Ann Fine"]
    assert [r.name for r in caseload(physio, search="eve")] == ["Eve Red"]
    client.login_as(physio)
    page = client.get("/dashboard?need=red&q=Eve").get_data(as_text=True)
    assert "Eve Red" in page and "Cat Silent" not in page
    assert 'class="zone zone-red"' in page and "Red pain or worse next morning" in page


def test_physio_sees_only_their_patients_and_the_admin_the_clinic(
    client, make, clinic, physio, admin, today
):
    arrange("fine", make, physio, today, "Mine")
    colleague = make.staff(clinic, Role.PHYSIO)
    arrange("fine", make, colleague, today, "Theirs")
    elsewhere = make.staff(make.clinic("Other clinic"), Role.ADMIN)
    assert [r.name for r in caseload(physio)] == ["Mine"]
    assert [r.name for r in caseload(admin)] == ["Mine", "Theirs"]
    assert caseload(elsewhere) == []


def test_staff_land_on_the_dashboard_and_patients_are_refused(client, physio, patient):
    client.login_as(physio)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert "Dashboard" in client.get("/dashboard").get_data(as_text=True)
    client.login_as(patient.user)
    assert client.get("/dashboard").status_code == 403


def test_query_count_does_not_grow_with_patients(client, make, physio, today, query_counter):
    kinds = [kind for kind, *_ in CASES]

    def count_for(total: int) -> int:
        existing = len(caseload(physio))
        for n in range(existing, total):
            arrange(kinds[n % len(kinds)], make, physio, today, f"Patient {n:03}")
        client.login_as(physio)
        with query_counter() as statements:
            response = client.get("/dashboard")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("caseload-row") == total
        return len(statements)

    five, fifty = count_for(5), count_for(50)
    assert five == fifty
    assert fifty <= 8
