"""The worker sends each reminder once, signed and encrypted; gone phones are forgotten."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import worker
from app.extensions import db
from app.models import PushSubscription, ReminderSend
from app.services import reminders
from tests.factories import committed_patient

WEDNESDAY = date(2026, 12, 2)
AT_NINE = datetime(2026, 12, 2, 9, 0, 30, tzinfo=UTC)  # London is on GMT in December


def sends(patient):  # type: ignore[no-untyped-def]
    return [(s.slot, s.local_date, s.status) for s in reminders.sends_of([patient.id])]


def test_a_due_reminder_arrives_signed_and_encrypted_with_no_health_details(reminded, push_service):  # type: ignore[no-untyped-def]
    counts = reminders.run_due(AT_NINE)
    assert counts == {"due": 1, "sent": 1}
    assert push_service.refused == []
    [push] = push_service.received
    assert push.message == {
        "title": "Stride",
        "body": "Time for today's exercises.",
        "url": "/today",
        "tag": "stride-2026-12-02",
    }
    assert push.claims["aud"] == push_service.origin
    assert push.claims["sub"] == "mailto:tests@stride.invalid"
    assert push.headers["topic"] == "reminder-20261202"
    assert 0 < int(push.headers["ttl"]) <= 2 * 3600
    assert sends(reminded) == [("09:00", WEDNESDAY, "sent")]


def test_running_again_sends_nothing_more(reminded, push_service):  # type: ignore[no-untyped-def]
    reminders.run_due(AT_NINE)
    for minutes in (1, 5, 60):
        assert reminders.run_due(AT_NINE + timedelta(minutes=minutes)) == {"due": 1}
    assert len(push_service.received) == 1


def test_nothing_on_a_rest_day_or_a_day_already_done(make, reminded, push_service):  # type: ignore[no-untyped-def]
    thursday = AT_NINE + timedelta(days=1)
    assert reminders.run_due(thursday) == {"due": 0}
    make.days(reminded, WEDNESDAY, WEDNESDAY, due=1, done=1)
    assert reminders.run_due(AT_NINE) == {"due": 0}
    assert push_service.received == []


def test_the_evening_nudge_comes_only_while_the_day_is_not_done(make, reminded, push_service):  # type: ignore[no-untyped-def]
    evening = datetime(2026, 12, 2, 20, 1, tzinfo=UTC)
    reminders.run_due(evening)
    [push] = push_service.received
    assert push.message["body"] == "Still time for today's exercises before the day ends."
    friday_evening = evening + timedelta(days=2)
    make.days(reminded, friday_evening.date(), friday_evening.date(), due=1, done=1)
    assert reminders.run_due(friday_evening) == {"due": 0}


def test_a_subscription_the_push_service_calls_gone_is_deleted(reminded, push_service):  # type: ignore[no-untyped-def]
    push_service.answers["/push/phone"] = [410]
    assert reminders.run_due(AT_NINE) == {"due": 1, "gone": 1}
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
    assert sends(reminded) == [("09:00", WEDNESDAY, "gone")]


def test_a_404_deletes_that_phone_and_the_others_still_get_it(reminded, push_service):  # type: ignore[no-untyped-def]
    tablet = push_service.subscription("tablet")
    reminders.subscribe(reminded, tablet["endpoint"], **tablet["keys"])
    push_service.answers["/push/phone"] = [404]
    assert reminders.run_due(AT_NINE) == {"due": 1, "sent": 1}
    assert [r.path for r in push_service.received] == ["/push/tablet"]
    left = db.session.scalars(sa.select(PushSubscription.endpoint)).all()
    assert left == [tablet["endpoint"]]


def test_other_failures_are_retried_with_backoff_then_given_up(reminded, push_service):  # type: ignore[no-untyped-def]
    push_service.answers["/push/phone"] = [500, 503]
    assert reminders.run_due(AT_NINE) == {"due": 1, "pending": 1}
    [job] = reminders.sends_of([reminded.id])
    assert (job.attempts, job.next_attempt_at) == (1, AT_NINE + timedelta(minutes=1))
    assert job.last_error == "push service answered 500"
    # Not before the retry is due.
    assert reminders.run_due(AT_NINE + timedelta(seconds=30)) == {"due": 1}
    assert reminders.run_due(AT_NINE + timedelta(minutes=1)) == {"due": 1, "pending": 1}
    db.session.refresh(job)
    assert job.next_attempt_at == AT_NINE + timedelta(minutes=3)  # 1 minute later, then 2
    assert reminders.run_due(AT_NINE + timedelta(minutes=3)) == {"due": 1, "sent": 1}
    assert len(push_service.received) == 1 and push_service.refused == []


def test_a_reminder_that_keeps_failing_is_given_up_before_it_is_too_late(reminded, push_service):  # type: ignore[no-untyped-def]
    push_service.answers["/push/phone"] = [500] * 20
    now = AT_NINE
    statuses = []
    for _ in range(10):
        statuses.append(reminders.run_due(now))
        [job] = reminders.sends_of([reminded.id])
        if job.status != "pending":
            break
        now = job.next_attempt_at
    assert job.status == "failed" and job.attempts <= 6
    assert push_service.received == []


def test_a_claim_left_by_a_crashed_worker_is_taken_over_after_it_expires(reminded, push_service):  # type: ignore[no-untyped-def]
    reminders.plan_due(AT_NINE)
    assert len(reminders.claim_due(AT_NINE)) == 1  # this worker dies before sending
    assert reminders.run_due(AT_NINE + timedelta(seconds=10)) == {"due": 1}  # still claimed
    later = AT_NINE + reminders.CLAIM_FOR + timedelta(seconds=1)
    assert reminders.run_due(later) == {"due": 1, "sent": 1}
    assert len(push_service.received) == 1


def test_reminders_off_or_no_phone_plans_nothing(reminded, push_service):  # type: ignore[no-untyped-def]
    reminders.save_choice(
        reminded, enabled=False, times="09:00", evening_nudge=False, evening_time=time(20)
    )
    assert reminders.run_due(AT_NINE) == {"due": 0}
    reminders.save_choice(
        reminded, enabled=True, times="09:00", evening_nudge=False, evening_time=time(20)
    )
    reminders.unsubscribe(reminded, push_service.subscription("phone")["endpoint"])
    assert reminders.run_due(AT_NINE) == {"due": 0}


def test_flask_worker_once_runs_the_due_work(reminded, push_service, runner, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(worker, "utcnow", lambda: AT_NINE)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output and len(push_service.received) == 1


def test_flask_push_keys_prints_a_usable_pair(runner):  # type: ignore[no-untyped-def]
    from app.services.push import public_key_of

    result = runner.invoke(args=["push", "keys"])
    private = result.output.split("VAPID_PRIVATE_KEY=")[1].split()[0]
    assert public_key_of(private) in result.output


@pytest.fixture
def committed_reminded(app, push_service):  # type: ignore[no-untyped-def]
    """A patient with reminders on and two phones, committed so other connections see them."""

    def reminded(make, patient, exercise) -> int:  # type: ignore[no-untyped-def]
        make.programme(patient, [exercise], start=date(2026, 11, 2))
        reminders.save_choice(
            patient, enabled=True, times="09:00", evening_nudge=False, evening_time=time(20)
        )
        for name in ("phone", "tablet"):
            phone = push_service.subscription(f"{name}-{patient.id}")
            reminders.subscribe(patient, phone["endpoint"], **phone["keys"])
        return patient.id

    yield from committed_patient(app, "Reminder race clinic", reminded)


def test_two_workers_started_at_once_send_each_reminder_once(app, committed_reminded, push_service):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def one_worker() -> None:
        barrier.wait()
        results.append(worker.run_once(app, clock=lambda: AT_NINE))

    threads = [threading.Thread(target=one_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2 and not any(r.get("errors") for r in results), results
    # One reminder, to each of the two phones once, whichever worker sent it.
    assert sorted(r.path.split("-")[0] for r in push_service.received) == [
        "/push/phone",
        "/push/tablet",
    ]
    assert sum(r.get("sent", 0) for r in results) == 1
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ReminderSend).where(ReminderSend.patient_id == committed_reminded)
        ).all()
        assert [(r.slot, r.status, r.attempts) for r in rows] == [("09:00", "sent", 1)]


@pytest.mark.parametrize("patients", [1, 12])
def test_planning_the_due_reminders_takes_four_statements_for_any_number_of_patients(
    make, physio, push_service, query_counter, patients
):  # type: ignore[no-untyped-def]
    for n in range(patients):
        someone = make.patient(physio, timezone=("Europe/London", "America/New_York")[n % 2])
        make.programme(someone, start=date(2026, 11, 2))
        make.days(someone, WEDNESDAY - timedelta(days=3), WEDNESDAY, due=1, done=0)
        reminders.save_choice(
            someone, enabled=True, times="09:00", evening_nudge=False, evening_time=time(20)
        )
        phone = push_service.subscription(f"p{n}")
        reminders.subscribe(someone, phone["endpoint"], **phone["keys"])
    with query_counter() as statements:
        due = reminders.plan_due(AT_NINE)
    assert due == (patients + 1) // 2  # London's 09:00; New York's is five hours later
    assert len(statements) == 4, statements
