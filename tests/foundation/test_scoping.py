"""Who sees which patients: enforced once in app/policy.py, checked here per role."""

import pytest
import sqlalchemy as sa
from flask import Flask

from app.models import Exercise, Role
from app.policy import prescribable, scoped_patients, visible


@pytest.fixture
def world(make, clinic):
    """Two physios in one clinic, one in another; a patient each."""
    physio_a = make.staff(clinic, Role.PHYSIO)
    physio_b = make.staff(clinic, Role.PHYSIO)
    admin = make.staff(clinic, Role.ADMIN)
    other_clinic = make.clinic("Elsewhere")
    physio_c = make.staff(other_clinic, Role.PHYSIO)
    admin_c = make.staff(other_clinic, Role.ADMIN)
    return {
        "physio_a": physio_a,
        "physio_b": physio_b,
        "admin": admin,
        "physio_c": physio_c,
        "admin_c": admin_c,
        "patient_a": make.patient(physio_a),
        "patient_b": make.patient(physio_b),
        "patient_c": make.patient(physio_c),
    }


def _visible(db, user) -> set[int]:
    return {p.id for p in db.session.scalars(scoped_patients(user))}


@pytest.mark.parametrize(
    "viewer, sees",
    [
        ("physio_a", {"patient_a"}),
        ("physio_b", {"patient_b"}),
        ("admin", {"patient_a", "patient_b"}),
        ("physio_c", {"patient_c"}),
        ("admin_c", {"patient_c"}),
    ],
)
def test_staff_see_only_their_scope(db, world, viewer, sees):
    assert _visible(db, world[viewer]) == {world[name].id for name in sees}


def test_patient_sees_only_themself(db, world):
    patient = world["patient_a"]
    assert _visible(db, patient.user) == {patient.id}


def test_staff_see_archived_exercises_but_their_clinic_prescribes_only_the_others(
    db, make, world, clinic
):
    made = {
        "library": make.exercise(),
        "library_archived": make.exercise(archived=True),
        "own": make.exercise(clinic_id=clinic.id),
        "own_archived": make.exercise(clinic_id=clinic.id, archived=True),
        "other_clinic": make.exercise(clinic_id=world["physio_c"].clinic_id),
    }
    names = {exercise.id: name for name, exercise in made.items()}

    def named(stmt: sa.Select[Exercise]) -> set[str]:
        return {names[e.id] for e in db.session.scalars(stmt) if e.id in names}

    assert named(visible(world["physio_a"], Exercise)) == {
        "library",
        "library_archived",
        "own",
        "own_archived",
    }
    assert named(prescribable(clinic.id)) == {"library", "own"}
    assert named(visible(world["patient_a"].user, Exercise)) == set()


@pytest.mark.parametrize(
    "viewer, target, status",
    [
        ("physio_a", "patient_a", 200),
        ("physio_a", "patient_b", 404),
        ("admin", "patient_b", 200),
        ("physio_c", "patient_a", 404),
        ("admin_c", "patient_a", 404),
    ],
)
def test_patient_page_follows_the_scope(client, world, viewer, target, status):
    client.login_as(world[viewer])
    assert client.get(f"/patients/{world[target].id}").status_code == status


def test_patient_cannot_open_staff_pages(client, world):
    client.login_as(world["patient_a"].user)
    assert client.get("/patients").status_code == 403
    assert client.get(f"/patients/{world['patient_a'].id}").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/patients")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_physio_list_shows_only_own_patients(client, world):
    client.login_as(world["physio_a"])
    page = client.get("/patients").get_data(as_text=True)
    assert world["patient_a"].user.name in page
    assert world["patient_b"].user.name not in page


def test_every_view_declares_who_may_use_it(app: Flask):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    assert undeclared == []


def test_app_refuses_to_start_with_an_undeclared_view():
    from app import check_every_view_declares_access

    bare = Flask("bare")
    bare.add_url_rule("/x", "x", lambda: "x")
    with pytest.raises(RuntimeError, match="x"):
        check_every_view_declares_access(bare)
