"""The progress charts as Plotly figure dicts, built from a patient's history (pure).

services.charts.load_history reads the History; the builders here are plain functions of it,
so tests check them by content. Each chart comes with a caption in plain words, a text summary
and a table for screen readers.

Figures are plain Plotly figure dicts ({"data": [...], "layout": {...}}), not
plotly.graph_objects: graph_objects validates every property on every assignment, which cost
~70 ms for a patient-year against ~5 ms of reading. The tests validate every figure with
plotly.graph_objects.Figure(figure), which raises on any property Plotly does not know.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from app.domain.adherence import DayStatus
from app.domain.dose import Dose
from app.domain.errors import Refused
from app.domain.localtime import DATE_FORMAT_MESSAGE, UnreadableDate, parse_date
from app.domain.pain import PainThresholds
from app.domain.plan_changes import sittings
from app.domain.progress import (
    DayTotals,
    adherence_by_week,
    adherence_caption,
    calendar_caption,
    pain_caption,
    rolling_mean,
    status_of,
)

MAX_RANGE_DAYS = 2 * 366  # "at most two years", leap days included
DEFAULT_RANGE_DAYS = 42  # six weeks: long enough for a trend, short enough to read on a phone
PLAN_LABEL_CHARS = 40

COLOURS = {
    "green": "#1a7f37",
    "amber": "#b35900",
    "red": "#c62828",
    "during": "#0b4f9e",
    "morning": "#7b3fa0",
    "mean": "#222222",
    "bar": "#0b5d4b",
    "plan": "#555555",
}
STATUS_COLOURS = {
    DayStatus.DONE: "#1a7f37",
    DayStatus.PARTIAL: "#e0a800",
    DayStatus.MISSED: "#c62828",
    DayStatus.REST: "#c9ced6",
}
STATUS_WORDS = {
    DayStatus.DONE: "All done",
    DayStatus.PARTIAL: "Some done",
    DayStatus.MISSED: "Missed",
    DayStatus.REST: "Rest day",
}
# The trace types the figures use: the served plotly.js bundle must register each of them.
TRACE_TYPES = ("scatter", "bar")
PLOTLY_CONFIG = {"responsive": True, "displayModeBar": False, "displaylogo": False}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The x axis always spans at least a week, so one day of data shows dates, not times of day.
MIN_AXIS_DAYS = 7


class RangeError(Refused):
    """A chart date range that makes no sense; the message is for the person asking."""


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """Return the (from, to) dates asked for, defaulting to the last six weeks."""
    try:
        end = parse_date(last) if last else today
        start = parse_date(first) if first else end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    except UnreadableDate as error:
        message = error.errors["date"]
        if message == DATE_FORMAT_MESSAGE:
            message = "Dates must look like 2024-11-25."
        raise RangeError(message) from error
    if start > end:
        raise RangeError("The start date must be on or before the end date.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeError("Choose a range of at most two years.")
    return start, end


# --- What the charts are built from ---------------------------------------------------------


@dataclass(frozen=True)
class PlanChange:
    """A new version of the plan, marked on the pain chart."""

    version_id: int
    number: int
    day: date
    change_kind: str
    summary: str
    created_at: datetime
    created_by_id: int | None


def one_per_sitting(changes: Sequence[PlanChange]) -> list[PlanChange]:
    """Return one change per sitting (plan_changes.sittings): the last version's, all summaries.

    Three quick edits by one physio are one marker on the charts, as they are one change
    on the patient's notice; versions in force from different days stay apart.
    """
    merged = []
    for group in sittings(changes, key=lambda c: c.day):  # one marker: one day
        last = group[-1]
        summaries = [c.summary for c in group if c.summary]
        kinds = {c.change_kind for c in group}
        merged.append(
            replace(
                last,
                summary="; ".join(summaries),
                change_kind=last.change_kind if len(kinds) == 1 else "edit",
            )
        )
    return merged


@dataclass(frozen=True)
class DoseStep:
    """A line's dose from the day a version put it in force."""

    programme_id: int
    line_id: int
    day: date
    exercise_name: str
    dose: Dose


