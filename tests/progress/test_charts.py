"""Progress charts: figures checked by content, captions, ranges, permissions and query counts."""

import json
import re
from datetime import date, timedelta

import plotly.graph_objects as go
import pytest

from app.domain import charts as figures
from app.extensions import db
from app.models import ProgrammeVersion, Role
from app.services import charts, programmes


@pytest.fixture
def history_of_improvement(make, physio, patient, today):  # type: ignore[no-untyped-def]
    """Four weeks of pain going from 5 to 2, a plan change ten days ago, custom thresholds."""
    bridge = make.exercise("bridge", name="Bridge")
    plan = make.programme(patient, [bridge], start=today - timedelta(days=40))
    version = db.session.get(ProgrammeVersion, plan.current_version_id)
    version.green_max_during, version.amber_max_during = 2, 6
    start = today - timedelta(days=28)
    rows = []
    for week, pain in enumerate((5, 4, 3, 2)):
        first = start + timedelta(days=7 * week)
        rows += make.days(patient, first, first + timedelta(days=6), during=pain, morning=2)
    rows[-1].done_units = 0  # yesterday was missed
    make.days(patient, today, today, during=2)  # today is done
    db.session.flush()
    return plan


def change_plan(physio, plan, reps):  # type: ignore[no-untyped-def]
    draft = programmes.draft_for(plan)
    draft.set_dose(1, reps=reps)
    return programmes.commit_draft(physio, plan, draft, "More reps")


def valid_figure(figure: dict) -> dict:
    """Return the figure after Plotly has checked it: go.Figure raises on any unknown property
    or bad value (the app builds plain dicts, so this is where they are proven real)."""
    go.Figure(figure)
    return figure


def load(patient, today, days=42, for_patient=False):  # type: ignore[no-untyped-def]
    history = charts.load_history(patient, today - timedelta(days=days - 1), today, today)
    found = {c.key: c for c in figures.charts_for(history, patient=for_patient)}
    for chart in found.values():
        valid_figure(chart.figure)
        json.dumps(chart.as_json())  # served as JSON as it is
    return found


def test_plotly_refuses_a_figure_with_an_unknown_property():
    # The check above can fail: a misspelt property is an error, not silently dropped.
    with pytest.raises(ValueError, match="tickformatt"):
        valid_figure({"data": [], "layout": {"xaxis": {"tickformatt": "%d %b"}}})


def test_one_day_of_data_shows_a_week_of_dates_not_hours(patient, make, today):
    make.programme(patient, [make.exercise("bridge-1d")], start=today)
    make.days(patient, today, today, during=3)
    for key, chart in load(patient, today, days=1).items():
        axis = chart.figure["layout"]["xaxis"]
        assert axis["type"] == "date" and axis["tickformat"] == "%d %b", key
        start, end = (date.fromisoformat(value[:10]) for value in axis["range"])
        assert (end - start).days >= figures.MIN_AXIS_DAYS, key
        assert start < today <= end, key


def test_staff_see_four_charts_and_patients_three(patient, history_of_improvement, today):
    assert list(load(patient, today)) == ["pain", "adherence", "dose", "calendar"]
    assert list(load(patient, today, for_patient=True)) == ["pain", "adherence", "calendar"]


def test_every_trace_type_is_one_the_bundle_is_checked_for(patient, history_of_improvement, today):
    found = {
        trace["type"] for chart in load(patient, today).values() for trace in chart.figure["data"]
    }
    assert found == set(figures.TRACE_TYPES)


def test_pain_chart_has_lines_mean_and_bands_from_the_programmes_thresholds(
    patient, history_of_improvement, today
):
    figure = load(patient, today)["pain"].figure
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["During exercise", "Next morning", "7-day average"]
    bands = {
        s["name"]: (s["y0"], s["y1"]) for s in figure["layout"]["shapes"] if "zone" in s["name"]
    }
    assert bands == {
        "Green zone (0-2)": (0, 2.5),
        "Amber zone (3-6)": (2.5, 6.5),
        "Red zone (7-10)": (6.5, 10),
    }
    mean = figure["data"][2]
    assert mean["y"][-1] == pytest.approx(2.0)  # the last week was all 2s


