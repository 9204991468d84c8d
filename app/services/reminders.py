"""Reminders: the patient's choice and phones, what staff see, and the worker's sending.

The rule of which reminders are due is domain.reminders; this module reads what it needs
(the plan in force through plans.plans_in_force, the day's summary), keeps one reminder_sends
row per patient, slot and local date, and sends each row's pushes once.
"""

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.domain.errors import Refused
from app.domain.localtime import local_date, utcnow
from app.domain.reminders import (
    EVENING,
    MESSAGES,
    SEND_WITHIN,
    TITLE,
    DueSlot,
    PatientDay,
    ReminderChoice,
    due_slots,
    next_attempt,
    parse_times,
    reminders_on,
    slot_name,
)
from app.domain.schedule import DueItem, due_by_day
from app.extensions import db
from app.models import DaySummary, Patient, PushSubscription, ReminderSend, ReminderSetting
from app.services import push
from app.services.plans import plans_in_force, schedule_of

# A claimed reminder is the claiming worker's for this long; after a crash, another's.
CLAIM_FOR = timedelta(minutes=2)
ENDPOINT_MAX = 1024
KEY_MAX = 128

# --- the patient's choice and phones ------------------------------------------------------


def setting_of(patient_id: int) -> ReminderSetting | None:
    """The patient's stored reminder choice, if they ever made one."""
    return db.session.get(ReminderSetting, patient_id)


def choice_of(setting: ReminderSetting | None) -> ReminderChoice:
    """The domain's view of a stored choice (none stored: reminders off, the plan's times)."""
    if setting is None:
        return ReminderChoice(enabled=False)
    return ReminderChoice(
        enabled=setting.enabled,
        times=parse_times(setting.times) if setting.times else None,
        evening_nudge=setting.evening_nudge,
        evening_time=setting.evening_time,
    )


def save_choice(
    patient: Patient, *, enabled: bool, times: str, evening_nudge: bool, evening_time: time
) -> ReminderSetting:
    """Store the patient's choice; times "" follows the plan. Raises Refused for bad times."""
    chosen = parse_times(times)
    setting = setting_of(patient.id) or ReminderSetting(patient_id=patient.id)
    setting.enabled = enabled
    setting.times = ",".join(slot_name(at) for at in chosen) or None
    setting.evening_nudge = evening_nudge
    setting.evening_time = evening_time
    db.session.add(setting)
    return setting


def subscribe(patient: Patient, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep a phone's push subscription (the same endpoint again updates it)."""
    problems = {}
    if not _push_service_url(endpoint):
        problems["endpoint"] = "The push endpoint must be a push service's https:// URL."
    elif len(endpoint) > ENDPOINT_MAX:
        problems["endpoint"] = f"The push endpoint is longer than {ENDPOINT_MAX} characters."
    for name, value in (("p256dh", p256dh), ("auth", auth)):
        if not value or len(value) > KEY_MAX or not value.isascii():
            problems[name] = f"The subscription's {name} key is missing or too long."
    if problems:
        raise Refused(problems)
    row = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    # A shared phone signed in by another patient: the browser's subscription is theirs now.
    row.patient_id, row.p256dh, row.auth = patient.id, p256dh, auth
    db.session.flush()
    return row


def _push_service_url(endpoint: str) -> bool:
    """Tell whether the worker may POST to endpoint: https to a named host, never an address.

    The endpoint comes from the browser, so the patient chooses it: without this check the
    worker could be made to send requests into the server's own network. PUSH_ALLOW_HTTP
    (the tests' local push service) allows http:// and loopback addresses.
    """
    try:
        url = urlsplit(endpoint)
        host = url.hostname or ""
    except ValueError:
        return False
    if current_app.config.get("PUSH_ALLOW_HTTP"):
        return url.scheme in ("http", "https") and bool(host)
    try:
        ipaddress.ip_address(host)
        return False  # an address, not a push service's name
    except ValueError:
        pass
    return url.scheme == "https" and "." in host and host != "localhost" and url.port is None


def unsubscribe(patient: Patient, endpoint: str) -> bool:
    """Forget one of the patient's phones; tell whether it was there."""
    deleted = db.session.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.patient_id == patient.id, PushSubscription.endpoint == endpoint
        )
    )
    return bool(getattr(deleted, "rowcount", 0))


