"""The first account from the command line, then staff invited from the admin pages."""

import html
import re

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Clinic, Invite, Role, User

PASSWORD = "a-long-admin-password"


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _log_in(client, login: str, password: str):  # type: ignore[no-untyped-def]
    return client.post_form("/login", {"login": login, "password": password})


def test_create_clinic_asks_for_a_password_and_the_admin_can_log_in(runner, client, db):
    result = runner.invoke(
        args=["create-clinic", "Riverside Physio", "--admin-email", "Boss@Riverside.example"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.login == "boss@riverside.example"))
    assert admin is not None and admin.role == Role.ADMIN
    assert db.session.get(Clinic, admin.clinic_id).name == "Riverside Physio"
    assert PASSWORD not in result.output
    response = _log_in(client, "boss@riverside.example", PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/staff").status_code == 200


def test_create_clinic_with_invite_prints_a_one_time_link_and_code(runner, client, db):
    result = runner.invoke(
        args=["create-clinic", "Hill Clinic", "--admin-email", "it@hill.example", "--invite"]
    )
    assert result.exit_code == 0, result.output
    token = re.search(r"/invite/([\w-]+)", result.output).group(1)
    code = re.search(r"type the code ([A-Z0-9]{4}-[A-Z0-9]{4})", result.output).group(1)
    admin = db.session.scalar(sa.select(User).where(User.login == "it@hill.example"))
    assert admin.password_hash is None  # nobody can log in until the invite is used
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    form = {"code": code, "password": PASSWORD, "confirm": PASSWORD}
    assert client.post_form("/invite/code", form).status_code == 302
    assert client.get("/admin/staff").status_code == 200


def test_create_clinic_invite_uses_the_external_url(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://stride.hill.example/")
    result = runner.invoke(
        args=["create-clinic", "Hill", "--admin-email", "x@hill.example", "--invite"]
    )
    assert "link: https://stride.hill.example/invite/" in result.output


@pytest.mark.parametrize(
    "args, typed, message",
    [
        (["Clinic", "--admin-email", "a@b.example"], "short\nshort\n", "at least 12 characters"),
        (["Clinic", "--admin-email", "not-an-email", "--invite"], "", "is not an email address"),
        (["  ", "--admin-email", "a@b.example", "--invite"], "", "Give the clinic a name"),
    ],
)
def test_create_clinic_refuses_bad_input_and_stores_nothing(runner, db, args, typed, message):
    before = (_count(db, Clinic), _count(db, User))
    result = runner.invoke(args=["create-clinic", *args], input=typed)
    assert result.exit_code != 0
    assert message in result.output
    assert (_count(db, Clinic), _count(db, User)) == before


def test_create_clinic_refuses_an_email_that_has_an_account(runner, db, physio):
    before = _count(db, Clinic)
    result = runner.invoke(
        args=["create-clinic", "Second", "--admin-email", physio.login, "--invite"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _count(db, Clinic) == before


def test_admin_adds_a_physio_who_accepts_the_invite(client, db, admin):
    client.login_as(admin)
    form = {"name": "Pat Physio", "email": "Pat@Test.example", "role": "physio"}
    page = client.post_form("/admin/staff/new", form)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    token = re.search(r"/invite/([\w-]+)\"", text).group(1)
    assert "http://127.0.0.1:5000/invite/" in text  # an absolute link to copy (EXTERNAL_URL)
    physio = db.session.scalar(sa.select(User).where(User.login == "pat@test.example"))
    assert (physio.role, physio.clinic_id, physio.password_hash) == (
        Role.PHYSIO,
        admin.clinic_id,
        None,
    )
    assert "invited, not signed in yet" in client.get("/admin/staff").get_data(as_text=True)
    client.post_form("/logout")
    done = client.post_form(f"/invite/{token}", {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    assert client.get("/dashboard").status_code == 200
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"staff.create", "invite.issue", "invite.accept"} <= actions


@pytest.mark.parametrize(
    "form, field_message",
    [
        ({"name": "", "email": "n@test.example", "role": "physio"}, "Enter the person's name."),
        ({"name": "N", "email": "nope", "role": "physio"}, "Enter a valid email address."),
        ({"name": "N", "email": "admin@test.example", "role": "physio"}, "already exists"),
        ({"name": "N", "email": "n@test.example", "role": "patient"}, "Not a valid choice"),
    ],
)
def test_adding_staff_with_bad_input_says_why_and_stores_nothing(
    client, db, admin, form, field_message
):
    client.login_as(admin)
    before = (_count(db, User), _count(db, Invite))
    response = client.post_form("/admin/staff/new", form)
    assert response.status_code == 422
    assert field_message in html.unescape(response.get_data(as_text=True))
    assert (_count(db, User), _count(db, Invite)) == before


def test_a_new_staff_invite_replaces_the_old_one(client, db, admin, physio):
    client.login_as(admin)
    first = client.post_form(f"/admin/staff/{physio.id}/invite")
    second = client.post_form(f"/admin/staff/{physio.id}/invite")
    assert first.status_code == second.status_code == 200
    invites = db.session.scalars(sa.select(Invite).where(Invite.user_id == physio.id)).all()
    assert [invite.revoked_at is None for invite in invites] == [False, True]


def test_an_admin_cannot_reinvite_a_patient_through_the_staff_page(client, admin, patient):
    client.login_as(admin)
    assert client.post_form(f"/admin/staff/{patient.user.id}/invite").status_code == 404