@dataclass
class History:
    """What the charts show for one patient over first..last (today for 'not yet over')."""

    first: date
    last: date
    today: date
    days: dict[date, DayTotals] = field(default_factory=dict)  # every day first..last
    thresholds: PainThresholds = PainThresholds()
    changes: list[PlanChange] = field(default_factory=list)  # in the range
    doses: list[DoseStep] = field(default_factory=list)  # every version's lines, oldest first
    # (programme, line) -> the day it left the plan (removed, or its phase ended).
    dose_ends: dict[tuple[int, int], date] = field(default_factory=dict)
    during_before: dict[date, int] = field(default_factory=dict)  # 6 days before, for the mean
    notes: dict[date, str] = field(default_factory=dict)  # the patient's check-in notes, by day


# --- The charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """One chart: the figure, what it shows in words, and its data as a table."""

    key: str
    title: str
    figure: dict[str, Any]
    caption: str
    summary: str
    columns: list[str]
    rows: list[list[str]]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "figure": self.figure,
            "caption": self.caption,
            "summary": self.summary,
            "table": {"columns": self.columns, "rows": self.rows},
        }


def charts_for(history: History, *, patient: bool) -> list[Chart]:
    """Return the charts for the patient (pain, adherence, calendar) or staff (all four)."""
    charts = [pain_chart(history, patient=patient), adherence_chart(history, patient=patient)]
    if not patient:
        charts.append(dose_chart(history))
    charts.append(calendar_chart(history, patient=patient))
    return charts


def pain_chart(history: History, *, patient: bool) -> Chart:
    """Pain during and next morning, the 7-day mean, zone bands, the MCID and plan changes."""
    t = history.thresholds
    during = {d: r.during for d, r in history.days.items() if r.during is not None}
    morning = {d: r.morning for d, r in history.days.items() if r.morning is not None}
    means = rolling_mean(history.during_before | during, history.first, history.last)
    fig = _figure("Pain (0-10)", history.first, history.last, range=[0, 10], dtick=2)
    traces, shapes, annotations = fig["data"], fig["layout"]["shapes"], fig["layout"]["annotations"]
    traces.append(_line("During exercise", during, COLOURS["during"], markers=True))
    traces.append(_line("Next morning", morning, COLOURS["morning"], markers=True, dash="dot"))
    traces.append(_line("7-day average", means, COLOURS["mean"], markers=False))
    shapes.extend(_zone_bands(t))

    summary_parts = [pain_caption(during, patient=patient)]
    if during:
        summary_parts.append(_mcid_band(during, t.mcid, shapes, annotations))
    summary_parts.append(
        f"Green up to {t.green_max_during}, amber up to {t.amber_max_during}, red above."
    )
    changes = one_per_sitting(history.changes)
    for change in changes:
        shapes.append(_plan_change_line(change))
        annotations.append(_plan_change_label(change))
    if changes:
        summary_parts.append(
            "Plan changes: " + "; ".join(f"{_when(c.day)}: {c.summary}" for c in changes) + "."
        )

    rows = [
        [
            _when(day),
            _pain(record.during),
            _pain(record.morning),
            "" if day not in means else f"{means[day]:.1f}",
            record.zone or "",
            history.notes.get(day, ""),
        ]
        for day, record in history.days.items()
        if record.during is not None or record.morning is not None
    ]
    return Chart(
        key="pain",
        title="Pain over time",
        figure=fig,
        caption=summary_parts[0],
        summary=" ".join(summary_parts),
        columns=["Day", "During exercise", "Next morning", "7-day average", "Zone", "Note"],
        rows=rows,
    )


def _zone_bands(t: PainThresholds) -> list[dict[str, Any]]:
    """Return the green, amber and red bands behind the pain lines."""
    bands = [
        ("green", 0, t.green_max_during + 0.5, f"Green zone (0-{t.green_max_during})"),
        (
            "amber",
            t.green_max_during + 0.5,
            t.amber_max_during + 0.5,
            f"Amber zone ({t.green_max_during + 1}-{t.amber_max_during})",
        ),
        ("red", t.amber_max_during + 0.5, 10, f"Red zone ({t.amber_max_during + 1}-10)"),
    ]
    return [
        {
            "type": "rect",
            "name": name,
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": low,
            "y1": high,
            "fillcolor": COLOURS[zone],
            "opacity": 0.1,
            "layer": "below",
            "line": {"width": 0},
        }
        for zone, low, high, name in bands
    ]