def test_pain_chart_marks_the_smallest_change_that_matters(patient, history_of_improvement, today):
    layout = load(patient, today)["pain"].figure["layout"]
    [mcid] = [a for a in layout["annotations"] if a.get("name") == "mcid"]
    assert mcid["text"] == "2-point change that matters"
    [band] = [s for s in layout["shapes"] if s["name"].startswith("MCID")]
    assert (band["y0"], band["y1"]) == (3, 7)  # the first week's average 5, plus or minus 2


def test_plan_changes_are_labelled_on_the_pain_chart(
    physio, patient, history_of_improvement, today
):
    version = change_plan(physio, history_of_improvement, 14)
    layout = load(patient, today)["pain"].figure["layout"]
    labels = [a for a in layout["annotations"] if a.get("name", "").startswith("plan-change")]
    start = (today - timedelta(days=40)).isoformat()
    assert [(a["text"], a["x"]) for a in labels] == [("v1", start), ("v2", today.isoformat())]
    assert "Bridge" in labels[1]["hovertext"] and "14" in labels[1]["hovertext"]
    lines = [s for s in layout["shapes"] if s["name"] == "plan change v2"]
    assert lines and lines[0]["x0"] == version.effective_from.isoformat()


def test_quick_edits_in_one_sitting_are_one_plan_change_on_the_charts(
    physio, patient, history_of_improvement, today
):
    for reps in (12, 14, 16):
        change_plan(physio, history_of_improvement, reps)
    found = load(patient, today)
    layout = found["pain"].figure["layout"]
    labels = [a for a in layout["annotations"] if a.get("name", "").startswith("plan-change")]
    assert [a["text"] for a in labels] == ["v1", "v4"]
    assert "10 -> 3 x 12" in labels[1]["hovertext"]
    assert len([s for s in layout["shapes"] if s["name"].startswith("plan change")]) == 2
    [reps] = [t for t in found["dose"].figure["data"] if t["meta"]["measure"] == "reps"]
    assert reps["y"] == [10, 16, 16]  # the sitting's last dose only, no steps through 12, 14


def test_captions_are_computed_from_the_data(patient, history_of_improvement, today):
    patient_charts = load(patient, today, for_patient=True)
    assert patient_charts["pain"].caption == (
        "Your pain during exercise has gone from 5 to 2 over 4 weeks."
    )
    days_this_week = today.weekday() + 1
    if days_this_week > 1:
        # Monday..yesterday due and, but for yesterday, done; today done.
        done = days_this_week - 1
        percent = (200 * done + days_this_week) // (2 * days_this_week)
        assert patient_charts["adherence"].caption == (
            f"You did {percent}% of your exercises this week."
        )
    staff = load(patient, today)
    assert staff["pain"].caption == "Pain during exercise has gone from 5 to 2 over 4 weeks."


def test_adherence_chart_has_weekly_bars_and_the_80_percent_line(
    patient, history_of_improvement, today
):
    chart = load(patient, today)["adherence"]
    [bars] = chart.figure["data"]
    assert bars["type"] == "bar" and all(y <= 100 for y in bars["y"])
    [line] = [s for s in chart.figure["layout"]["shapes"] if s["name"] == "80% line"]
    assert line["y0"] == line["y1"] == 80
    assert chart.rows and chart.columns == ["Week starting", "Done", "Due", "Percent"]


def test_dose_chart_steps_each_line_through_its_versions(
    physio, patient, history_of_improvement, today
):
    change_plan(physio, history_of_improvement, 14)
    [trace] = load(patient, today)["dose"].figure["data"]
    assert trace["name"] == "Bridge (reps)"
    assert trace["y"] == (10, 14, 14) or list(trace["y"]) == [10, 14, 14]
    assert trace["line"]["shape"] == "hv"


