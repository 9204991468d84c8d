"""The layout's head links, menus, patient notes and install banner, drawn once per kind of
account and kept between requests (views.site_chrome), show each account its own menus, its
own unread count and its own CSRF token, never another's."""

import re

import pytest

from app.extensions import db
from app.views import TOKEN_STAND_IN, Chrome, _chrome_markup

LOGOUT_TOKEN = (
    r'action="/logout" class="inline">\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
)
META_TOKEN = r'<meta name="csrf-token" content="([^"]+)"'
MENU = r'<ul class="nav nav-main">(.*?)</ul>'


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def _menu(page: str) -> list[str]:
    [menu] = re.findall(MENU, page, re.DOTALL)
    return re.findall(r"<li><a [^>]*>([^<]+)", menu)


@pytest.mark.parametrize(
    ("who", "url", "menu", "patient_parts"),
    [
        ("patient", "/today", ["Today", "Plan", "Progress", "Messages"], True),
        ("physio", "/dashboard", ["Dashboard", "Patients", "Library", "Templates"], False),
        (
            "admin",
            "/dashboard",
            ["Dashboard", "Patients", "Library", "Templates", "Audit log", "Staff"],
            False,
        ),
    ],
)
def test_each_account_sees_its_own_menu_and_only_a_patient_the_phone_parts(
    client, patient, physio, admin, who, url, menu, patient_parts
):  # type: ignore[no-untyped-def]
    user = {"patient": patient.user, "physio": physio, "admin": admin}[who]
    client.login_as(user)
    for _ in range(2):  # drawn, then kept: the same both times
        page = _page(client, url)
        assert _menu(page) == menu
        for part in ('id="sync-banner"', 'id="install-banner"', "js/offline.js"):
            assert (part in page) is patient_parts, part
        if patient_parts:
            assert f'data-patient="{patient.id}"' in page


def test_signed_out_pages_have_no_menu_and_no_logout_form(client):  # type: ignore[no-untyped-def]
    page = _page(client, "/login")
    assert 'class="nav nav-main"' not in page and "/logout" not in page
    assert 'href="/static/' in page  # the head's links still come with the layout


def test_each_session_gets_its_own_token_in_the_kept_logout_form(app, make, physio):  # type: ignore[no-untyped-def]
    first, second = make.patient(physio, name="First"), make.patient(physio, name="Second")
    tokens = []
    for patient in (first, second, first):
        client = app.test_client()
        client.login_as(patient.user)
        page = _page(client, "/week")
        [meta] = re.findall(META_TOKEN, page)
        assert re.findall(LOGOUT_TOKEN, page) == [meta]
        assert "\x00" not in page  # no stand-in left behind
        tokens.append(meta)
    assert len(set(tokens)) == 3


def test_the_kept_header_holds_the_stand_in_not_a_token(app):  # type: ignore[no-untyped-def]
    with app.test_request_context("/today"):
        kept = _chrome_markup(app.jinja_env, "", Chrome(True, False, True, False, None, 0))
    assert re.findall(LOGOUT_TOKEN, kept.header) == [TOKEN_STAND_IN]


def test_a_new_message_shows_its_unread_badge_on_the_next_request(client, patient):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    assert "badge-unread" not in _page(client, "/week")
    patient.unread_staff_messages = 2  # as a physio's message counts it (patient_words)
    db.session.commit()
    assert (
        '<span class="badge badge-unread">2<span class="visually-hidden"> unread</span>'
        in _page(client, "/week")
    )
