"""The day page, its form fallback, the week page, and the PWA files."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import sqlalchemy as sa

from app.extensions import db
from app.models import CheckIn, ExerciseLog, SyncEvent


def _page(client, url="/today"):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def test_patients_land_on_today(client, patient):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/today")


def test_no_programme_yet(client, patient):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    html = _page(client)
    assert 'data-testid="empty-no-programme"' in html
    assert "No programme yet" in html
    assert 'name="csrf-token"' in html


def test_rest_day(client, make, patient, today):  # type: ignore[no-untyped-def]
    not_today = 1 << ((today.weekday() + 1) % 7)
    make.programme(patient, start=today - timedelta(days=10), days_of_week=not_today)
    client.login_as(patient.user)
    html = _page(client)
    assert 'data-testid="empty-rest-day"' in html
    assert "Nothing due today — rest is part of the plan" in html


def test_due_exercises_with_labelled_tick_buttons(client, make, patient, today):  # type: ignore[no-untyped-def]
    clamshell = make.exercise(
        "clamshell", name="Clamshell", steps=["Lie on your side.", "Open the knees."]
    )
    bridge = make.exercise("bridge", name="Bridge")
    make.programme(patient, [clamshell, bridge], start=today - timedelta(days=10), side="each")
    client.login_as(patient.user)
    html = _page(client)
    # The name spoken starts with the words shown (WCAG 2.5.3), then says which exercise.
    assert (
        '<span class="tick-text">Left</span><span class="visually-hidden">, Clamshell</span>'
        in html
    )
    assert (
        '<span class="tick-text">Right</span><span class="visually-hidden">, Bridge</span>' in html
    )
    assert 'data-testid="tick-1-1-left"' in html and 'data-side="left"' in html
    assert "Open the knees." in html and "<details" in html
    assert "3 sets of 10, each side" in html
    assert (
        'data-testid="progress"' in html
        and "<span data-progress-done>0</span> of <span data-progress-total>2</span> done" in html
    )
    assert 'data-testid="all-done" id="all-done" hidden' in html
    assert 'data-testid="sets-plus-1-1-left"' in html
    assert 'data-testid="during-pain-10"' in html
    assert "js/today.js?v=" in html and "/manifest.webmanifest" in html


def test_all_done_state(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    client.post_json(
        "/api/v1/sync",
        {
            "events": [
                {
                    "id": "6f1c3a58-0d0e-4b4e-9d59-0f8a4d9b2a11",
                    "type": "tick",
                    "line_id": 1,
                    "local_date": today.isoformat(),
                    "client_time": "2026-01-01T00:00:00+00:00",
                }
            ]
        },
    )
    html = _page(client)
    assert "All done for today" in html
    assert 'id="all-done" hidden' not in html
    assert 'aria-pressed="true"' in html


def test_every_form_on_the_day_page_carries_the_one_token_the_server_accepts(
    client, make, patient, today
):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    html = _page(client)
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', html)
    [meta] = re.findall(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert len(tokens) > 3 and set(tokens) == {meta}
    tick_form = r'<form method="post" action="/today/events" class="tick-form".*?</form>'
    form = re.search(tick_form, html, re.S)
    assert form is not None
    hidden = r'<input type="hidden" name="([^"]+)" value="([^"]*)"'
    fields = dict(re.findall(hidden, form.group(0)))
    assert client.post("/today/events", data=fields).status_code == 303  # its own token, as sent
    assert db.session.scalar(sa.select(ExerciseLog.done))


def test_the_form_fallback_ticks_unticks_and_checks_in_without_javascript(
    client, make, patient, today
):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    fields = {
        "type": "tick",
        "line_id": "1",
        "session": "1",
        "side": "both",
        "local_date": today.isoformat(),
    }
    response = client.post_form("/today/events", fields)
    assert response.status_code == 303
    assert db.session.scalar(sa.select(ExerciseLog.done))
    client.post_form("/today/events", {**fields, "type": "untick"})
    assert not db.session.scalar(sa.select(ExerciseLog.done))
    # The per-exercise pain form says which unit by its button.
    client.post_form(
        "/today/events", {**fields, "session": "", "side": "", "unit": "1:both", "pain": "4"}
    )
    log = db.session.scalar(sa.select(ExerciseLog))
    assert (log.done, log.pain) == (True, 4)
    response = client.post_form(
        "/today/events",
        {
            "type": "checkin",
            "kind": "during",
            "session_date": today.isoformat(),
            "pain": "6",
            "note": "Sore after the bridges",
        },
        follow_redirects=True,
    )
    assert db.session.scalar(sa.select(CheckIn.pain)) == 6
    html = response.get_data(as_text=True)
    assert "Do less today. Your physio will be told" in html and "advice-red" in html


def test_the_form_fallback_is_idempotent_by_its_id(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    fields = {
        "id": "0b8f6a8e-3c1d-4f57-9a43-2f1c7e9d5b10",
        "type": "tick",
        "line_id": "1",
        "local_date": today.isoformat(),
    }
    client.post_form("/today/events", fields)
    client.post_form("/today/events", fields)  # a double tap on a slow connection
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncEvent)) == 1


def test_the_form_fallback_shows_field_messages(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    response = client.post_form(
        "/today/events",
        {
            "type": "tick",
            "line_id": "1",
            "local_date": (today + timedelta(days=1)).isoformat(),
        },
        follow_redirects=True,
    )
    assert "That date is in the future" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExerciseLog)) == 0


def test_the_form_fallback_needs_csrf(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    response = client.post(
        "/today/events", data={"type": "tick", "line_id": "1", "local_date": today.isoformat()}
    )
    assert response.status_code == 400


def test_catch_up_pages_and_their_limits(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    html = _page(client)
    yesterday = today - timedelta(days=1)
    assert f'href="/today?date={yesterday.isoformat()}"' in html and "Fill in yesterday" in html
    assert "Fill in the day before" in html
    html = _page(client, f"/today?date={yesterday.isoformat()}")
    assert "Filling in" in html and f'data-date="{yesterday.isoformat()}"' in html
    for bad in (today + timedelta(days=1), today - timedelta(days=3)):
        response = client.get(f"/today?date={bad.isoformat()}")
        assert response.status_code == 302 and response.location.endswith("/today")
    assert (
        client.get("/api/v1/today?date=" + (today + timedelta(days=1)).isoformat()).status_code
        == 422
    )
    assert client.get("/api/v1/today?date=nope").json["errors"] == {
        "date": "Give the date as YYYY-MM-DD."
    }


def test_morning_prompt_shows_usual_pain(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    html = _page(client)
    # "How is" in the morning, "How was" from noon (tests/today/test_inputs.py sets the hour).
    assert "your pain this morning compared with usual?" in html
    assert 'data-testid="usual-pain">2 out of 10' in html


def test_week_page(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    html = _page(client, "/week")
    assert 'data-testid="week-percent">0%' in html
    assert "A short session today is a good restart" in html


def test_staff_cannot_open_the_patient_day(client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    assert client.get("/today").status_code == 403


def test_manifest_is_served_with_its_content_type(client):  # type: ignore[no-untyped-def]
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["start_url"] == "/today" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon
        assert image.mimetype == icon["type"]
        image.close()


def test_service_worker_is_served_from_the_root_as_javascript(client):  # type: ignore[no-untyped-def]
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert b"/api/v1/today" in response.data
    response.close()


def test_today_page_and_api_stay_within_six_statements(client, make, patient, today, query_counter):  # type: ignore[no-untyped-def]
    exercises = [make.exercise() for _ in range(8)]
    make.programme(patient, exercises, start=today - timedelta(days=10), side="each")
    client.login_as(patient.user)
    client.post_json(
        "/api/v1/sync",
        {
            "events": [
                {
                    "id": "6f1c3a58-0d0e-4b4e-9d59-0f8a4d9b2a12",
                    "type": "checkin",
                    "kind": "during",
                    "session_date": today.isoformat(),
                    "pain": 2,
                    "client_time": "2026-01-01T00:00:00+00:00",
                }
            ]
        },
    )
    for url in ("/today", "/api/v1/today"):
        with query_counter() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) <= 6, statements


class _Buttons(HTMLParser):
    """Each button's aria-label (or None) and the text it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.buttons: list[tuple[str | None, str]] = []
        self._label: str | None = None
        self._text: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag == "button":
            self._label, self._text = attributes.get("aria-label"), []
        elif self._text is not None and tag == "span":
            hidden = "visually-hidden" in (attributes.get("class") or "")
            self._hidden += 1 if hidden or self._hidden else 0

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "button" and self._text is not None:
            self.buttons.append((self._label, " ".join("".join(self._text).split())))
            self._text = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._text is not None and not self._hidden:
            self._text.append(data)


def test_every_button_label_says_the_words_it_shows(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10), side="each")
    client.login_as(patient.user)
    parser = _Buttons()
    parser.feed(_page(client))
    assert len(parser.buttons) > 5
    ticks = [label for label, shown in parser.buttons if shown in ("Left", "Right")]
    assert ticks and all(label is None for label in ticks)  # named by what they show
    for label, shown in parser.buttons:
        if label is not None and any(c.isalpha() for c in shown):
            assert shown.lower() in label.lower(), (label, shown)


def test_pain_is_saved_in_one_place(client, make, patient, today):  # type: ignore[no-untyped-def]
    make.programme(patient, start=today - timedelta(days=10))
    client.login_as(patient.user)
    html = _page(client)
    assert "Save pain and mark done" not in html
    assert html.count('data-testid="during-save"') == 1
    # ... and reachable from the top without scrolling past the exercises.
    assert html.index('href="#checkin-during"') < html.index('class="exercises"')
    assert 'id="checkin-during"' in html
