"""The programme pages: tailoring through forms, errors, read-only archives, permissions, CSRF."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.domain.localtime import local_today
from app.extensions import db
from app.models import Programme, ProgrammeStatus, ProgrammeTemplate, ProgrammeVersion, Role
from app.services import programmes as svc


def versions(programme_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ProgrammeVersion.id)).where(
            ProgrammeVersion.programme_id == programme_id
        )
    )


def base(patient, programme) -> str:
    return f"/patients/{patient.id}/programmes/{programme.id}"


# A complete, valid dose as the dose form posts it.
DOSE = {"sets": "3", "reps": "10", "rest_seconds": "60", "side": "both", "times_per_week": "3",
        "times_per_day": "1", "phase": "0"}  # fmt: skip


def change(client, url, programme, **data):
    data.setdefault("version_id", str(programme.current_version_id))
    return client.post_form(url, data)


# --- assign ----------------------------------------------------------------------------------


def test_physio_assigns_a_programme_from_a_template(client, physio, patient, template):
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}/programme/new")
    assert page.status_code == 200 and template.name in page.text
    today = local_today(patient.timezone)
    response = client.post_form(
        f"/patients/{patient.id}/programme/new",
        {"template_id": str(template.id), "start_date": today.isoformat(), "title": ""},
    )
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme).where(Programme.patient_id == patient.id))
    assert programme.title == template.name and versions(programme.id) == 1
    page = client.get(response.headers["Location"])
    assert "Isometric" in page.text and "Move to next phase" in page.text
    assert "Pain &lt;= 3/10 to leave Isometric" in page.text  # the criteria beside the button


def test_reassigning_needs_confirmation_then_archives(client, physio, patient, programme):
    client.login_as(physio)
    url = f"/patients/{patient.id}/programme/new"
    data = {"template_id": "", "start_date": local_today(patient.timezone).isoformat()}
    page = client.get(url)
    assert "will be archived" in page.text
    refused = client.post_form(url, data)
    assert refused.status_code == 422 and "Tick the box" in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1
    done = client.post_form(url, {**data, "confirm_archive": "y"})
    assert done.status_code == 302
    db.session.refresh(programme)
    assert programme.status == ProgrammeStatus.ARCHIVED


def test_a_start_date_more_than_a_year_away_is_refused(client, physio, patient, template):
    client.login_as(physio)
    far = local_today(patient.timezone) + timedelta(days=400)
    response = client.post_form(
        f"/patients/{patient.id}/programme/new",
        {"template_id": str(template.id), "start_date": far.isoformat()},
    )
    assert response.status_code == 422
    assert "within a year" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


# --- tailoring through the pages ----------------------------------------------------------


def test_edit_dose_form_saves_a_new_version(client, physio, patient, programme):
    client.login_as(physio)
    url = f"{base(patient, programme)}/lines/1/dose"
    page = client.get(url)
    assert page.status_code == 200 and 'value="10"' in page.text
    response = change(
        client, url, programme, sets="3", reps="12", rest_seconds="45", side="each",
        days=["0", "3"], times_per_day="2", note="Slowly", reason="Felt easy",
        load_text="red band",
    )  # fmt: skip
    assert response.status_code == 302
    version = svc.load_version(programme.current_version_id)
    line = version.prescriptions[0]
    assert (line.reps, line.side, line.days_of_week, line.times_per_day) == (12, "each", 0b1001, 2)
    assert line.load_text == "red band" and line.note == "Slowly"
    assert version.reason == "Felt easy"
    assert version.summary.startswith("Clamshell: 3 x 10 -> 3 x 12, red band")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sets", "0", "Sets must be between 1 and 10."),
        ("sets", "11", "Sets must be between 1 and 10."),
        ("reps", "101", "Reps must be between 1 and 100."),
        ("reps", "ten", "Not a valid integer value."),
    ],
)
def test_out_of_range_dose_shows_the_message_and_saves_nothing(
    client, physio, patient, programme, field, value, message
):
    client.login_as(physio)
    data = {"sets": "3", "reps": "10", "rest_seconds": "60", "side": "both",
            "times_per_week": "3", "times_per_day": "1"}  # fmt: skip
    data[field] = value
    response = change(client, f"{base(patient, programme)}/lines/1/dose", programme, **data)
    assert response.status_code == 422
    assert message in response.text
    assert versions(programme.id) == 1


def test_hold_over_600_seconds_is_refused(client, physio, patient, programme):
    client.login_as(physio)
    response = change(
        client, f"{base(patient, programme)}/lines/1/dose", programme, sets="3",
        hold_seconds="601", rest_seconds="60", side="both", times_per_week="3", times_per_day="1",
    )  # fmt: skip
    assert response.status_code == 422
    assert "Hold time must be between 1 and 600 seconds." in response.text
    assert versions(programme.id) == 1


def test_phase_move_reorder_remove_and_add_each_make_one_version(
    client, physio, patient, programme, exercises
):
    client.login_as(physio)
    url = base(patient, programme)
    steps = [
        (f"{url}/phase", {"direction": "next", "reason": "Pain settled"}, "phase"),
        (f"{url}/phase", {"direction": "previous"}, "phase"),
        (f"{url}/lines/2/move", {"direction": "up"}, "reorder"),
        (f"{url}/lines/1/remove", {}, "remove"),
        (f"{url}/lines/new", {**DOSE, "exercise_id": str(exercises["banded"].id)}, "add"),
        (f"{url}/lines/2/swap", {"exercise_id": str(exercises["clam"].id)}, "swap"),
    ]
    for number, (step_url, data, kind) in enumerate(steps, start=2):
        response = change(client, step_url, programme, **data)
        assert response.status_code == 302, step_url
        db.session.refresh(programme)
        version = svc.load_version(programme.current_version_id)
        assert (version.number, version.change_kind) == (number, kind)
    assert svc.version_history(programme.id)[-2].reason == "Pain settled"
    current = svc.load_version(programme.current_version_id)
    assert [
        (p.line_id, p.exercise.name) for p in current.prescriptions if p.phase_position == 0
    ] == [
        (2, "Clamshell"),
        (4, "Banded clamshell"),
    ]


def test_swap_page_offers_the_chain_first(client, physio, patient, programme):
    client.login_as(physio)
    page = client.get(f"{base(patient, programme)}/lines/1/swap")
    assert "Harder (progressions)" in page.text and "Banded clamshell" in page.text


def test_thresholds_form(client, physio, patient, programme):
    client.login_as(physio)
    url = f"{base(patient, programme)}/thresholds"
    assert client.get(url).status_code == 200
    bad = change(client, url, programme, green_max_during="6", amber_max_during="5",
                 amber_morning_rise="1", red_morning_rise="2", mcid="2", walk_run_max_pain="2",
                 affected_side="right")  # fmt: skip
    assert bad.status_code == 422 and "green limit" in bad.text
    assert versions(programme.id) == 1
    good = change(client, url, programme, green_max_during="2", amber_max_during="5",
                  amber_morning_rise="1", red_morning_rise="2", mcid="2", walk_run_max_pain="2",
                  affected_side="right")  # fmt: skip
    assert good.status_code == 302
    assert (
        svc.load_version(programme.current_version_id).summary == "Pain thresholds: green up to 2"
    )


def test_another_clinics_exercise_cannot_be_added(client, make, physio, patient, programme):
    other = make.clinic("Elsewhere")
    theirs = make.exercise("their-move", name="Their move", clinic_id=other.id)
    client.login_as(physio)
    response = change(
        client, f"{base(patient, programme)}/lines/new", programme, exercise_id=str(theirs.id)
    )
    assert response.status_code == 422
    assert "not available to your clinic" in response.text
    assert "Their move" not in client.get(f"{base(patient, programme)}/lines/new?q=their").text
    assert versions(programme.id) == 1


def test_a_stale_page_is_refused(client, physio, patient, programme):
    client.login_as(physio)
    stale = str(programme.current_version_id)
    change(client, f"{base(patient, programme)}/phase", programme, direction="next")
    response = client.post_form(
        f"{base(patient, programme)}/phase", {"direction": "previous", "version_id": stale}
    )
    assert "changed by someone else" in client.get(response.headers["Location"]).text
    assert versions(programme.id) == 2


def test_an_archived_programme_is_read_only(client, physio, patient, programme):
    client.login_as(physio)
    old_version = str(programme.current_version_id)
    svc.assign_programme(physio, patient, None, local_today(patient.timezone))
    db.session.flush()
    page = client.get(base(patient, programme))
    assert "archived" in page.text and "Edit dose" not in page.text
    response = client.post_form(
        f"{base(patient, programme)}/phase", {"direction": "next", "version_id": old_version}
    )
    assert response.status_code == 302
    assert "archived and can no longer be changed" in client.get(response.headers["Location"]).text
    assert versions(programme.id) == 1
    listing = client.get(f"/patients/{patient.id}/programmes")
    assert "Archived" in listing.text


def test_history_and_plan_on_date(client, physio, patient, programme):
    client.login_as(physio)
    change(client, f"{base(patient, programme)}/phase", programme, direction="next",
           reason="Ready")  # fmt: skip
    history = client.get(f"{base(patient, programme)}/history")
    assert "Moved to phase 2: Isotonic" in history.text and "Ready" in history.text
    assert physio.name in history.text
    day = programme.start_date.isoformat()
    past = client.get(f"{base(patient, programme)}/plan?date={day}")
    assert past.status_code == 200 and "Version 1" in past.text and "Clamshell" in past.text
    before = client.get(f"{base(patient, programme)}/plan?date=2000-01-01")
    assert "had not started" in before.text
    assert client.get(f"{base(patient, programme)}/plan?date=nonsense").status_code == 422


def test_patient_page_links_the_programme(client, physio, patient, programme):
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}")
    assert programme.title in page.text
    assert f"/patients/{patient.id}/programmes/{programme.id}" in page.text


# --- the patient's plan and the handout ---------------------------------------------------


def test_patient_plan_shows_exercises_and_guidance_with_custom_thresholds(
    client, physio, patient, programme
):
    draft = svc.draft_for(programme)
    draft.set_thresholds(green_max_during=2, amber_max_during=4, red_morning_rise=3)
    draft.set_dose(2, note="Squeeze your buttocks")
    svc.commit_draft(physio, programme, draft)
    db.session.flush()
    client.login_as(patient.user)
    page = client.get("/plan")
    assert page.status_code == 200
    assert "Bridge" in page.text and "Lift your hips." in page.text
    assert "Squeeze your buttocks" in page.text and "3 sets of 10" in page.text
    assert "Pain up to 2/10 during the exercises is fine" in page.text
    assert "Pain of 3-4/10" in page.text
    assert "Pain above 4/10" in page.text and "3 or more points above your usual" in page.text
    assert "your physio will be told" in page.text
    assert "Banded clamshell" not in page.text  # phase 2 is not shown yet


def test_patient_plan_empty_state(client, patient):
    client.login_as(patient.user)
    page = client.get("/plan")
    assert page.status_code == 200 and "don't have a plan yet" in page.text


@pytest.mark.parametrize("who", ["physio", "patient"])
def test_handout_shows_fourteen_dates_and_due_marks(client, physio, patient, programme, who):
    client.login_as(physio if who == "physio" else patient.user)
    url = f"/patients/{patient.id}/programme/handout" if who == "physio" else "/plan/handout"
    page = client.get(url)
    assert page.status_code == 200
    today = local_today(patient.timezone)
    days = [today + timedelta(days=n) for n in range(14)]
    for day in days:
        assert f"{day.day}/{day.month}</th>" in page.text
    assert (
        f"{(today + timedelta(days=14)).day}/{(today + timedelta(days=14)).month}</th>"
        not in page.text
    )
    # Two lines due Mon, Wed, Fri: two due cells a day on six of the fourteen days.
    due_days = sum(1 for day in days if day.weekday() in (0, 2, 4))
    assert page.text.count('class="tick-due"') == 2 * due_days
    assert page.text.count('class="tick-rest"') == 2 * (14 - due_days)
    assert "js/print.js" in page.text and "<script>" not in page.text


# --- permissions and CSRF -----------------------------------------------------------------


GET_PAGES = [
    "/patients/{p}/programme",
    "/patients/{p}/programmes",
    "/patients/{p}/programme/new",
    "/patients/{p}/programmes/{g}",
    "/patients/{p}/programmes/{g}/lines/new",
    "/patients/{p}/programmes/{g}/lines/1/dose",
    "/patients/{p}/programmes/{g}/lines/1/swap",
    "/patients/{p}/programmes/{g}/lines/1/remove",
    "/patients/{p}/programmes/{g}/thresholds",
    "/patients/{p}/programmes/{g}/history",
    "/patients/{p}/programmes/{g}/plan",
    "/patients/{p}/programme/handout",
]
POSTS = [
    ("/patients/{p}/programme/new", {"template_id": "", "start_date": "2026-11-02"}),
    ("/patients/{p}/programmes/{g}/phase", {"direction": "next"}),
    ("/patients/{p}/programmes/{g}/lines/1/move", {"direction": "down"}),
    ("/patients/{p}/programmes/{g}/lines/1/remove", {}),
    ("/patients/{p}/programmes/{g}/lines/new", {"exercise_id": "1"}),
    ("/patients/{p}/programmes/{g}/lines/1/swap", {"exercise_id": "1"}),
    ("/patients/{p}/programmes/{g}/lines/1/dose", {"sets": "2", "reps": "5"}),
    ("/patients/{p}/programmes/{g}/thresholds", {"green_max_during": "1"}),
]


@pytest.fixture
def people(make, clinic, physio, admin):
    other_clinic = make.clinic("Other clinic")
    return {
        "own physio": physio,
        "clinic admin": admin,
        "other physio": make.staff(clinic, Role.PHYSIO),
        "other clinic admin": make.staff(other_clinic, Role.ADMIN),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("own physio", 200),
        ("clinic admin", 200),
        ("other physio", 404),
        ("other clinic admin", 404),
    ],
)
def test_staff_see_only_their_patients_programmes(client, people, patient, programme, who, status):
    client.login_as(people[who])
    for page in GET_PAGES:
        response = client.get(page.format(p=patient.id, g=programme.id))
        expected = 302 if status == 200 and page == "/patients/{p}/programme" else status
        assert response.status_code == expected, page


@pytest.mark.parametrize("who", ["other physio", "other clinic admin"])
def test_staff_cannot_change_other_physios_programmes(client, people, patient, programme, who):
    client.login_as(people[who])
    for url, data in POSTS:
        data = {**data, "version_id": str(programme.current_version_id)}
        response = client.post_form(url.format(p=patient.id, g=programme.id), data)
        assert response.status_code == 404, url
    assert versions(programme.id) == 1
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1


def test_clinic_admin_can_change_the_programme(client, admin, patient, programme):
    client.login_as(admin)
    response = change(client, f"{base(patient, programme)}/phase", programme, direction="next")
    assert response.status_code == 302 and versions(programme.id) == 2


def test_patient_cannot_use_staff_routes(client, patient, programme):
    client.login_as(patient.user)
    for page in GET_PAGES:
        assert client.get(page.format(p=patient.id, g=programme.id)).status_code == 403, page
    for url, data in POSTS:
        data = {**data, "version_id": str(programme.current_version_id)}
        assert client.post_form(url.format(p=patient.id, g=programme.id), data).status_code == 403
    assert client.get("/templates").status_code == 403
    assert versions(programme.id) == 1


def test_staff_cannot_open_the_patient_plan(client, physio):
    client.login_as(physio)
    assert client.get("/plan").status_code == 403
    assert client.get("/plan/handout").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, patient, programme):
    for page in [*GET_PAGES, "/plan", "/plan/handout", "/templates"]:
        response = client.get(page.format(p=patient.id, g=programme.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


def test_posts_without_csrf_are_refused(client, physio, patient, programme):
    client.login_as(physio)
    for url, data in POSTS:
        data = {**data, "version_id": str(programme.current_version_id)}
        response = client.post(url.format(p=patient.id, g=programme.id), data=data)
        assert response.status_code == 400, url
    assert versions(programme.id) == 1


# --- templates UI -----------------------------------------------------------------------


def test_physio_builds_a_clinic_template_phase_by_phase(client, physio, exercises):
    client.login_as(physio)
    response = client.post_form(
        "/templates/new", {"name": "Runner's hip", "condition": "fai", "description": "For runners"}
    )
    assert response.status_code == 302
    template = db.session.scalar(
        sa.select(ProgrammeTemplate).where(ProgrammeTemplate.name == "Runner's hip")
    )
    assert template.clinic_id == physio.clinic_id
    response = client.post_form(
        f"/templates/{template.id}/phases/new",
        {"name": "Strength", "goal": "Build", "typical_weeks": "3", "criteria": "Pain <= 3/10"},
    )
    assert response.status_code == 302
    phase_url = response.headers["Location"]
    assert client.get(phase_url).status_code == 200
    added = client.post_form(
        f"{phase_url}/lines",
        {"exercise_id": str(exercises["bridge"].id), "sets": "3", "reps": "10", "side": "both",
         "rest_seconds": "60", "times_per_week": "3", "times_per_day": "1"},
    )  # fmt: skip
    assert added.status_code == 302
    db.session.refresh(template)
    assert [p.exercise.name for p in template.phases[0].prescriptions] == ["Bridge"]
    detail = client.get(f"/templates/{template.id}")
    assert (
        "Strength" in detail.text and "Bridge" in detail.text and "Pain &lt;= 3/10" in detail.text
    )


def test_adding_to_a_template_phase_starts_from_the_exercises_library_dose(client, make, physio):
    plank = make.exercise(
        "side-plank", sets=4, reps=None, hold_seconds=30, rest_seconds=45, side="each",
        times_per_week=5,
    )  # fmt: skip
    template = make.template([("Only", [])], clinic_id=physio.clinic_id)
    phase = template.phases[0]
    client.login_as(physio)
    chooser = client.get(f"/templates/{template.id}/phases/{phase.id}")
    assert f'<option value="{plank.id}">Side plank</option>' in chooser.text
    page = client.get(
        f"/templates/{template.id}/phases/{phase.id}/lines/new?exercise_id={plank.id}"
    )
    assert page.status_code == 200 and "Add Side plank to Only" in page.text
    filled = dict(re.findall(r'<input[^>]* name="(\w+)"[^>]* value="([^"]*)"', page.text))
    expected = {"sets": "4", "reps": "", "hold_seconds": "30", "rest_seconds": "45",
                "times_per_week": "5", "exercise_id": str(plank.id)}  # fmt: skip
    assert {name: filled.get(name) for name in expected} == expected
    assert '<option selected value="each">' in page.text


@pytest.mark.parametrize("exercise_id", ["999999", "", "x"])
def test_choosing_no_or_an_unknown_exercise_for_a_template_goes_back_with_a_message(
    client, make, physio, exercise_id
):
    template = make.template([("Only", [])], clinic_id=physio.clinic_id)
    phase_url = f"/templates/{template.id}/phases/{template.phases[0].id}"
    client.login_as(physio)
    response = client.get(f"{phase_url}/lines/new?exercise_id={exercise_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(phase_url)
    assert "Choose an exercise available to your clinic." in client.get(phase_url).text


@pytest.mark.parametrize("kind", ["unknown", "other clinic", "archived"])
def test_template_editor_refuses_unknown_or_invisible_exercises(client, make, physio, kind):
    other = make.clinic("Other")
    exercise_id = {
        "unknown": 999999,
        "other clinic": make.exercise("theirs", clinic_id=other.id).id,
        "archived": make.exercise("old", archived=True).id,
    }[kind]
    template = make.template([("Only", [])], clinic_id=physio.clinic_id)
    phase = template.phases[0]
    client.login_as(physio)
    response = client.post_form(
        f"/templates/{template.id}/phases/{phase.id}/lines",
        {"exercise_id": str(exercise_id), "sets": "3", "reps": "10", "side": "both",
         "rest_seconds": "60", "times_per_week": "3", "times_per_day": "1"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Choose an exercise available to your clinic." in response.text
    db.session.refresh(phase)
    assert phase.prescriptions == []


def test_template_editor_refuses_out_of_range_doses(client, make, physio, exercises):
    template = make.template([("Only", [])], clinic_id=physio.clinic_id)
    client.login_as(physio)
    response = client.post_form(
        f"/templates/{template.id}/phases/{template.phases[0].id}/lines",
        {"exercise_id": str(exercises["bridge"].id), "sets": "11", "reps": "10", "side": "both",
         "rest_seconds": "60", "times_per_week": "3", "times_per_day": "1"},
    )  # fmt: skip
    assert response.status_code == 422 and "Sets must be between 1 and 10." in response.text
    assert "Add Bridge to Only" in response.text  # the dose page again, with what was typed
    db.session.refresh(template)
    assert template.phases[0].prescriptions == []


def test_library_templates_are_read_only_but_can_be_copied(client, physio, template):
    client.login_as(physio)
    page = client.get(f"/templates/{template.id}")
    assert page.status_code == 200 and "read-only" in page.text
    assert client.get(f"/templates/{template.id}/edit").status_code == 403
    response = client.post_form(f"/templates/{template.id}/copy")
    assert response.status_code == 302
    copy = db.session.scalar(
        sa.select(ProgrammeTemplate).where(ProgrammeTemplate.clinic_id == physio.clinic_id)
    )
    assert copy.name == f"{template.name} (copy)"
    assert [len(p.prescriptions) for p in copy.phases] == [2, 1]
    assert client.get(f"/templates/{copy.id}/edit").status_code == 200
    listing = client.get("/templates")
    assert template.name in listing.text and copy.name in listing.text


def test_other_clinics_templates_are_invisible(client, make, physio, exercises):
    other = make.clinic("Other")
    theirs = make.template([("Only", [exercises["clam"]])], clinic_id=other.id, name="Secret plan")
    client.login_as(physio)
    assert client.get(f"/templates/{theirs.id}").status_code == 404
    assert "Secret plan" not in client.get("/templates").text
    assert client.post_form(f"/templates/{theirs.id}/copy").status_code == 404


def test_assigning_a_clinic_template_from_the_page(client, make, physio, patient, exercises):
    mine = make.template([("Only", [exercises["clam"]])], clinic_id=physio.clinic_id, name="Ours")
    client.login_as(physio)
    response = client.post_form(
        f"/patients/{patient.id}/programme/new",
        {"template_id": str(mine.id), "start_date": date.today().isoformat(), "title": "Custom"},
    )
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme).where(Programme.patient_id == patient.id))
    assert programme.title == "Custom" and programme.template_id == mine.id


@pytest.mark.parametrize("page", ["show", "plan", "handout", "history"])
def test_page_query_counts_do_not_grow_with_the_plan(
    client, make, physio, patient, query_counter, page
):
    def build(count: int):
        exercises = [make.exercise() for _ in range(count)]
        template = make.template([("One", exercises), ("Two", exercises[:2])])
        programme = svc.assign_programme(physio, patient, template, local_today(patient.timezone))
        for line_id in range(1, 4):
            draft = svc.draft_for(programme)
            draft.set_dose(line_id, sets=line_id + 3)
            svc.commit_draft(physio, programme, draft)
        db.session.flush()
        return programme

    def statements(programme) -> int:
        if page == "plan":
            client.login_as(patient.user)
            url = "/plan"
        else:
            client.login_as(physio)
            url = {
                "show": base(patient, programme),
                "handout": f"/patients/{patient.id}/programme/handout",
                "history": f"{base(patient, programme)}/history",
            }[page]
        with query_counter() as executed:
            assert client.get(url).status_code == 200
        return len(executed)

    small = statements(build(3))
    large = statements(build(12))
    assert large == small
