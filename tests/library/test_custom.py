"""Clinic-made exercises: create, edit, copy, link into chains, archive; who may do it."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Exercise, Role


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Wall sit",
        "category": "strengthening",
        "body_regions": ["hip", "knee"],
        "target_muscles": "quadriceps\ngluteus maximus",
        "equipment": ["wall"],
        "position": "standing",
        "level": "2",
        "sets": "3",
        "reps": "",
        "hold_seconds": "30",
        "duration_seconds": "",
        "rest_seconds": "60",
        "side": "both",
        "times_per_week": "3",
        "times_per_day": "1",
        "steps": "Stand with your back to a wall.\nSlide down until your knees bend.\nHold still.",
        "cues": "Keep your knees over your toes",
        "faults": "Knees falling in",
        "caution_text": "Stop if your knee hurts more than 3/10.",
        "caution_conditions": ["knee-pain"],
        "evidence": "",
        "regression": "0",
        "progression": "0",
    }
    data.update(overrides)
    return data


def custom_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Exercise.clinic_id.is_not(None)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_physio_creates_a_custom_exercise(client, physio):
    response = client.login_as(physio).post_form("/library/new", form_data())
    assert response.status_code == 302
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.clinic_id == physio.clinic_id))
    assert exercise.slug == f"c{physio.clinic_id}-wall-sit"
    assert exercise.created_by_id == physio.id
    assert (exercise.hold_seconds, exercise.reps, exercise.level) == (30, None, 2)
    assert exercise.steps[1] == "Slide down until your knees bend."
    assert exercise.cautions == [
        {"text": "Stop if your knee hurts more than 3/10.", "conditions": ["knee-pain"]}
    ]
    assert exercise.tags == "|hip|knee|wall|" and "slide down" in exercise.search_text
    assert audit_actions() == ["exercise.create"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wall sit" in page and "Your clinic" in page


def test_second_exercise_with_the_same_name_gets_a_numbered_slug(client, physio):
    client.login_as(physio)
    client.post_form("/library/new", form_data())
    client.post_form("/library/new", form_data())
    slugs = set(db.session.scalars(sa.select(Exercise.slug)))
    assert {f"c{physio.clinic_id}-wall-sit", f"c{physio.clinic_id}-wall-sit-2"} <= slugs


def test_admin_may_create_too(client, admin):
    assert client.login_as(admin).post_form("/library/new", form_data()).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the exercise&#39;s name."),
        ({"category": "cardio"}, "Not a valid choice"),
        ({"level": "6"}, "Level must be between 1 and 5."),
        ({"level": "0"}, "Level must be between 1 and 5."),
        ({"hold_seconds": ""}, "Give reps, a hold time or a duration."),
        ({"reps": "10"}, "Give only one of reps, hold time or duration."),
        ({"steps": "Stand.\nSit."}, "Write 3 to 6 steps, one per line."),
        ({"sets": "11"}, "Sets must be between 1 and 10."),
        ({"body_regions": []}, "Tick at least one body region."),
        ({"caution_text": ""}, "Say what to watch out for"),
        ({"regression": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_input_shows_the_error_and_stores_nothing(client, physio, overrides, message):
    response = client.login_as(physio).post_form("/library/new", form_data(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert custom_count() == 0 and audit_actions() == []


def _custom(make, physio, slug: str, level: int = 2, **fields):
    return make.exercise(slug, clinic_id=physio.clinic_id, level=level, **fields)


def test_linking_two_custom_exercises_keeps_links_mutual(client, physio, make):
    harder = _custom(make, physio, "c-harder", level=3)
    response = client.login_as(physio).post_form(
        "/library/new", form_data(progression=str(harder.id))
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Exercise).where(Exercise.name == "Wall sit"))
    assert created.progression_id == harder.id
    assert db.session.get(Exercise, harder.id).regression_id == created.id


def test_linking_to_a_library_exercise_sets_only_the_custom_side(client, physio, make):
    library_one = make.exercise("lib-easier", level=1)
    response = client.login_as(physio).post_form(
        "/library/new", form_data(regression=str(library_one.id))
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Exercise).where(Exercise.name == "Wall sit"))
    assert created.regression_id == library_one.id
    assert db.session.get(Exercise, library_one.id).progression_id is None


def test_relinking_clears_the_old_neighbours_back_link(client, physio, make):
    first = _custom(make, physio, "c-first", level=3)
    second = _custom(make, physio, "c-second", level=3)
    base = _custom(make, physio, "c-base", progression_id=first.id)
    first.regression_id = base.id
    db.session.flush()
    response = client.login_as(physio).post_form(
        f"/library/{base.id}/edit", form_data(name="Base", progression=str(second.id))
    )
    assert response.status_code == 302
    assert db.session.get(Exercise, first.id).regression_id is None
    assert db.session.get(Exercise, second.id).regression_id == base.id


def test_level_order_is_enforced(client, physio, make):
    easier = _custom(make, physio, "c-easier", level=4)
    response = client.login_as(physio).post_form(
        "/library/new", form_data(level="2", regression=str(easier.id))
    )
    assert response.status_code == 422
    assert "harder than level 2" in response.get_data(as_text=True)
    assert custom_count() == 1


def test_a_link_that_makes_a_cycle_is_refused(client, physio, make):
    a = _custom(make, physio, "c-a")
    b = _custom(make, physio, "c-b", regression_id=a.id)
    c = _custom(make, physio, "c-c", regression_id=b.id)
    a.progression_id, b.progression_id = b.id, c.id
    db.session.flush()
    client.login_as(physio)
    # A new exercise after c and before a would close the loop a -> b -> c -> new -> a.
    response = client.post_form(
        "/library/new", form_data(regression=str(c.id), progression=str(a.id))
    )
    assert response.status_code == 422
    assert "loop back on itself" in response.get_data(as_text=True)
    assert custom_count() == 3
    # So would editing c to progress to a.
    response = client.post_form(
        f"/library/{c.id}/edit", form_data(regression=str(b.id), progression=str(a.id))
    )
    assert response.status_code == 422
    assert db.session.get(Exercise, c.id).progression_id is None
    assert db.session.get(Exercise, a.id).regression_id is None


def test_physio_edits_their_clinics_exercise(client, physio, make):
    exercise = _custom(make, physio, "c-edit-me")
    client.login_as(physio)
    form = client.get(f"/library/{exercise.id}/edit").get_data(as_text=True)
    assert "Lie on your back." in form
    response = client.post_form(f"/library/{exercise.id}/edit", form_data(name="Wall squat hold"))
    assert response.status_code == 302
    exercise = db.session.get(Exercise, exercise.id)
    assert exercise.name == "Wall squat hold" and exercise.slug == "c-edit-me"
    assert "wall squat hold" in exercise.search_text
    assert audit_actions() == ["exercise.update"]


def test_library_exercises_cannot_be_edited_or_archived(client, physio, make):
    shipped = make.exercise("shipped", name="Shipped")
    client.login_as(physio)
    assert client.get(f"/library/{shipped.id}/edit").status_code == 403
    assert client.post_form(f"/library/{shipped.id}/edit", form_data()).status_code == 403
    assert client.post_form(f"/library/{shipped.id}/archive", {"confirm": "y"}).status_code == 403
    shipped = db.session.get(Exercise, shipped.id)
    assert shipped.name == "Shipped" and shipped.archived is False


def test_copy_prefills_the_form_from_a_library_exercise(client, physio, make):
    shipped = make.exercise(
        "shipped-copy",
        name="Side plank",
        steps=["Lie on your side.", "Prop up.", "Lift hips."],
        cautions=[
            {"text": "Avoid lying on the sore side.", "conditions": ["gluteal-tendinopathy"]}
        ],
    )
    page = client.login_as(physio).get(f"/library/new?copy={shipped.id}").get_data(as_text=True)
    assert 'value="Side plank (our version)"' in page
    assert "Lie on your side.\nProp up.\nLift hips." in page
    assert "Avoid lying on the sore side." in page
    assert re.search(
        r'<input checked id="caution_conditions-\d+"[^>]*value="gluteal-tendinopathy"', page
    )
    assert custom_count() == 0


def test_other_clinic_cannot_see_or_change_a_custom_exercise(client, physio, make):
    ours = _custom(make, physio, "c-ours-only")
    other = make.staff(make.clinic("Elsewhere"), Role.PHYSIO)
    client.login_as(other)
    assert client.get(f"/library/{ours.id}").status_code == 404
    assert client.get(f"/library/{ours.id}/edit").status_code == 404
    assert client.post_form(f"/library/{ours.id}/edit", form_data()).status_code == 404
    assert client.post_form(f"/library/{ours.id}/archive", {"confirm": "y"}).status_code == 404
    assert client.get(f"/library/new?copy={ours.id}").status_code == 404
    # Nor link to it from their own exercise.
    response = client.post_form("/library/new", form_data(progression=str(ours.id)))
    assert response.status_code == 422
    ours = db.session.get(Exercise, ours.id)
    assert ours.name != "Wall sit" and ours.archived is False and ours.regression_id is None


def test_archive_asks_for_confirmation_then_archives_on_post(client, physio, make):
    easier = _custom(make, physio, "c-arch-easier", level=1)
    exercise = _custom(make, physio, "c-archive-me", regression_id=easier.id)
    easier.progression_id = exercise.id
    db.session.flush()
    client.login_as(physio)
    page = client.get(f"/library/{exercise.id}/archive")
    assert page.status_code == 200 and "Yes, archive this exercise" in page.get_data(as_text=True)
    assert db.session.get(Exercise, exercise.id).archived is False

    unconfirmed = client.post_form(f"/library/{exercise.id}/archive", {})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    assert db.session.get(Exercise, exercise.id).archived is False

    response = client.post_form(f"/library/{exercise.id}/archive", {"confirm": "y"})
    assert response.status_code == 302
    exercise = db.session.get(Exercise, exercise.id)
    assert exercise.archived is True and exercise.regression_id is None
    assert db.session.get(Exercise, easier.id).progression_id is None
    assert audit_actions() == ["exercise.archive"]
    assert "Archived" in client.get(f"/library/{exercise.id}").get_data(as_text=True)
    assert client.get(f"/library/{exercise.id}/edit").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client, physio, make):
    exercise = _custom(make, physio, "c-csrf")
    client.login_as(physio)
    assert client.post("/library/new", data=form_data()).status_code == 400
    assert client.post(f"/library/{exercise.id}/edit", data=form_data()).status_code == 400
    assert client.post(f"/library/{exercise.id}/archive", data={"confirm": "y"}).status_code == 400
    assert custom_count() == 1
    exercise = db.session.get(Exercise, exercise.id)
    assert exercise.archived is False and exercise.name != "Wall sit"