@dataclass(frozen=True)
class ReminderStatus:
    """What the patient's page (and their physio) say about reminders."""

    choice: ReminderChoice
    devices: int
    last_sent_at: datetime | None

    @property
    def on(self) -> bool:
        """Reminders on: chosen, and a phone to send them to."""
        return reminders_on(self.choice.enabled, self.devices)


def status_of(patient: Patient) -> ReminderStatus:
    """The patient's reminder status, in two statements."""
    devices, last_sent = db.session.execute(
        sa.select(
            sa.func.count(PushSubscription.id), sa.func.max(PushSubscription.last_sent_at)
        ).where(PushSubscription.patient_id == patient.id)
    ).one()
    return ReminderStatus(choice_of(setting_of(patient.id)), int(devices), last_sent)


def reminder_columns() -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """Whether reminders are chosen, and whether a phone allowed them, as two columns of a
    statement over patients (the caseload reads them in its one statement)."""
    chosen = sa.exists().where(
        ReminderSetting.patient_id == Patient.id, ReminderSetting.enabled.is_(True)
    )
    phone = sa.exists().where(PushSubscription.patient_id == Patient.id)
    return chosen.label("reminders_chosen"), phone.label("reminder_phone")


def plan_times_per_day(patient: Patient, day: date) -> int:
    """The most sessions a day of any exercise in the patient's plan in the week from day."""
    programmes = plans_in_force([patient.id], day, day + timedelta(days=6)).get(patient.id, [])
    due = due_by_day(schedule_of(programmes), day, day + timedelta(days=6))
    return max((item.sessions for items in due.values() for item in items), default=1)


# --- the worker: plan the reminders due, then send each once -----------------------------


def _insert(model: type, rows: list[dict[str, object]]) -> None:
    """INSERT rows, leaving out any that would repeat a unique key (two workers at once)."""
    if not rows:
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(model).values(rows).on_conflict_do_nothing())


