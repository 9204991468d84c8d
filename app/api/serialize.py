"""Turn the patient's day into the JSON the API sends (its shapes are declared in schema.py)."""

from app.api.schema import CheckInJSON, ItemJSON, MorningJSON, TestTaskJSON, TodayJSON
from app.services.activity import (
    CheckInView,
    ItemView,
    MorningPrompt,
    TestTaskPrompt,
    TodayView,
)


def today_json(view: TodayView) -> TodayJSON:
    """The body of GET /api/v1/today."""
    return {
        "date": view.day.isoformat(),
        "today": view.today.isoformat(),
        "state": view.state,
        "starts_on": view.starts_on.isoformat() if view.starts_on else None,
        "catch_up_dates": [day.isoformat() for day in view.catch_up_dates],
        "progress": {
            "done": view.done_count,
            "total": view.total_count,
            "done_units": view.done_units,
            "due_units": view.due_units,
            "all_done": view.all_done,
            "text": view.progress_text,
        },
        "items": [_item_json(item) for item in view.items],
        "checkin": {
            "during": _checkin_json(view.during),
            "zone": view.zone,
            "advice": view.advice,
            "usual_pain": view.usual_pain,
            "morning": _morning_json(view.morning),
        },
        "test_task": _test_task_json(view.test_task),
    }


def _test_task_json(prompt: TestTaskPrompt | None) -> TestTaskJSON | None:
    if prompt is None:
        return None
    return {
        "task": prompt.task,
        "last_rated": prompt.last_rated.isoformat() if prompt.last_rated else None,
        "last_pain": prompt.last_pain,
        "due": prompt.due,
        "answer": _checkin_json(prompt.answer),
    }


def _item_json(item: ItemView) -> ItemJSON:
    return {
        "line_id": item.line_id,
        "prescription_id": item.prescription_id,
        "exercise_id": item.exercise_id,
        "name": item.name,
        "steps": list(item.steps),
        "dose": item.dose.describe(),
        "side": item.dose.side,
        "sets": item.dose.sets,
        "reps": item.dose.reps,
        "hold_seconds": item.dose.hold_seconds,
        "duration_seconds": item.dose.duration_seconds,
        "rest_seconds": item.dose.rest_seconds,
        "sessions": item.sessions,
        "done": item.done,
        "pain": item.pain,
        "units": [
            {
                "session": unit.session,
                "side": unit.side,
                "done": unit.done,
                "sets_done": unit.sets_done,
                "pain": unit.pain,
                "reps_done": list(unit.reps_done) if unit.reps_done else None,
            }
            for unit in item.units
        ],
    }


def _checkin_json(checkin: CheckInView | None) -> CheckInJSON | None:
    if checkin is None:
        return None
    return {
        "kind": checkin.kind,
        "session_date": checkin.session_date.isoformat(),
        "pain": checkin.pain,
        "note": checkin.note,
        "usual_pain": checkin.usual_pain,
        "edits": checkin.edits,
        "settled": checkin.settled,
        "test_task": checkin.test_task,
    }


def _morning_json(prompt: MorningPrompt | None) -> MorningJSON | None:
    if prompt is None:
        return None
    return {
        "session_date": prompt.session_date.isoformat(),
        "due": prompt.due,
        "usual_pain": prompt.usual_pain,
        "answer": _checkin_json(prompt.answer),
        "zone": prompt.zone,
        "advice": prompt.advice,
        "asks_settled": prompt.asks_settled,
    }
