"""An alert after repeated failure: the system administrators hear once per row when a gateway stays down,
and once more when the row is given up; a WARNING names the row and its kind."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import IntegrityError, transaction

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.common import clock
from shequtong.inbox.models import Message
from shequtong.integrations import grid_local
from shequtong.notifications import outbox
from shequtong.notifications.models import Outbox, OutboxAlert

from ..factories import make_with_role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def admins(tree):  # type: ignore[no-untyped-def]
    return [make_with_role(Role.SYSADMIN), make_with_role(Role.SYSADMIN)]


@pytest.fixture
def escalation(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    case = case_services.create_case(actor=staff, community=tree.comm_a1, source="visit", category="construction",
                                     title="楼道灯损坏", content="3号楼楼道灯损坏")
    case_services.handle_case(actor=staff, case_id=case.pk, action="accept")
    case_services.handle_case(actor=staff, case_id=case.pk, action="escalate")
    return Outbox.objects.get(kind=case_services.GRID_SUBMIT)


def _fail_rounds(time_machine, n: int) -> None:  # type: ignore[no-untyped-def]
    """n delivery rounds, each after the row's backoff has passed."""
    for _ in range(n):
        outbox.deliver_due()
        time_machine.shift(dt.timedelta(hours=2))


def _alerts_to(user) -> list[Message]:  # type: ignore[no-untyped-def]
    return list(Message.objects.filter(recipient=user, subject__startswith="投递告警").order_by("created_at", "id"))


def test_the_admins_are_told_once_after_the_threshold_and_once_when_given_up(
        tree, admins, escalation, settings, time_machine, caplog):
    settings.OUTBOX_ALERT_AFTER_ATTEMPTS = 5
    settings.OUTBOX_MAX_ATTEMPTS = 9
    district = make_with_role(Role.DISTRICT_OBSERVER)
    grid_local.set_available(False)
    caplog.set_level(logging.WARNING, logger="shequtong.outbox")

    _fail_rounds(time_machine, 4)
    escalation.refresh_from_db()
    assert escalation.attempts == 4 and not OutboxAlert.objects.exists() and not _alerts_to(admins[0])

    _fail_rounds(time_machine, 1)  # the fifth failure in a row
    for admin in admins:
        [message] = _alerts_to(admin)
        assert "连续5次投递失败" in message.subject and f"#{escalation.pk}" in message.body
        assert message.link.endswith(f"?outbox={escalation.pk}")
    assert not _alerts_to(district)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "shequtong.outbox"]
    assert warnings == [warnings[0]] and f"outbox row {escalation.pk} (grid.submit) failed 5 times" in warnings[0]

    _fail_rounds(time_machine, 3)  # failures six to eight: no new alert
    assert all(len(_alerts_to(a)) == 1 for a in admins)

    _fail_rounds(time_machine, 3)  # the ninth attempt gives up; later rounds find nothing due
    escalation.refresh_from_db()
    assert escalation.status == Outbox.Status.DEAD and escalation.attempts == 9
    for admin in admins:
        assert [m.subject for m in _alerts_to(admin)] == [f"投递告警：上报网格化连续5次投递失败（#{escalation.pk}）",
                                                          f"投递告警：上报网格化已放弃投递（#{escalation.pk}）"]
    assert sorted(OutboxAlert.objects.values_list("reason", "failures")) == [("failing", 5), ("gave_up", 9)]
    assert any(f"outbox row {escalation.pk} (grid.submit) given up after 9 attempts" in r.getMessage() for r in caplog.records)


def test_a_permanent_refusal_alerts_once_as_given_up(tree, admins):
    row = outbox.enqueue(kind="email", payload={"user_id": admins[0].pk, "subject": "a"}, idempotency_key="no-address")
    outbox.deliver_due()  # the admin has no e-mail address: refused for good
    row.refresh_from_db()
    assert row.status == Outbox.Status.DEAD
    assert [m.subject for m in _alerts_to(admins[1])] == [f"投递告警：邮件已放弃投递（#{row.pk}）"]
    assert list(OutboxAlert.objects.values_list("reason", flat=True)) == ["gave_up"]


def test_a_row_that_recovers_before_the_threshold_raises_no_alert(tree, admins, escalation, time_machine):
    grid_local.set_available(False)
    _fail_rounds(time_machine, 4)
    grid_local.set_available(True)
    _fail_rounds(time_machine, 1)
    escalation.refresh_from_db()
    assert escalation.status == Outbox.Status.DELIVERED and not OutboxAlert.objects.exists() and not _alerts_to(admins[0])


def test_the_database_refuses_a_second_alert_for_the_same_row_and_reason(escalation):
    OutboxAlert.objects.create(outbox=escalation, reason="failing", failures=5, created_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxAlert.objects.create(outbox=escalation, reason="failing", failures=6, created_at=clock.now())


def test_the_threshold_defaults_to_five():
    from django.conf import settings as live

    assert live.OUTBOX_ALERT_AFTER_ATTEMPTS == 5
