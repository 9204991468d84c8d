"""Browse, search and filter the library; the exercise page and its chain; who may see what."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.models import Exercise, Role


def names_on(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def shelf(make):
    """A few exercises that differ in one thing each."""
    return {
        "bridge": make.exercise(
            "bridge",
            searchable=True,
            name="Bridge",
            steps=["Lie on your back.", "Lift.", "Squeeze."],
        ),
        "clam": make.exercise(
            "clam",
            searchable=True,
            name="Clamshell",
            category="stabilisation",
            equipment=["band"],
            steps=["Lie on your side.", "Open your knees like a clam.", "Close slowly."],
        ),
        "plank": make.exercise(
            "plank", searchable=True, name="Front plank", body_regions=["core"], level=3
        ),
        "stretch": make.exercise(
            "stretch", searchable=True, name="Calf stretch", category="mobility"
        ),
    }


def test_browse_lists_exercises_with_category_level_and_dose(client, physio, shelf):
    page = names_on(client.login_as(physio).get("/library/"))
    for name in ("Bridge", "Clamshell", "Front plank", "Calf stretch"):
        assert name in page
    assert "3 sets of 10" in page and "level 3" in page and "Stabilisation" in page


def test_search_matches_name_case_insensitively(client, physio, shelf):
    page = names_on(client.login_as(physio).get("/library/?q=PLANK"))
    assert "Front plank" in page and "Bridge" not in page


def test_search_matches_step_text(client, physio, shelf):
    page = names_on(client.login_as(physio).get("/library/?q=like a clam"))
    assert "Clamshell" in page and "Bridge" not in page


def test_search_treats_wildcards_as_text(client, physio, shelf):
    page = names_on(client.login_as(physio).get("/library/?q=%25"))
    assert "No exercises match" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("category=stabilisation", "Clamshell", "Bridge"),
        ("category=mobility", "Calf stretch", "Clamshell"),
        ("region=core", "Front plank", "Bridge"),
        ("equipment=band", "Clamshell", "Front plank"),
        ("level=3", "Front plank", "Clamshell"),
    ],
)
def test_each_filter_narrows_the_list(client, physio, shelf, query, shown, hidden):
    page = names_on(client.login_as(physio).get(f"/library/?{query}"))
    assert shown in page and hidden not in page


def test_empty_result_shows_a_hint(client, physio, shelf):
    page = names_on(client.login_as(physio).get("/library/?q=zebra"))
    assert "No exercises match" in page


def _bulk_exercises(count: int, start: int = 0, **fields: object) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "slug": f"bulk-{i:05d}",
            "name": f"Bulk exercise {i:05d}",
            "category": "strengthening",
            "body_regions": ["hip"],
            "target_muscles": ["gluteus medius"],
            "equipment": ["none"],
            "position": "standing",
            "level": 1 + i % 5,
            "sets": 3,
            "reps": 10,
            "rest_seconds": 60,
            "side": "both",
            "times_per_week": 3,
            "times_per_day": 1,
            "steps": ["One.", "Two.", "Three."],
            "cues": ["Cue"],
            "faults": ["Fault"],
            "cautions": [],
            "evidence": "",
            "search_text": f"bulk exercise {i:05d} squat",
            "tags": "|hip|none|",
            "archived": False,
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        for i in range(start, start + count)
    ]
    db.session.execute(insert(Exercise), rows)
    db.session.flush()


def test_pagination_shows_30_per_page_and_keeps_the_search(client, physio):
    _bulk_exercises(65)
    client.login_as(physio)
    first = names_on(client.get("/library/?q=squat"))
    assert "Bulk exercise 00029" in first and "Bulk exercise 00030" not in first
    assert "Page 1 of 3" in first and "page=2" in first and "q=squat" in first
    third = names_on(client.get("/library/?q=squat&page=3"))
    assert "Bulk exercise 00064" in third and "Bulk exercise 00059" not in third
    assert names_on(client.get("/library/?q=squat&page=9")).count("Bulk exercise") == 0


def test_search_query_count_does_not_grow_with_the_library(client, physio, query_counter):
    client.login_as(physio)
    _bulk_exercises(20)
    with query_counter() as small:
        names_on(client.get("/library/?q=squat&region=hip&level=2"))
    _bulk_exercises(1980, start=20)
    with query_counter() as large:
        page = names_on(client.get("/library/?q=squat&region=hip&level=2"))
    assert "Page 1 of 14" in page  # 400 matches at level 2
    assert len(small) == len(large), large


def test_exercise_page_shows_instructions_dose_and_whole_chain(client, physio, make):
    a = make.exercise("chain-a", name="Chain one")
    b = make.exercise("chain-b", name="Chain two", level=2, regression_id=a.id)
    c = make.exercise(
        "chain-c",
        name="Chain three",
        level=3,
        regression_id=b.id,
        hold_seconds=30,
        reps=None,
        side="each",
        cautions=[{"text": "Do not lie on the sore side.", "conditions": ["gluteal-tendinopathy"]}],
        evidence="Ganderton 2018.",
    )
    d = make.exercise("chain-d", name="Chain four", level=4, regression_id=c.id)
    a.progression_id, b.progression_id, c.progression_id = b.id, c.id, d.id
    db.session.flush()
    page = names_on(client.login_as(physio).get(f"/library/{c.id}"))
    chain = page[page.index('<ol class="chain"') :]
    assert chain.index("Chain one") < chain.index("Chain two") < chain.index("Chain three")
    assert chain.index("Chain three") < chain.index("Chain four")
    for other in (a, b, d):
        assert f'href="/library/{other.id}"' in page
    assert 'aria-current="page"' in page
    assert "3 holds of 30 s, each side" in page
    assert "<li>Lie on your back.</li>" in page
    assert "Do not lie on the sore side." in page and "Gluteal tendinopathy" in page
    assert "Ganderton 2018." in page
    assert "Copy to make your own" in page and f"/library/{c.id}/edit" not in page


def test_chain_walk_stops_on_a_loop(client, physio, make):
    a = make.exercise("loop-a", name="Loop one")
    b = make.exercise("loop-b", name="Loop two", regression_id=a.id, progression_id=a.id)
    a.progression_id = a.regression_id = b.id
    db.session.flush()
    page = names_on(client.login_as(physio).get(f"/library/{a.id}"))
    assert page.count("Loop two") >= 1


def test_other_clinics_custom_exercises_are_hidden(client, make, physio, shelf):
    other_clinic = make.clinic("Other clinic")
    other_physio = make.staff(other_clinic, Role.PHYSIO)
    theirs = make.exercise(
        "c-theirs", searchable=True, name="Their secret drill", clinic_id=other_clinic.id
    )
    ours = make.exercise(
        "c-ours", searchable=True, name="Our own drill", clinic_id=physio.clinic_id
    )
    client.login_as(physio)
    page = names_on(client.get("/library/?q=drill"))
    assert "Our own drill" in page and "Their secret drill" not in page
    assert client.get(f"/library/{theirs.id}").status_code == 404
    client.login_as(other_physio)
    assert client.get(f"/library/{ours.id}").status_code == 404


def test_archived_exercises_leave_browse_but_open_by_link(client, physio, make):
    old = make.exercise("old-one", searchable=True, name="Retired drill", archived=True)
    client.login_as(physio)
    assert "Retired drill" not in names_on(client.get("/library/"))
    page = names_on(client.get(f"/library/{old.id}"))
    assert "Retired drill" in page and "Archived" in page


@pytest.mark.parametrize(
    "path",
    ["/library/", "/library/{id}", "/library/new", "/library/{id}/edit", "/library/{id}/archive"],
)
def test_patients_get_403_on_library_pages(client, patient, make, path):
    exercise = make.exercise(clinic_id=patient.clinic_id)
    client.login_as(patient.user)
    assert client.get(path.format(id=exercise.id)).status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get("/library/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_nav_links_to_the_library(client, admin):
    assert 'href="/library/"' in names_on(client.login_as(admin).get("/library/"))
