"""A scale patient's history: ticks, check-ins, their sync events, day summaries and red flags.

Generated day by day from a seeded random generator, against the patient's programme
versions and a pain story (a trend from a start to an end level, with flare-ups). The day
summaries are what the app's own refresh would write for the same logs (test_scale.py).
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from app.devdata.bulk import Chunk, IdAllocator, Row
from app.devdata.recipes import Line
from app.domain.pain import PainThresholds, Zone, zone_of_day
from app.domain.schedule import (
    DueItem,
    PlanSnapshot,
    PrescriptionSpec,
    TickUnit,
    due_between,
    weekdays_from_mask,
)
from app.models import CheckIn, DaySummary, ExerciseLog, Flag, SyncEvent
from app.services.suggestions import red_day_message

RED_FLAG_OPEN_DAYS = 7  # red-day flags older than this were seen by the physio

LOG_COLUMNS = (
    "id", "patient_id", "prescription_id", "line_id", "local_date", "session", "side", "done",
    "sets_done", "pain", "client_time", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "patient_id", "kind", "local_date", "client_time", "received_at", "status", "payload",
)  # fmt: skip


@dataclass
class Version:
    """One programme version as written: its lines as they stood, with their prescription ids."""

    id: int
    effective_from: date
    thresholds: PainThresholds
    lines: list[tuple[Line, int]]

    def snapshot(self) -> PlanSnapshot:
        """Return the version as the schedule sees it."""
        # Built from the lines as generated, before they are written: the plan reader reads
        # rows from the database, which the bulk writer fills only at the end of a chunk.
        return PlanSnapshot(
            version_id=self.id,
            effective_from=self.effective_from,
            phase=0,
            prescriptions=tuple(
                PrescriptionSpec(
                    line_id=line.line_id,
                    exercise_id=line.exercise.id,
                    phase=0,
                    side=line.side,
                    days_of_week=(
                        weekdays_from_mask(line.days_of_week) if line.days_of_week else None
                    ),
                    times_per_week=line.times_per_week,
                )
                for line, _ in self.lines
            ),
        )


@dataclass
class PatientPlan:
    """What a patient's history is generated against: who, when, the versions, the pain story."""

    patient_id: int
    physio_id: int
    zone_info: ZoneInfo
    usual: int
    start: date
    today: date
    versions: list[Version] = field(default_factory=list)
    flares: dict[date, int] = field(default_factory=dict)  # day -> extra pain
    start_pain: int = 0
    end_pain: int = 0
    settle_days: int = 1

    def due(self) -> dict[date, list[DueItem]]:
        """Return what is due on every day of the history (the app's own schedule)."""
        # One programme, never archived: the schedule's due_between is the whole rule.
        snapshots = [version.snapshot() for version in self.versions]
        return due_between(self.start, snapshots, self.start, self.today)

    def trend(self, n: int) -> float:
        """Return the pain the story is at on the n-th day, before noise and flare-ups."""
        share = min(1.0, n / self.settle_days)
        return self.start_pain + (self.end_pain - self.start_pain) * share


# (session day, kind, pain, usual pain then, version id, entered at)
CheckInDraw = tuple[date, str, int, int | None, int, datetime]


@dataclass
class _DaySummaryDraw:
    day: date
    due_units: int
    done_units: int
    max_exercise_pain: int | None
    version: Version


def write_history(chunk: Chunk, ids: IdAllocator, rng: random.Random, plan: PatientPlan) -> None:
    """Generate the patient's ticks, check-ins, sync events, day summaries and red flags."""
    History(chunk, ids, rng, plan).write()


