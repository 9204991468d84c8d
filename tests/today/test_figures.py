"""The exercise figure on every page that names an exercise: today, the plan, the handout
and the library page; none for a clinic-made exercise without one."""

from datetime import timedelta

import pytest

FIGURE = {
    "view": "side",
    "posture": "standing",
    "side": "right",
    "contacts": ["feet"],
    "start": {},
    "end": {"r_hip": 60, "r_knee": 60, "contacts": ["l_foot"]},
}
STEPS = ["Stand tall by a wall.", "Lift one knee.", "Lower it slowly."]


@pytest.fixture
def lifted(make, patient, today):  # type: ignore[no-untyped-def]
    drawn = make.exercise("knee-lift", name="Knee lift", figure=FIGURE, steps=STEPS)
    plain = make.exercise("plain-one", name="Plain one")
    make.programme(patient, [drawn, plain], start=today - timedelta(days=10), side="left")
    return drawn


def _html(client, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def test_today_animates_the_figure_with_alt_text_from_the_steps(client, patient, lifted):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    html = _html(client, "/today")
    assert html.count("data-figure ") == 1  # the plain exercise has no figure
    assert 'aria-label="Start position: Stand tall by a wall."' in html
    assert 'aria-label="End position: Lift one knee. Lower it slowly."' in html
    assert "js/figure.js?v=" in html and 'data-testid="figure-speak"' in html
    # Prescribed for the left side, the right-side figure is drawn mirrored.
    assert "fig-mirrored" in html and "Shown for the left side." in html


def test_the_plan_animates_and_the_handout_shows_still_frames(client, patient, lifted):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    plan = _html(client, "/plan")
    assert "data-figure " in plan and "figure-live" in plan
    handout = _html(client, "/plan/handout")
    assert "Start position: Stand tall by a wall." in handout
    assert "data-figure " not in handout and "figure-live" not in handout


def test_the_library_page_shows_start_and_end_frames(client, physio, lifted, make):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    html = _html(client, f"/library/{lifted.id}")
    assert html.count("<svg") == 2 and "figure-live" not in html
    plain = make.exercise("no-figure-here")
    assert "<svg" not in _html(client, f"/library/{plain.id}")
