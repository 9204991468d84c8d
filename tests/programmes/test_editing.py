"""Tailoring in depth: adding with a dose, editing any phase, and the clinic template editor."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, TemplatePhase, TemplatePrescription
from app.services import programmes as svc
from tests.programmes.test_routes import DOSE, base, change, versions


def value_of(html: str, name: str) -> str:
    """Return the value of the input with this id."""
    found = re.search(rf'<input[^>]* id="{name}"[^>]* value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def current_lines(programme) -> dict[int, object]:
    version = svc.load_version(programme.current_version_id)
    return {p.line_id: p for p in version.prescriptions}


# --- adding an exercise with its dose ---------------------------------------------------------


@pytest.fixture
def held(make):
    """An exercise whose library default dose differs from the usual 3 x 10."""
    return make.exercise(
        "wall-sit", name="Wall sit", sets=4, reps=None, hold_seconds=45, rest_seconds=90,
        side="each", times_per_week=5, times_per_day=2,
    )  # fmt: skip


def test_search_results_lead_to_the_dose_form(client, physio, patient, programme, held):
    client.login_as(physio)
    page = client.get(f"{base(patient, programme)}/lines/new?q=wall")
    assert "Wall sit" in page.text
    assert f"lines/new?exercise_id={held.id}" in page.text


def test_add_form_is_prefilled_with_the_exercises_default_dose(
    client, physio, patient, programme, held
):
    client.login_as(physio)
    page = client.get(f"{base(patient, programme)}/lines/new?exercise_id={held.id}")
    assert page.status_code == 200 and "Add Wall sit" in page.text
    for name, value in [("sets", 4), ("hold_seconds", 45), ("rest_seconds", 90),
                        ("times_per_week", 5), ("times_per_day", 2)]:  # fmt: skip
        assert value_of(page.text, name) == str(value), name
    assert value_of(page.text, "reps") == ""
    assert '<option selected value="each">' in page.text
    assert '<option selected value="0">Phase 1: Isometric (current)</option>' in page.text
    assert versions(programme.id) == 1


def test_physio_adds_an_exercise_with_its_own_dose(client, physio, patient, programme, held):
    client.login_as(physio)
    response = change(
        client, f"{base(patient, programme)}/lines/new", programme, exercise_id=str(held.id),
        phase="0", sets="2", hold_seconds="30", rest_seconds="60", side="left", days=["0", "2"],
        times_per_day="1", load_kg="5", tempo="3-1-3", note="Back flat", reason="Add isometric",
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(programme)
    version = svc.load_version(programme.current_version_id)
    line = current_lines(programme)[4]
    assert (line.exercise_id, line.phase_position, line.sets, line.hold_seconds, line.reps) == (
        held.id, 0, 2, 30, None,
    )  # fmt: skip
    assert (line.side, line.days_of_week, line.times_per_week, line.load_kg) == ("left", 5, None, 5)
    assert (line.tempo, line.note) == ("3-1-3", "Back flat")
    assert (version.change_kind, version.summary, version.reason) == (
        "add", "Added Wall sit", "Add isometric",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sets": "11"}, "sets", "Sets must be between 1 and 10."),
        ({"reps": "", "hold_seconds": "601"}, "hold_seconds", "Hold time must be between 1 and"),
        ({"days": ["1"]}, "times_per_week", "Tick days or give times per week, not both."),
        (
            {"load_kg": "5", "load_text": "red band"},
            "load_text",
            "Give the load in kg or as text, not both.",
        ),
        ({"phase": "7"}, "phase", "Not a valid choice"),
    ],
)
def test_a_bad_dose_on_add_is_shown_by_the_field_and_nothing_is_saved(
    client, physio, patient, programme, exercises, changes, field, message
):
    client.login_as(physio)
    data = {**DOSE, "exercise_id": str(exercises["bridge"].id), **changes}
    response = change(client, f"{base(patient, programme)}/lines/new", programme, **data)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.text
    assert versions(programme.id) == 1


def test_an_exercise_goes_into_the_phase_chosen(client, physio, patient, programme, held):
    client.login_as(physio)
    page = client.get(f"{base(patient, programme)}/lines/new?exercise_id={held.id}&phase=1")
    assert '<option selected value="1">Phase 2: Isotonic</option>' in page.text
    response = change(
        client, f"{base(patient, programme)}/lines/new", programme,
        **{**DOSE, "exercise_id": str(held.id), "phase": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(programme)
    assert current_lines(programme)[4].phase_position == 1
    version = svc.load_version(programme.current_version_id)
    assert version.summary == "Added Wall sit to Phase 2: Isotonic" and version.phase_position == 0


def test_an_unknown_exercise_id_on_the_dose_form_is_refused(client, physio, patient, programme):
    client.login_as(physio)
    page = client.get(f"{base(patient, programme)}/lines/new?exercise_id=999999")
    assert page.status_code == 422 and "not available to your clinic" in page.text


# --- lines in other phases ---------------------------------------------------------------------


def test_the_page_marks_the_current_phase_and_offers_edits_in_every_phase(
    client, physio, patient, programme
):
    client.login_as(physio)
    page = client.get(base(patient, programme)).text
    assert "Current phase</span> Phase 1: Isometric" in page
    assert 'aria-current="step"' in page
    assert 'Phase 2: Isotonic</span> <span class="muted">· later phase · 1 exercise' in page
    url = base(patient, programme)
    for action in ("dose", "swap", "remove"):
        assert f'href="{url}/lines/3/{action}"' in page, action
    assert f'href="{url}/lines/new?phase=1"' in page


def test_lines_of_a_later_phase_can_be_edited_swapped_moved_and_removed(
    client, physio, patient, programme, exercises, held
):
    client.login_as(physio)
    url = base(patient, programme)
    dose = change(client, f"{url}/lines/3/dose", programme, **{**DOSE, "reps": "15"})
    assert dose.status_code == 302
    db.session.refresh(programme)
    assert current_lines(programme)[3].reps == 15
    assert "Dose of Banded clamshell" in client.get(f"{url}/lines/3/dose").text
    assert "In Phase 2: Isotonic" in client.get(f"{url}/lines/3/dose").text
    added = change(
        client, f"{url}/lines/new", programme, **{**DOSE, "exercise_id": str(held.id), "phase": "1"}
    )
    assert added.status_code == 302
    db.session.refresh(programme)
    moved = change(client, f"{url}/lines/4/move", programme, direction="up")
    assert moved.status_code == 302
    db.session.refresh(programme)
    phase_two = [p.line_id for p in svc.load_version(programme.current_version_id).prescriptions
                 if p.phase_position == 1]  # fmt: skip
    assert phase_two == [4, 3]
    swapped = change(
        client, f"{url}/lines/3/swap", programme, exercise_id=str(exercises["clam"].id)
    )
    assert swapped.status_code == 302
    db.session.refresh(programme)
    assert current_lines(programme)[3].exercise_id == exercises["clam"].id
    removed = change(client, f"{url}/lines/4/remove", programme)
    assert removed.status_code == 302
    db.session.refresh(programme)
    assert sorted(current_lines(programme)) == [1, 2, 3]
    assert versions(programme.id) == 6
    assert svc.load_version(programme.current_version_id).phase_position == 0


def test_an_archived_programme_offers_no_edits_in_any_phase(client, physio, patient, programme):
    client.login_as(physio)
    svc.archive_programme(physio, programme, programme.start_date)
    db.session.flush()
    page = client.get(base(patient, programme)).text
    assert "Edit dose" not in page and "Add exercise" not in page and "Isotonic" in page


# --- the template editor -------------------------------------------------------------------------


@pytest.fixture
def clinic_template(make, physio, exercises):
    return make.template(
        [
            ("Isometric", [exercises["clam"], exercises["bridge"]]),
            ("Isotonic", [exercises["banded"]]),
            ("Return", []),
        ],
        clinic_id=physio.clinic_id,
        name="Ours",
    )


def names_in(phase: TemplatePhase) -> list[str]:
    db.session.refresh(phase)
    return [item.exercise.name for item in phase.prescriptions]


def phase_names(template) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TemplatePhase.name)
            .where(TemplatePhase.template_id == template.id)
            .order_by(TemplatePhase.position)
        )
    )


def test_template_line_dose_form_is_prefilled_and_saves(client, physio, clinic_template):
    item = clinic_template.phases[0].prescriptions[1]
    url = f"/templates/{clinic_template.id}/lines/{item.id}/dose"
    client.login_as(physio)
    page = client.get(url)
    assert page.status_code == 200 and "Dose of Bridge" in page.text
    assert value_of(page.text, "sets") == "3" and value_of(page.text, "times_per_week") == "3"
    response = client.post_form(
        url, {**DOSE, "reps": "", "duration_seconds": "40", "load_text": "red band",
              "tempo": "2-0-2", "days": ["0", "4"], "times_per_week": "", "note": "Slowly"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.reps, item.duration_seconds, item.load_text, item.tempo) == (
        None, 40, "red band", "2-0-2",
    )  # fmt: skip
    assert (item.days_of_week, item.times_per_week, item.note) == (0b10001, None, "Slowly")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sets": "0"}, "sets", "Sets must be between 1 and 10."),
        ({"reps": "101"}, "reps", "Reps must be between 1 and 100."),
        ({"times_per_week": "", "days": []}, "days", "Choose the days of the week or a number"),
        ({"tempo": "x" * 21}, "tempo", "Field cannot be longer than 20 characters."),
    ],
)
def test_a_bad_template_dose_is_shown_by_the_field_and_nothing_is_saved(
    client, physio, clinic_template, changes, field, message
):
    item = clinic_template.phases[0].prescriptions[0]
    client.login_as(physio)
    response = client.post_form(
        f"/templates/{clinic_template.id}/lines/{item.id}/dose", {**DOSE, **changes}
    )
    assert response.status_code == 422 and message in response.text
    assert f'id="{field}-error"' in response.text or (
        field == "days" and '<p class="error">' + message in response.text
    )
    db.session.refresh(item)
    assert (item.sets, item.reps, item.tempo, item.times_per_week) == (3, 10, None, 3)


def test_template_lines_move_up_and_down_within_their_phase(client, physio, clinic_template):
    phase = clinic_template.phases[0]
    bridge = phase.prescriptions[1]
    client.login_as(physio)
    url = f"/templates/{clinic_template.id}/lines/{bridge.id}/move"
    assert client.post_form(url, {"direction": "up"}).status_code == 302
    assert names_in(phase) == ["Bridge", "Clamshell"]
    client.post_form(url, {"direction": "up"})  # already first: nothing moves
    assert names_in(phase) == ["Bridge", "Clamshell"]
    client.post_form(url, {"direction": "down"})
    assert names_in(phase) == ["Clamshell", "Bridge"]


def test_template_phases_move_and_keep_their_exercises(client, physio, clinic_template):
    isometric, last = clinic_template.phases[0], clinic_template.phases[2]
    client.login_as(physio)
    url = f"/templates/{clinic_template.id}/phases/{last.id}/move"
    assert client.post_form(url, {"direction": "up"}).status_code == 302
    assert phase_names(clinic_template) == ["Isometric", "Return", "Isotonic"]
    client.post_form(f"/templates/{clinic_template.id}/phases/{last.id}/move", {"direction": "up"})
    assert phase_names(clinic_template) == ["Return", "Isometric", "Isotonic"]
    assert names_in(isometric) == ["Clamshell", "Bridge"]
    detail = client.get(f"/templates/{clinic_template.id}").text
    order = ["Phase 1: Return", "Phase 2: Isometric", "Phase 3: Isotonic"]
    assert sorted(order, key=detail.index) == order


def test_removing_a_phase_asks_first(client, physio, clinic_template):
    phase = clinic_template.phases[0]
    client.login_as(physio)
    url = f"/templates/{clinic_template.id}/phases/{phase.id}/remove"
    detail = client.get(f"/templates/{clinic_template.id}").text
    assert f'href="{url}"' in detail  # a link to the question, not a one-click delete
    question = client.get(url)
    assert question.status_code == 200 and "Delete Phase 1: Isometric?" in question.text
    assert "2 exercises" in question.text and "Clamshell" in question.text
    assert phase_names(clinic_template) == ["Isometric", "Isotonic", "Return"]
    assert client.post_form(url).status_code == 302
    assert phase_names(clinic_template) == ["Isotonic", "Return"]
    positions = db.session.scalars(
        sa.select(TemplatePhase.position)
        .where(TemplatePhase.template_id == clinic_template.id)
        .order_by(TemplatePhase.position)
    ).all()
    assert positions == [0, 1]
    assert db.session.scalar(sa.select(sa.func.count(TemplatePrescription.id))) == 1


def test_phase_details_are_validated_and_nothing_is_saved_on_error(client, physio, clinic_template):
    phase = clinic_template.phases[1]
    url = f"/templates/{clinic_template.id}/phases/{phase.id}"
    client.login_as(physio)
    bad = client.post_form(
        url, {"name": "Loading", "goal": "Heavier", "typical_weeks": "99", "criteria": "x"}
    )
    assert bad.status_code == 422 and 'id="typical_weeks-error">Typical weeks must be' in bad.text
    db.session.refresh(phase)
    assert (phase.name, phase.goal, phase.typical_weeks) == ("Isotonic", "Goal of Isotonic", 3)
    good = client.post_form(
        url, {"name": "Loading", "goal": "Heavier", "typical_weeks": "4", "criteria": "No flare"}
    )
    assert good.status_code == 302
    db.session.refresh(phase)
    assert (phase.name, phase.goal, phase.typical_weeks, phase.criteria) == (
        "Loading", "Heavier", 4, "No flare",
    )  # fmt: skip


def test_library_templates_cannot_be_edited_only_copied(client, physio, template):
    phase = template.phases[0]
    item = phase.prescriptions[0]
    client.login_as(physio)
    detail = client.get(f"/templates/{template.id}").text
    assert "Edit phase" not in detail and "Delete phase" not in detail and "Copy" in detail
    base_url = f"/templates/{template.id}"
    assert client.get(f"{base_url}/lines/{item.id}/dose").status_code == 403
    assert client.get(f"{base_url}/phases/{phase.id}/remove").status_code == 403
    for url, data in [
        (f"{base_url}/lines/{item.id}/dose", {**DOSE, "sets": "5"}),
        (f"{base_url}/lines/{item.id}/move", {"direction": "down"}),
        (f"{base_url}/phases/{phase.id}/move", {"direction": "down"}),
        (f"{base_url}/phases/{phase.id}/remove", {}),
    ]:
        assert client.post_form(url, data).status_code == 403, url
    assert phase_names(template) == ["Isometric", "Isotonic"]
    assert names_in(phase) == ["Clamshell", "Bridge"] and item.sets == 3


def test_template_edits_are_audited(client, physio, clinic_template):
    item = clinic_template.phases[0].prescriptions[0]
    client.login_as(physio)
    client.post_form(f"/templates/{clinic_template.id}/lines/{item.id}/move", {"direction": "down"})
    client.post_form(f"/templates/{clinic_template.id}/lines/{item.id}/dose", {**DOSE, "sets": "4"})
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_id == clinic_template.id)
    ).all()
    assert actions.count("template.update") == 2