class History:
    """One patient's history, drawn day by day (the draws' order keeps the data the same)."""

    def __init__(
        self, chunk: Chunk, ids: IdAllocator, rng: random.Random, plan: PatientPlan
    ) -> None:
        self.chunk, self.ids, self.rng, self.plan = chunk, ids, rng, plan
        self.adherence = rng.uniform(0.70, 0.95)
        self.reports_exercise_pain = rng.random() < 0.15
        self.stops_on = (
            plan.today - timedelta(days=rng.randint(4, 40)) if rng.random() < 0.08 else None
        )
        self.due = plan.due()
        self.prescriptions = {
            version.id: {line.line_id: (pid, line.sets) for line, pid in version.lines}
            for version in plan.versions
        }
        # Next morning's question about a session: (session day, during pain, version id).
        self.morning_due: tuple[date, int, int] | None = None
        self.logs: list[Row] = []
        self.events: list[Row] = []
        self.checkins: list[CheckInDraw] = []
        self.summaries: list[_DaySummaryDraw] = []
        self.units_cache: dict[int, tuple[TickUnit, ...]] = {}

    def write(self) -> None:
        week_factor = 1.0
        for n, (day, version) in enumerate(self._days()):
            if day.weekday() == 0 or n == 0:
                week_factor = self.rng.uniform(0.8, 1.12)
            self._day(n, day, version, week_factor)
        pain_of = self._write_checkins()
        self._write_summaries(pain_of)
        self.chunk.add_tuples(ExerciseLog, LOG_COLUMNS, self.logs)
        self.chunk.add_tuples(SyncEvent, EVENT_COLUMNS, self.events)

    def _days(self) -> Iterator[tuple[date, Version]]:
        """Yield each day of the history with the version in force on it."""
        versions = self.plan.versions
        index = 0
        day = self.plan.start
        while day <= self.plan.today:
            while index + 1 < len(versions) and versions[index + 1].effective_from <= day:
                index += 1
            yield day, versions[index]
            day += timedelta(days=1)

    def _units_of(self, item: DueItem) -> tuple[TickUnit, ...]:
        # The same DueItem objects recur every week: work out their tick units once.
        units = self.units_cache.get(id(item))
        if units is None:
            units = self.units_cache[id(item)] = item.units
        return units

    def _day(self, n: int, day: date, version: Version, week_factor: float) -> None:
        rng, plan = self.rng, self.plan
        active = self.stops_on is None or day < self.stops_on
        extra = plan.flares.get(day, 0)
        trend = plan.trend(n)
        evening = datetime.combine(day, clock(18, rng.randrange(60)), tzinfo=plan.zone_info)
        evening = evening.astimezone(UTC)
        items = self.due[day]
        # Today is left as a morning before anything is done: its session and this morning's
        # answer would be timed later than now (the draws still happen: earlier days stay put).
        before_today = day < plan.today
        if self.morning_due is not None and active and rng.random() < 0.7 and before_today:
            self._morning_answer(day, version.thresholds, self.morning_due)
        self.morning_due = None
        done_units, max_pain = 0, None
        chance = min(0.99, self.adherence * week_factor - extra * 0.08)
        if items and active and rng.random() < chance and before_today:
            done_units, max_pain = self._session(day, version, items, trend, extra, evening)
        due_units = sum(len(self._units_of(item)) for item in items)
        self.summaries.append(_DaySummaryDraw(day, due_units, done_units, max_pain, version))

    def _morning_answer(
        self, day: date, thresholds: PainThresholds, asked: tuple[date, int, int]
    ) -> None:
        """Next morning's answer about yesterday's session (entered today)."""
        rng, usual = self.rng, self.plan.usual
        session_day, during_then, session_version = asked
        rise = 0 if rng.random() < 0.8 else 1
        if self.plan.flares.get(session_day, 0) or during_then > thresholds.amber_max_during:
            rise = rng.randint(2, 3)
        answer = datetime.combine(day, clock(8, rng.randrange(60)), tzinfo=self.plan.zone_info)
        # The morning answer is about the session day, under that day's version.
        self.checkins.append(
            (session_day, "morning", _clip(usual + rise), usual, session_version,
             answer.astimezone(UTC))
        )  # fmt: skip

    def _session(
        self,
        day: date,
        version: Version,
        items: Sequence[DueItem],
        trend: float,
        extra: int,
        evening: datetime,
    ) -> tuple[int, int | None]:
        """Tick most of the day's units; return the units done and the worst exercise pain."""
        rng = self.rng
        felt = _clip(trend + extra + rng.choice((-1, 0, 0, 0, 1)))
        done_units, max_pain = 0, None
        prescriptions = self.prescriptions[version.id]
        # When the session's ticks were made and received (worked out once, not per tick).
        times = (evening, evening + timedelta(seconds=3), evening.isoformat())
        for item in items:
            prescription_id, sets = prescriptions[item.line_id]
            for unit in self._units_of(item):
                if rng.random() >= 0.96:
                    continue
                done, pain = self._tick(day, unit, prescription_id, sets, felt, times)
                done_units += done
                if pain is not None:
                    max_pain = pain if max_pain is None else max(max_pain, pain)
        if rng.random() >= 0.85:  # did the exercises, skipped the pain question
            self.morning_due = (day, _clip(trend), version.id)
        else:
            self.checkins.append((day, "during", felt, None, version.id, evening))
            self.morning_due = (day, felt, version.id)
        return done_units, max_pain

    def _tick(
        self,
        day: date,
        unit: TickUnit,
        prescription_id: int,
        sets: int,
        during: int,
        times: tuple[datetime, datetime, str],
    ) -> tuple[bool, int | None]:
        """Log one unit (done, or sets counted but not finished) and its sync event."""
        rng = self.rng
        evening, received, evening_text = times
        counted = rng.random() < 0.03  # counted sets but did not finish them
        pain = None
        if self.reports_exercise_pain and rng.random() < 0.5:
            pain = _clip(during + rng.choice((-1, 0, 1)))
        sets_done = sets - 1 if counted and sets > 1 else sets
        done = sets_done >= sets
        patient_id = self.plan.patient_id
        self.logs.append(
            (self.ids.next("exercise_logs"), patient_id, prescription_id, unit.line_id,
             day, unit.session, unit.side, done, sets_done, pain, evening, received)
        )  # fmt: skip
        kind = "tick" if done else "sets"
        event_id = _uuid(rng)
        payload = (
            f'{{"id": "{event_id}", "type": "{kind}", "local_date": "{day}", '
            f'"line_id": {unit.line_id}, "prescription_id": {prescription_id}, '
            f'"session": {unit.session}, "side": "{unit.side}", '
            f'"client_time": "{evening_text}"'
            + ("" if done else f', "sets_done": {sets_done}')
            + ("" if pain is None else f', "pain": {pain}')
            + "}"
        )
        self.events.append((event_id, patient_id, kind, day, evening, received, "applied", payload))
        return done, pain

    def _write_checkins(self) -> dict[tuple[date, str], int]:
        """Add the check-ins and their sync events; return pain by (session day, kind)."""
        pain_of: dict[tuple[date, str], int] = {}
        patient_id = self.plan.patient_id
        for session_day, kind, pain, usual_then, version_id, at in self.checkins:
            pain_of[(session_day, kind)] = pain
            self.chunk.add(
                CheckIn,
                {
                    "id": self.ids.next("check_ins"), "patient_id": patient_id,
                    "session_date": session_day, "kind": kind, "pain": pain,
                    "usual_pain": usual_then, "note": "", "version_id": version_id, "edits": 0,
                    "client_time": at, "created_at": at, "updated_at": at,
                },
            )  # fmt: skip
            event_id = _uuid(self.rng)
            local = at.astimezone(self.plan.zone_info).date()
            self.events.append(
                (event_id, patient_id, "checkin", session_day, at, at + timedelta(seconds=3),
                 "applied",
                 f'{{"id": "{event_id}", "type": "checkin", "kind": "{kind}", '
                 f'"session_date": "{session_day}", "local_date": "{local}", "pain": {pain}, '
                 f'"note": "", "client_time": "{at.isoformat()}"}}')
            )  # fmt: skip
        return pain_of

    def _write_summaries(self, pain_of: dict[tuple[date, str], int]) -> None:
        """Add the summary of every day something was logged for, and flag the red ones."""
        flags = []
        for draw in self.summaries:
            summary = self._summary(draw, pain_of)
            if summary is None:
                continue
            self.chunk.add(DaySummary, summary)
            if summary["zone"] == Zone.RED:
                flags.append(self._red_flag(summary))
        for row in flags:
            self.chunk.add(Flag, row)

    def _summary(
        self, draw: _DaySummaryDraw, pain_of: dict[tuple[date, str], int]
    ) -> dict[str, Any] | None:
        during = pain_of.get((draw.day, "during"))
        morning_pain = pain_of.get((draw.day, "morning"))
        if not draw.done_units and during is None and morning_pain is None:
            return None  # the app writes a summary only for a day something was logged for
        usual = self.plan.usual
        zone = zone_of_day(
            during, [draw.max_exercise_pain], morning_pain, usual, draw.version.thresholds
        )
        return {
            "id": self.ids.next("day_summaries"), "patient_id": self.plan.patient_id,
            "local_date": draw.day, "version_id": draw.version.id, "due_units": draw.due_units,
            "done_units": draw.done_units, "during_pain": during, "morning_pain": morning_pain,
            "usual_pain": usual, "max_exercise_pain": draw.max_exercise_pain,
            "zone": str(zone) if zone else None, "logged": True,
            "updated_at": datetime.combine(draw.day, clock(20), tzinfo=UTC),
        }  # fmt: skip

    def _red_flag(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Return the red-day flag the app would raise; past weeks' flags were seen then."""
        day, updated = summary["local_date"], summary["updated_at"]
        seen = day < self.plan.today - timedelta(days=RED_FLAG_OPEN_DAYS)
        # The app's own words for the flag, read off an unsaved summary of the same day.
        message = red_day_message(DaySummary(**summary))
        return {
            "id": self.ids.next("flags"), "patient_id": self.plan.patient_id, "kind": "red_day",
            "local_date": day, "message": message, "created_at": updated,
            "resolved_at": updated + timedelta(days=1) if seen else None,
            "resolved_by_id": self.plan.physio_id if seen else None,
        }  # fmt: skip


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _clip(value: float) -> int:
    return max(0, min(10, round(value)))