def plan_due(now: datetime) -> int:
    """Add a reminder_sends row for every reminder due at now; return how many slots were due.

    Four statements whatever the number of patients: those with reminders on and a phone,
    their plans in force (plans_in_force), their days' summaries, and one INSERT.
    """
    rows = db.session.execute(
        sa.select(Patient.id, Patient.timezone, ReminderSetting)
        .join(ReminderSetting, ReminderSetting.patient_id == Patient.id)
        .where(
            ReminderSetting.enabled.is_(True),
            sa.exists().where(PushSubscription.patient_id == Patient.id),
        )
    ).all()
    if not rows:
        return 0
    days = {patient_id: local_date(now, timezone) for patient_id, timezone, _ in rows}
    first, last = min(days.values()), max(days.values())
    plans = plans_in_force(list(days), first, last)
    summaries = db.session.execute(
        sa.select(DaySummary.patient_id, DaySummary.local_date, DaySummary.done_units).where(
            DaySummary.patient_id.in_(list(days)), DaySummary.local_date.between(first, last)
        )
    ).all()
    # Patients' local dates differ by at most a day: keep each one's own date only.
    done_units = {pid: done for pid, day, done in summaries if days[pid] == day}
    due: list[DueSlot] = []
    owners: list[int] = []
    for patient_id, timezone, setting in rows:
        day = days[patient_id]
        items = due_by_day(schedule_of(plans.get(patient_id, [])), day, day)[day]
        found = due_slots(
            now, timezone, choice_of(setting), _patient_day(day, items, done_units.get(patient_id))
        )
        due.extend(found)
        owners.extend([patient_id] * len(found))
    _insert(
        ReminderSend,
        [
            {
                "patient_id": owner,
                "slot": slot.slot,
                "local_date": slot.local_date,
                "due_at": slot.due_at,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for owner, slot in zip(owners, due, strict=True)
        ],
    )
    return len(due)


def _patient_day(day: date, items: list[DueItem], done_units: int | None) -> PatientDay:
    units = sum(item.unit_count for item in items)
    return PatientDay(
        local_date=day,
        exercise_day=bool(items),
        done=bool(items) and (done_units or 0) >= units,
        times_per_day=max((item.sessions for item in items), default=1),
    )


def claim_due(now: datetime, limit: int = 100) -> list[int]:
    """Claim reminders ready to send; each is claimed by one worker (a conditional UPDATE).

    Commits after each claim, so another worker sees it at once.
    """
    ready = sa.and_(
        ReminderSend.status == "pending",
        ReminderSend.next_attempt_at <= now,
        sa.or_(ReminderSend.claimed_until.is_(None), ReminderSend.claimed_until < now),
    )
    candidates = db.session.scalars(
        sa.select(ReminderSend.id).where(ready).order_by(ReminderSend.due_at).limit(limit)
    ).all()
    db.session.commit()
    claimed = []
    for send_id in candidates:
        won = db.session.scalar(
            sa.update(ReminderSend)
            .where(ReminderSend.id == send_id, ready)
            .values(claimed_until=now + CLAIM_FOR, attempts=ReminderSend.attempts + 1)
            .returning(ReminderSend.id)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if won is not None:
            claimed.append(won)
    return claimed


def payload(job: ReminderSend) -> str:
    """The push's JSON: a title, a line without health details, the page to open, a tag."""
    return json.dumps(
        {
            "title": TITLE,
            "body": MESSAGES[job.slot == EVENING],
            "url": "/today",
            # One notification a day on the phone: the evening nudge replaces the morning's.
            "tag": f"stride-{job.local_date.isoformat()}",
        }
    )


def send_claimed(send_id: int, now: datetime) -> str:
    """Send one claimed reminder to each of the patient's phones; return its new status.

    Subscriptions the push service calls gone (404, 410) are deleted; any other failure is
    tried again later (domain.reminders.next_attempt), until the reminder would be too late.
    """
    job = db.session.get(ReminderSend, send_id)
    if job is None or job.status != "pending":
        return job.status if job else "gone"
    subscriptions = db.session.scalars(
        sa.select(PushSubscription).where(PushSubscription.patient_id == job.patient_id)
    ).all()
    outcomes: list[push.Outcome] = []
    reasons: list[str] = []
    for subscription in subscriptions:
        outcome, reason = push.send(
            push.Push(
                endpoint=subscription.endpoint,
                p256dh=subscription.p256dh,
                auth=subscription.auth,
                payload=payload(job),
                topic=f"reminder-{job.local_date:%Y%m%d}",
                ttl=int((job.due_at + SEND_WITHIN - now).total_seconds()),
            )
        )
        outcomes.append(outcome)
        reasons.append(reason)
        if outcome is push.Outcome.GONE:
            db.session.delete(subscription)
        elif outcome is push.Outcome.SENT:
            subscription.last_sent_at = now
    job.claimed_until = None
    if push.Outcome.SENT in outcomes:
        job.status, job.sent_at = "sent", now
    elif push.Outcome.RETRY not in outcomes:  # no phone left to send it to
        job.status = "gone"
    else:
        retry = next_attempt(job.attempts, now, job.due_at)
        failures = [r for r, o in zip(reasons, outcomes, strict=True) if o is push.Outcome.RETRY]
        job.last_error = failures[0][:120]
        if retry is None:
            job.status = "failed"
        else:
            job.next_attempt_at = retry
    db.session.commit()
    return job.status


def run_due(now: datetime | None = None) -> dict[str, int]:
    """Plan and send the reminders due at now (the worker's one job); count the outcomes."""
    now = now or utcnow()
    due = plan_due(now)
    db.session.commit()
    counts: dict[str, int] = {"due": due}
    for send_id in claim_due(now):
        status = send_claimed(send_id, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def sends_of(patient_ids: Iterable[int]) -> list[ReminderSend]:
    """The reminder rows of some patients, oldest first (tests and the download)."""
    return list(
        db.session.scalars(
            sa.select(ReminderSend)
            .where(ReminderSend.patient_id.in_(list(patient_ids)))
            .order_by(ReminderSend.due_at, ReminderSend.id)
        )
    )