def test_calendar_strip_colours_days_by_status(patient, history_of_improvement, today):
    chart = load(patient, today, days=29)["calendar"]
    by_name = {trace["name"]: len(trace["x"]) for trace in chart.figure["data"]}
    assert (by_name["All done"], by_name["Missed"], by_name["Some done"]) == (28, 1, 0)
    everything = load(patient, today, days=42)["calendar"]
    # The plan started 40 days ago and nothing was logged before 28 days ago: missed.
    missed = [t for t in everything.figure["data"] if t["name"] == "Missed"][0]
    assert len(missed["x"]) == 13
    assert {trace["type"] for trace in chart.figure["data"]} == {"bar"}


def test_no_data_gives_empty_charts_with_plain_captions(patient, today):
    charts_ = load(patient, today, for_patient=True)
    assert charts_["pain"].caption == (
        "You have not logged any pain during exercise in this period yet."
    )
    assert charts_["calendar"].caption == "No exercise days in this period."


# --- The JSON endpoints -------------------------------------------------------------------


def test_staff_get_a_patients_chart_json(client, physio, patient, history_of_improvement):
    client.login_as(physio)
    response = client.get(f"/patients/{patient.id}/charts.json")
    assert response.status_code == 200
    body = response.get_json()
    assert [c["key"] for c in body["charts"]] == ["pain", "adherence", "dose", "calendar"]
    for chart in body["charts"]:
        valid_figure(chart["figure"])
    assert body["config"]["responsive"] is True


def test_patient_gets_their_own_chart_json(client, patient, history_of_improvement):
    client.login_as(patient.user)
    body = client.get("/progress/charts.json").get_json()
    assert [c["key"] for c in body["charts"]] == ["pain", "adherence", "calendar"]
    for chart in body["charts"]:
        valid_figure(chart["figure"])
    same = client.get(f"/patients/{patient.id}/charts.json").get_json()
    assert same["charts"] == body["charts"]


def test_patient_cannot_see_another_patients_chart(client, make, physio, patient):
    other = make.patient(physio)
    client.login_as(patient.user)
    assert client.get(f"/patients/{other.id}/charts.json").status_code == 404


def test_physio_cannot_see_another_physios_patients_chart(client, make, clinic, patient):
    client.login_as(make.staff(clinic, Role.PHYSIO))
    assert client.get(f"/patients/{patient.id}/charts.json").status_code == 404
    assert client.get(f"/patients/{patient.id}/progress").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-03-01&to=2026-02-01", "on or before the end date"),
        ("from=2020-01-01&to=2023-01-01", "at most two years"),
        ("from=yesterday", "Dates must look like"),
    ],
)
def test_bad_ranges_are_refused_with_422(client, physio, patient, query, message):
    client.login_as(physio)
    response = client.get(f"/patients/{patient.id}/charts.json?{query}")
    assert response.status_code == 422
    assert message in response.get_json()["error"]
    client.login_as(patient.user)
    assert client.get(f"/progress/charts.json?{query}").status_code == 422


def test_two_years_exactly_is_allowed(client, physio, patient, today):
    client.login_as(physio)
    first = today - timedelta(days=2 * 365)
    response = client.get(f"/patients/{patient.id}/charts.json?from={first}&to={today}")
    assert response.status_code == 200


@pytest.mark.parametrize("days", [7, 365])
def test_chart_json_uses_at_most_6_statements(
    client, make, physio, patient, today, query_counter, days
):
    bridge, squat = make.exercise("bridge-q"), make.exercise("squat-q")
    plan = make.programme(patient, [bridge, squat], start=today - timedelta(days=days))
    for reps in (12, 14, 16):
        change_plan(physio, plan, reps)
    make.days(patient, today - timedelta(days=days - 1), today)
    first = today - timedelta(days=days - 1)
    client.login_as(physio)
    with query_counter() as statements:
        response = client.get(f"/patients/{patient.id}/charts.json?from={first}&to={today}")
    assert response.status_code == 200
    assert len(statements) <= 6, statements


