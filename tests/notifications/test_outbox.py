"""The outbox: idempotent enqueue, delivery with a log, backoff with jitter, giving up, re-queueing; the scheduler."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from shequtong.common.clock import now
from shequtong.notifications import outbox, scheduler
from shequtong.notifications.channels import ConsolePushChannel
from shequtong.notifications.models import Outbox, ScheduledJob

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)


class Flaky:
    """A receiver that fails a number of times, then accepts."""

    def __init__(self, failures: int, error: type[Exception] = outbox.RetryLater) -> None:
        self.failures = failures
        self.error = error
        self.received: list[dict] = []

    def __call__(self, row: Outbox) -> None:
        if self.failures:
            self.failures -= 1
            raise self.error("receiver unavailable")
        self.received.append(row.payload)


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    dead: list[int] = []
    r = Flaky(0)
    outbox.register("test.kind", r, on_dead=lambda row: dead.append(row.pk))
    r.dead = dead  # type: ignore[attr-defined]
    return r


def test_enqueue_is_idempotent_by_key():
    a = outbox.enqueue(kind="push", payload={"user_id": 1, "subject": "a"}, idempotency_key="k1")
    b = outbox.enqueue(kind="push", payload={"user_id": 1, "subject": "changed"}, idempotency_key="k1")
    assert a.pk == b.pk and Outbox.objects.count() == 1 and Outbox.objects.get().payload["subject"] == "a"


def test_delivery_marks_the_row_and_logs_the_attempt(receiver):
    row = outbox.enqueue(kind="test.kind", payload={"n": 1}, idempotency_key="d1")
    assert outbox.deliver_due() == 1
    row.refresh_from_db()
    assert row.status == Outbox.Status.DELIVERED and row.delivered_at is not None and row.attempts == 1
    assert receiver.received == [{"n": 1}]
    assert list(row.log.values_list("attempt", "ok")) == [(1, True)]
    assert outbox.deliver_due() == 0  # delivered rows are not sent again


def test_retries_back_off_exponentially_with_jitter_and_then_deliver(receiver, settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    receiver.failures = 5
    with time_machine.travel(T0, tick=False) as clock:
        row = outbox.enqueue(kind="test.kind", payload={"n": 2}, idempotency_key="d2")
        waits = []
        for _ in range(5):
            outbox.deliver_due()
            row.refresh_from_db()
            waits.append((row.next_attempt_at - now()).total_seconds())
            clock.move_to(row.next_attempt_at)
        for n, wait in enumerate(waits, start=1):
            nominal = min(60, 10 * 2 ** (n - 1))
            assert nominal * 0.5 <= wait <= nominal * 1.5
        assert outbox.deliver_due() == 1
    row.refresh_from_db()
    assert row.status == Outbox.Status.DELIVERED and row.attempts == 6
    assert list(row.log.values_list("ok", flat=True)) == [False] * 5 + [True]


def test_a_permanent_failure_is_given_up_at_once(receiver):
    receiver.failures, receiver.error = 1, outbox.PermanentFailure
    row = outbox.enqueue(kind="test.kind", payload={}, idempotency_key="d3")
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == Outbox.Status.DEAD and row.attempts == 1 and receiver.dead == [row.pk]


def test_rows_are_given_up_after_the_maximum_attempts_and_can_be_requeued(receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    receiver.failures = 10
    with time_machine.travel(T0, tick=False) as clock:
        row = outbox.enqueue(kind="test.kind", payload={}, idempotency_key="d4")
        for _ in range(5):
            outbox.deliver_due()
            clock.shift(dt.timedelta(hours=2))
    row.refresh_from_db()
    assert row.status == Outbox.Status.DEAD and row.attempts == 3 and receiver.dead == [row.pk]
    receiver.failures = 0
    outbox.requeue(row)
    assert outbox.deliver_due() == 1


def test_an_unexpected_error_is_retried_not_lost(settings):
    def broken(row: Outbox) -> None:
        raise KeyError("bug")

    outbox.register("test.broken", broken)
    row = outbox.enqueue(kind="test.broken", payload={}, idempotency_key="d5")
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == Outbox.Status.PENDING and "KeyError" in row.last_error


def test_a_claimed_row_is_not_delivered_twice(receiver):
    row = outbox.enqueue(kind="test.kind", payload={}, idempotency_key="d6")
    claimed = outbox._claim(row.pk)
    assert claimed is not None
    assert outbox._claim(row.pk) is None  # a second worker finds it leased
    assert outbox.deliver_due() == 0


def test_push_rows_reach_the_channel():
    ConsolePushChannel.sent.clear()
    outbox.enqueue(kind="push", payload={"user_id": 7, "subject": "逾期提醒", "body": "b", "link": "/cases/"}, idempotency_key="p1")
    call_command("worker", "--once")
    assert ConsolePushChannel.sent == [{"user_id": 7, "subject": "逾期提醒", "body": "b", "link": "/cases/"}]


def test_scheduler_runs_a_job_once_per_slot(settings):
    calls: list[int] = []
    settings.WORKER_SCHEDULE = {**settings.WORKER_SCHEDULE, "test.job": 600}
    scheduler.register("test.job", lambda: calls.append(1))
    try:
        with time_machine.travel(T0, tick=False) as clock:
            assert "test.job" in scheduler.run_due()
            assert "test.job" not in scheduler.run_due()
            clock.shift(dt.timedelta(seconds=599))
            assert "test.job" not in scheduler.run_due()
            clock.shift(dt.timedelta(seconds=1))
            assert "test.job" in scheduler.run_due()
    finally:
        scheduler._JOBS.pop("test.job", None)
    assert calls == [1, 1]
    assert ScheduledJob.objects.get(name="test.job").last_error == ""


def test_a_failing_job_records_its_error_and_others_still_run(settings):
    ran: list[str] = []

    def bad() -> None:
        raise ValueError("boom")

    scheduler.register("test.bad", bad)
    scheduler.register("test.good", lambda: ran.append("good"))
    try:
        scheduler.run_due()
    finally:
        scheduler._JOBS.pop("test.bad", None)
        scheduler._JOBS.pop("test.good", None)
    assert ran == ["good"]
    assert "boom" in ScheduledJob.objects.get(name="test.bad").last_error