def _mcid_band(
    during: Mapping[date, int],
    mcid: int,
    shapes: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
) -> str:
    """Draw the smallest change that matters (MCID) around the first week's average.

    Returns the sentence for the summary.
    """
    start_days = sorted(during)[:7]
    baseline = sum(during[d] for d in start_days) / len(start_days)
    low, high = max(0.0, baseline - mcid), min(10.0, baseline + mcid)
    shapes.append(
        {
            "type": "rect",
            "name": f"MCID band: start {baseline:.1f} ± {mcid}",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": low,
            "y1": high,
            "fillcolor": "rgba(0,0,0,0)",
            "line": {"color": COLOURS["mean"], "width": 1, "dash": "dash"},
            "layer": "below",
        }
    )
    annotations.append(
        {
            "name": "mcid",
            "text": f"{mcid}-point change that matters",
            "xref": "paper",
            "x": 0,
            "xanchor": "left",
            "y": low,
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 10},
        }
    )
    return (
        f"A change of {mcid} points from the starting average of {baseline:.1f} is "
        "the smallest that matters."
    )


def _plan_change_line(change: PlanChange) -> dict[str, Any]:
    return {
        "type": "line",
        "name": f"plan change v{change.number}",
        "xref": "x",
        "yref": "paper",
        "x0": change.day.isoformat(),
        "x1": change.day.isoformat(),
        "y0": 0,
        "y1": 1,
        "line": {"color": COLOURS["plan"], "width": 1, "dash": "dot"},
    }


def _plan_change_label(change: PlanChange) -> dict[str, Any]:
    return {
        "name": f"plan-change-{change.version_id}",
        "text": f"v{change.number}",
        "hovertext": _short(f"v{change.number}: {change.summary}"),
        "xref": "x",
        "yref": "paper",
        "x": change.day.isoformat(),
        "y": 1,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 10},
    }


def adherence_chart(history: History, *, patient: bool) -> Chart:
    """Adherence per week as bars, with the 80% line."""
    weeks = [w for w in adherence_by_week(history.days.values(), history.today) if w.due]
    first, last = (
        (weeks[0].monday, weeks[-1].monday + timedelta(days=6))
        if weeks
        else (history.first, history.last)
    )
    fig = _figure("% of exercises done", first, last, range=[0, 105], ticksuffix="%")
    fig["data"].append(
        {
            "type": "bar",
            "name": "Done",
            "x": [w.monday.isoformat() for w in weeks],
            "y": [w.percent for w in weeks],
            "marker": {
                "color": [COLOURS["bar"] if w.is_adherent else COLOURS["amber"] for w in weeks]
            },
            "hovertemplate": "Week of %{x|%d %b}: %{y}%<extra></extra>",
            "xperiod": 7 * 24 * 3600 * 1000,
            "xperiodalignment": "middle",
        }
    )
    fig["layout"]["shapes"].append(
        {
            "type": "line",
            "name": "80% line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": 80,
            "y1": 80,
            "line": {"color": COLOURS["mean"], "width": 2, "dash": "dash"},
        }
    )
    fig["layout"]["annotations"].append(
        {
            "text": "80% target",
            "xref": "paper",
            "x": 1,
            "xanchor": "right",
            "y": 80,
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 10},
        }
    )
    caption = adherence_caption(weeks, history.today, patient=patient)
    reached = sum(1 for w in weeks if w.is_adherent)
    summary = f"{caption} The 80% target was reached in {reached} of {len(weeks)} weeks."
    return Chart(
        key="adherence",
        title="Exercises done per week",
        figure=fig,
        caption=caption,
        summary=summary,
        columns=["Week starting", "Done", "Due", "Percent"],
        rows=[[_when(w.monday), str(w.done), str(w.due), f"{w.percent}%"] for w in weeks],
    )


