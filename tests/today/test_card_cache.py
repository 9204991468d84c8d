"""The day page's exercise cards, each drawn once per what it shows and kept between requests,
never show a stale card, another request's event ids or another session's CSRF token."""

import re
from datetime import timedelta

from app.extensions import db
from app.models import ProgrammeVersion
from app.services import activity
from app.today import markup
from app.views import TOKEN_STAND_IN

TOKEN = r'name="csrf_token" value="([^"]+)"'
EVENT_ID = r'name="id" value="([^"]+)"'
META_TOKEN = r'<meta name="csrf-token" content="([^"]+)"'


def _page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/today")
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def _card(page: str, line_id: int) -> str:
    start = page.index(f'data-testid="exercise-{line_id}"')
    return page[start : page.index("</li>", start)]


def test_a_card_shown_again_has_new_event_ids_and_the_requests_token(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, [make.exercise(), make.exercise()], start=today - timedelta(days=3))
    client.login_as(patient.user)
    pages = [_page(client), _page(client)]
    ids = [event_id for page in pages for event_id in re.findall(EVENT_ID, page)]
    assert len(ids) > 6 and len(set(ids)) == len(ids)  # every form of both pages its own
    for page in pages:
        [meta] = re.findall(META_TOKEN, page)
        assert set(re.findall(TOKEN, page)) == {meta}
        assert "\x00" not in page  # no stand-in left behind


def test_the_kept_card_holds_stand_ins_not_a_token_or_an_event_id(app, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=3))
    db.session.flush()
    with app.test_request_context("/today"):
        [item] = activity.today_view(patient).items
        kept = markup._card_markup(app.jinja_env, item, today.isoformat(), ())
    assert set(re.findall(TOKEN, kept)) == {TOKEN_STAND_IN}
    assert set(re.findall(EVENT_ID, kept)) == {markup._NEW_ID}


def test_two_patients_on_the_same_exercise_each_see_their_own_token(app, make, physio, today):  # type: ignore[no-untyped-def]
    exercise = make.exercise()
    first, second = make.patient(physio, name="First"), make.patient(physio, name="Second")
    for patient in (first, second):
        make.programme(patient, [exercise], start=today - timedelta(days=3))
    for patient in (first, second):
        client = app.test_client()
        client.login_as(patient.user)
        page = _page(client)
        [meta] = re.findall(META_TOKEN, page)
        assert set(re.findall(TOKEN, page)) == {meta}


def test_a_ticked_unit_is_drawn_ticked_on_the_next_request(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=3))
    client.login_as(patient.user)
    assert 'data-done="false"' in _card(_page(client), 1)
    fields = {"type": "tick", "line_id": "1", "local_date": today.isoformat()}
    assert client.post_form("/today/events", fields).status_code == 303
    card = _card(_page(client), 1)
    assert 'data-done="true"' in card and 'data-done="false"' not in card


def test_an_edit_to_the_exercise_or_the_dose_shows_on_the_next_request(
    client, make, patient, today
):  # type: ignore[no-untyped-def]
    exercise = make.exercise(name="Side plank")
    programme = make.programme(patient, [exercise], start=today - timedelta(days=3))
    client.login_as(patient.user)
    assert "Side plank" in _card(_page(client), 1)
    exercise.name = "Side plank on knees"  # the clinic renames its exercise
    db.session.flush()
    assert "Side plank on knees" in _card(_page(client), 1)
    [line] = db.session.get(ProgrammeVersion, programme.current_version_id).prescriptions
    make.version(
        programme,
        today - timedelta(days=1),
        [{"exercise_id": line.exercise_id, "sets": 4, "reps": 6, "note": "Slow on the way down"}],
    )
    card = _card(_page(client), 1)
    assert "4 sets of 6" in card and "Slow on the way down" in card
