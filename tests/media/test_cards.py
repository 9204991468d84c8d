"""Media comes first on the card when present: the day, the plan, the handout, the library."""

import re

import pytest

from app.domain.localtime import local_today
from tests.media.conftest import mp4_bytes


@pytest.fixture
def plan(make, clinic, physio, patient):  # type: ignore[no-untyped-def]
    """A patient's plan of a clinic exercise with a video, and a photo recorded for them."""
    exercise = make.exercise(
        name="Clinic clam", clinic_id=clinic.id, steps=["Lie on your side."], cues=["Slowly"]
    )
    plain = make.exercise(name="Plain bridge")
    programme = make.programme(
        patient, [exercise, plain], start=local_today(patient.timezone), days_of_week=0b1111111
    )
    video = make.media(exercise, mp4_bytes(), "Clam, side view", by=physio)
    photo = make.media((patient, programme, 1), description="Your clam today", by=physio)
    return {"programme": programme, "video": video, "photo": photo}


def _card(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def test_the_day_shows_the_patients_own_photo_then_the_exercise_video_first(
    db, client, patient, plan
):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    page = client.get("/today").get_data(as_text=True)
    card = _card(page, 'data-testid="exercise-1"', 'data-testid="exercise-2"')
    # First on the card: under the name and dose, before the tick and the steps.
    body = card[: card.index('class="units"')]
    photo, video = plan["photo"].id, plan["video"].id
    assert body.index(f'data-testid="media-{photo}"') < body.index(f'data-testid="media-{video}"')
    assert card.index('data-testid="media-list"') < card.index('class="steps"')
    assert 'alt="Your clam today"' in body and 'loading="lazy"' in body
    assert re.search(r'width="\d+" height="\d+"', body)
    assert "Recorded in clinic for you" in body
    video_tag = re.search(r"<video[^>]*>", body).group(0)
    assert "controls" in video_tag and 'preload="metadata"' in video_tag
    assert "autoplay" not in video_tag
    second = _card(page, 'data-testid="exercise-2"', "</li>")
    assert "media-list" not in second  # no media: nothing added to the card


def test_the_plan_and_handout_show_media_first_and_the_handout_only_photos(
    db, client, patient, plan
):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    my_plan = client.get("/plan").get_data(as_text=True)
    assert f'data-testid="media-{plan["video"].id}"' in my_plan
    card = my_plan[my_plan.index("Clinic clam") :]
    assert card.index("media-list") < card.index("How to do it")
    handout = client.get("/plan/handout").get_data(as_text=True)
    assert f'data-testid="media-{plan["photo"].id}"' in handout
    assert "<video" not in handout


def test_staff_see_the_media_and_a_link_to_manage_them(db, client, physio, patient, plan):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    programme = plan["programme"]
    page = client.get(f"/patients/{patient.id}/programmes/{programme.id}").get_data(as_text=True)
    assert "Photos and videos (1)" in page  # line 1's own photo
    assert f'data-testid="media-{plan["photo"].id}"' in page
    detail = client.get(f"/library/{plan['video'].exercise_id}").get_data(as_text=True)
    assert detail.index(f'data-testid="media-{plan["video"].id}"') < detail.index("<h2>Chain</h2>")
    assert 'data-testid="manage-media"' in detail


def test_another_patients_day_does_not_show_this_patients_photo(db, client, physio, make, plan):  # type: ignore[no-untyped-def]
    other = make.patient(physio)
    video_exercise = plan["programme"].current_version.prescriptions[0].exercise
    make.programme(other, [video_exercise], start=local_today(other.timezone))
    client.login_as(other.user)
    page = client.get("/today").get_data(as_text=True)
    assert f'data-testid="media-{plan["video"].id}"' in page  # the clinic's exercise video
    assert f'data-testid="media-{plan["photo"].id}"' not in page  # not the other's own photo


def test_media_counts_follow_uploads_and_removals(db, client, physio, patient, plan):  # type: ignore[no-untyped-def]
    """The counts the day page reads to skip the media query stay true."""
    from app.models import Exercise, Patient

    exercise_id = plan["video"].exercise_id
    assert db.session.get(Exercise, exercise_id).media_count == 1
    assert db.session.get(Patient, patient.id).media_count == 1
    client.login_as(physio)
    programme = plan["programme"]
    url = (
        f"/patients/{patient.id}/programmes/{programme.id}/lines/1/media/{plan['photo'].id}/remove"
    )
    assert client.post_form(url, {"confirm": "y"}).status_code == 302
    assert db.session.get(Patient, patient.id).media_count == 0


def test_the_day_reads_its_media_in_one_statement(db, client, patient, plan):  # type: ignore[no-untyped-def]
    from tests.conftest import count_queries

    client.login_as(patient.user)
    client.get("/today")
    with count_queries() as statements:
        client.get("/today")
    assert len([sql for sql in statements if "FROM media" in sql]) == 1