def dose_chart(history: History) -> Chart:
    """Each line's dose over time as steps: reps, hold, duration and load."""
    fig = _figure("Dose", history.first, history.last, rangemode="tozero", fixedrange=False)
    by_line: dict[tuple[int, int], list[DoseStep]] = defaultdict(list)
    for step in history.doses:
        by_line[(step.programme_id, step.line_id)].append(step)
    rows = []
    for key, steps in by_line.items():
        line_id = key[1]
        current = steps[-1].exercise_name
        end = min(history.dose_ends.get(key, history.last), history.last)
        for measure, unit, value_of in (
            ("reps", "reps", lambda d: d.reps),
            ("hold", "s hold", lambda d: d.hold_seconds),
            (
                "duration",
                "min",
                lambda d: None if d.duration_seconds is None else round(d.duration_seconds / 60, 1),
            ),
            ("load", "kg", lambda d: d.load_kg),
        ):
            points = _dose_points(steps, value_of, history.first, history.last)
            if not points:
                continue
            x = [day.isoformat() for day, _, _ in points] + [end.isoformat()]
            y = [value for _, value, _ in points] + [points[-1][1]]
            text = [f"{s.exercise_name}: {_dose(s)}" for _, _, s in points] + [
                f"{points[-1][2].exercise_name}: {_dose(points[-1][2])}"
            ]
            fig["data"].append(
                {
                    "type": "scatter",
                    "name": f"{current} ({unit})",
                    "x": x,
                    "y": y,
                    "mode": "lines+markers",
                    "line": {"shape": "hv", "width": 2},
                    "text": text,
                    "hovertemplate": "%{x|%d %b}: %{text}<extra></extra>",
                    "meta": {"line_id": line_id, "measure": measure},
                }
            )
        rows += [[_when(s.day), s.exercise_name, _dose(s)] for s in steps if s.day <= history.last]
    rows.sort(key=lambda row: row[0])
    changes = len({(r[0], r[1], r[2]) for r in rows})
    summary = (
        f"{len(by_line)} exercises; {changes} dose settings over time."
        if by_line
        else "No programme in this period."
    )
    return Chart(
        key="dose",
        title="Dose per exercise",
        figure=fig,
        caption=summary,
        summary=summary,
        columns=["From", "Exercise", "Dose"],
        rows=rows,
    )


def calendar_chart(history: History, *, patient: bool) -> Chart:
    """A strip of days coloured by whether the exercises were done, one bar per day."""
    statuses = {
        day: status
        for day, record in history.days.items()
        if day <= history.today and (status := status_of(record, history.today)) is not None
    }
    last = min(history.last, history.today)
    fig = _figure("", history.first, last, visible=False, range=[0, 1])
    fig["layout"].update(height=160, bargap=0.15)
    by_status: dict[DayStatus, list[date]] = {status: [] for status in DayStatus}
    for day, status in statuses.items():  # one pass over the days, not one per status
        by_status[status].append(day)
    for status, days in by_status.items():
        fig["data"].append(
            {
                "type": "bar",
                "name": STATUS_WORDS[status],
                "x": [day.isoformat() for day in days],
                "y": [1] * len(days),
                "marker": {"color": STATUS_COLOURS[status]},
                "hovertemplate": "%{x|%a %d %b}: " + STATUS_WORDS[status] + "<extra></extra>",
                "showlegend": bool(days),
            }
        )
    caption = calendar_caption(statuses, patient=patient)
    return Chart(
        key="calendar",
        title="Days done",
        figure=fig,
        caption=caption,
        summary=caption,
        columns=["Day", "Status"],
        rows=[[_when(day), STATUS_WORDS[status]] for day, status in sorted(statuses.items())],
    )


# --- Small helpers -------------------------------------------------------------------------