# --- The pages ----------------------------------------------------------------------------


def test_progress_pages_draw_the_first_chart_and_embed_the_data_without_inline_scripts(
    client, physio, patient, history_of_improvement
):
    client.login_as(physio)
    staff_page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    client.login_as(patient.user)
    patient_page = client.get("/progress").get_data(as_text=True)
    for page in (staff_page, patient_page):
        scripts = re.findall(r"<script([^>]*)>", page)
        assert scripts, "the charts need their scripts"
        for attributes in scripts:
            assert "src=" in attributes or 'type="application/json"' in attributes
        assert "style=" not in page and " on" not in re.sub(r"\s+", " ", "".join(scripts))
        data = re.search(
            r'<script type="application/json" id="chart-data"[^>]*>(.*?)</script>', page, re.S
        )
        assert json.loads(data.group(1))["charts"]
        assert "<details>" in page and "Show the data as a table" in page
        assert "js/charts.js?v=" in page
        # plotly.js is named for charts.js to fetch when needed, not loaded with the page...
        assert 'data-plotly-src="/static/vendor/plotly.min.js?v=' in page
        assert not any(re.search(r'\ssrc="[^"]*plotly', attributes) for attributes in scripts)
        # ... since the first chart, pain, comes drawn: the others say so until they are.
        drawn = re.findall(r'data-chart="(\w+)"[^>]*>(<div class="chart-static")?', page)
        assert [key for key, static in drawn if static] == ["pain"]
        waiting = re.findall(r'data-chart="(\w+)"[^>]*><p class="chart-waiting"', page)
        assert waiting == [key for key, static in drawn if not static] and waiting
    assert "Dose per exercise" in staff_page and "Dose per exercise" not in patient_page
    assert "Your pain during exercise has gone from 5 to 2 over 4 weeks." in patient_page


def test_a_reversed_range_on_the_page_says_so(client, patient):
    client.login_as(patient.user)
    response = client.get("/progress?from=2026-03-01&to=2026-02-01")
    assert response.status_code == 422
    assert "on or before the end date" in response.get_data(as_text=True)


def test_dose_chart_shows_only_the_phase_in_force(physio, patient, make, today):
    from app.domain.localtime import utcnow
    from app.models import ProgrammePhase

    bridge = make.exercise("bridge", name="Bridge")
    squat = make.exercise("squat", name="Squat")
    plan = make.programme(patient, [bridge], start=today - timedelta(days=20))
    plan.phases.append(ProgrammePhase(position=1, name="Phase 2"))
    db.session.flush()
    draft = programmes.draft_for(plan)
    draft.add_line(squat, 1, sets=3, reps=8, rest_seconds=60, side="both", days_of_week=0b1111111)
    ten_days_ago = utcnow() - timedelta(days=10)
    programmes.commit_draft(physio, plan, draft, "Plan phase 2", now=ten_days_ago)
    draft = programmes.draft_for(plan)
    draft.set_phase(1)
    moved = programmes.commit_draft(
        physio, plan, draft, "Ready for phase 2", now=ten_days_ago + timedelta(days=5)
    )
    traces = {t["name"]: t for t in load(patient, today, days=21)["dose"].figure["data"]}
    assert set(traces) == {"Bridge (reps)", "Squat (reps)"}
    # Bridge was done until the phase changed (not to today); squat only from then on.
    assert moved.effective_from == today - timedelta(days=5)
    assert traces["Bridge (reps)"]["x"][-1] == moved.effective_from.isoformat()
    assert traces["Squat (reps)"]["x"][0] == moved.effective_from.isoformat()