def _figure(y_title: str, first: date, last: date, **yaxis: Any) -> dict[str, Any]:
    """Return an empty figure over the days first..last, its y axis titled and set by yaxis."""
    return {
        "data": [],
        "layout": {
            "autosize": True,
            "height": 300,
            "margin": {"l": 40, "r": 10, "t": 24, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
            "font": {"family": "system-ui, sans-serif", "size": 12},
            "hovermode": "closest",
            "dragmode": False,
            "xaxis": _date_axis(first, last),
            "yaxis": {"title": {"text": y_title}, "fixedrange": True, **yaxis},
            "shapes": [],
            "annotations": [],
        },
    }


def _date_axis(first: date, last: date) -> dict[str, Any]:
    """A date axis over first..last (at least MIN_AXIS_DAYS), ticked in whole days.

    Left to itself Plotly zooms one day of data down to hours ("23:59:59.9"). An explicit
    range of at least a week, with at most 8 ticks, keeps each tick a day or more apart.
    """
    first = min(first, last - timedelta(days=MIN_AXIS_DAYS - 1))
    return {
        "type": "date",
        "range": [f"{first - timedelta(days=1)} 12:00", f"{last} 12:00"],
        "tickformat": "%d %b",
        "nticks": 8,
        "fixedrange": True,
    }


def _line(
    name: str, values: Mapping[date, float], colour: str, *, markers: bool, dash: str = "solid"
) -> dict[str, Any]:
    days = sorted(values)
    return {
        "type": "scatter",
        "name": name,
        "x": [day.isoformat() for day in days],
        "y": [values[day] for day in days],
        "mode": "lines+markers" if markers else "lines",
        "line": {"color": colour, "width": 2, "dash": dash},
        "connectgaps": False,
    }


def _dose_points(
    steps: Iterable[DoseStep],
    value_of: Callable[[Dose], float | None],
    first: date,
    last: date,
) -> list[tuple[date, float, DoseStep]]:
    """Return (day, value, step) where the value changed; what was in force before first
    is shown from first."""
    points: list[tuple[date, float, DoseStep]] = []
    for step in steps:
        value = value_of(step.dose)
        if step.day > last:
            break
        if value is None or (points and points[-1][1] == value):
            continue
        day = max(step.day, first)
        if points and points[-1][0] == day:
            points.pop()  # replaced before the range began, or twice on one day
        points.append((day, value, step))
    return points


@lru_cache(maxsize=4096)  # a year's tables write ~650 dates per request, mostly the same ones
def _when(day: date) -> str:
    # Named tuples, not strftime: a year's table formats ~600 dates per request.
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _pain(value: int | None) -> str:
    return "" if value is None else f"{value}/10"


def _short(text: str) -> str:
    return text if len(text) <= PLAN_LABEL_CHARS else text[: PLAN_LABEL_CHARS - 1] + "…"


def _dose(step: DoseStep) -> str:
    return step.dose.amount_words()


# --- Outcome questionnaires (issue 15) ------------------------------------------------------

OUTCOME_COLOURS = ("#0b4f9e", "#7b3fa0", "#1a7f37", "#b35900", "#c62828", "#222222")


@dataclass(frozen=True)
class OutcomeSeries:
    """One score part over time (a total, a mean or a subscale) and its smallest change."""

    key: str
    name: str
    points: tuple[tuple[date, float], ...]  # (day answered, score), oldest first
    mcid: float


def outcome_chart(
    key: str,
    title: str,
    series: Iterable[OutcomeSeries],
    score_range: tuple[float, float],
    today: date,
) -> Chart:
    """Scores over time, each with the band of the smallest change that matters around
    its baseline (the first answer), dashed in the line's colour."""
    parts = [s for s in series if s.points]
    days = [day for s in parts for day, _ in s.points]
    first = min(days, default=today)
    last = max(max(days, default=today), today)
    low, high = score_range
    fig = _figure("Score", first, last, range=[low, high])
    traces, shapes, annotations = fig["data"], fig["layout"]["shapes"], fig["layout"]["annotations"]
    sentences = []
    rows: list[list[str]] = []
    for index, part in enumerate(parts):
        colour = OUTCOME_COLOURS[index % len(OUTCOME_COLOURS)]
        values = dict(part.points)
        traces.append(_line(part.name, values, colour, markers=True))
        baseline = part.points[0][1]
        shapes.append(
            {
                "type": "rect",
                "name": f"{part.name}: baseline {baseline:g} ± {part.mcid:g}",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": max(low, baseline - part.mcid),
                "y1": min(high, baseline + part.mcid),
                "fillcolor": colour,
                "opacity": 0.08,
                "line": {"color": colour, "width": 1, "dash": "dash"},
                "layer": "below",
            }
        )
        latest = part.points[-1][1]
        change = latest - baseline
        verdict = "at least" if abs(change) >= part.mcid else "less than"
        sentences.append(
            f"{part.name}: {baseline:g} at baseline, {latest:g} now ({change:+g}; {verdict} "
            f"the {part.mcid:g} that matters)."
        )
        rows.extend([_when(day), part.name, f"{value:g}"] for day, value in part.points)
    if parts:
        annotations.append(
            {
                "name": "mcid",
                "text": "Band: baseline ± the change that matters",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "xanchor": "left",
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 10},
            }
        )
    caption = sentences[0] if sentences else "No answers yet."
    return Chart(
        key=key,
        title=title,
        figure=fig,
        caption=caption,
        summary=" ".join(sentences) or "No answers yet.",
        columns=["Day", "Score", "Value"],
        rows=rows,
    )
