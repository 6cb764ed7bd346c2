"""Issue 12 item 5: the grid forgets a request it accepted (its process killed and restarted).

The real grid simulator serves on loopback; "killed" is its HTTP side stopped and
a fresh simulator (no state) started on the same port, as a restarted process would.
Polling detects the loss, re-submits once with the original idempotency key, and
hands the case back to the committee (信箱) and gives the re-submission up in the
delivery log (the administrators alerted) if the grid loses it again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.cases.models import Case, CaseEvent, SendState, Status
from shequtong.inbox.models import Message
from shequtong.integrations.grid_simulator import GridSimulator
from shequtong.notifications import outbox
from shequtong.notifications.models import DeliveryAttempt, Outbox, OutboxAlert

from ..factories import make_with_role
from .conftest import API_KEY, JURISDICTION

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)


@pytest.fixture
def secretary(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)


@pytest.fixture
def sysadmin(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.SYSADMIN)


@pytest.fixture
def restart(grid_sim: GridSimulator) -> Iterator[object]:
    """Kill the grid (its memory goes with it) and start a fresh one on the same port; returns the new one."""
    started: list[GridSimulator] = []

    def _restart() -> GridSimulator:
        old = started[-1] if started else grid_sim
        old.stop()
        fresh = GridSimulator(delay=None, api_key=API_KEY, jurisdiction_id=JURISDICTION)
        fresh.start("127.0.0.1", grid_sim.port)
        started.append(fresh)
        return fresh

    yield _restart
    for sim in started:
        sim.stop()


def _escalated_and_delivered(tree, staff) -> Case:  # type: ignore[no-untyped-def]
    case = case_services.create_case(actor=staff, community=tree.comm_a1, source="visit", category="construction",
                                     title="楼道灯损坏", content="3号楼楼道灯损坏，晚上看不见台阶。")
    case_services.handle_case(actor=staff, case_id=case.pk, action="accept")
    case_services.handle_case(actor=staff, case_id=case.pk, action="escalate")
    assert outbox.deliver_due() == 1
    case.refresh_from_db()
    assert case.send_state == SendState.SENT
    return case


def test_a_request_the_grid_forgot_is_resubmitted_once_and_then_tracked(tree, staff, open311_settings, grid_sim,
                                                                         restart):
    case = _escalated_and_delivered(tree, staff)
    key = case.escalation_key
    fresh = restart()
    assert fresh.requests == {}

    case_services.poll_grid()
    case.refresh_from_db()
    assert case.send_state == SendState.PENDING and case.status == Status.ESCALATED
    assert case.events.filter(kind=CaseEvent.Kind.GRID_RESENT).count() == 1

    case_services.poll_grid()  # nothing to poll while the re-submission waits in the outbox
    assert Outbox.objects.filter(kind=case_services.GRID_SUBMIT).count() == 2

    assert outbox.deliver_due() == 1
    case.refresh_from_db()
    assert case.send_state == SendState.SENT and case.external_id in fresh.requests
    assert [r.idempotency_key for r in fresh.requests.values()] == [key]  # same key: one request, never two

    # A second delivery of the re-submission (a worker killed after the grid accepted it) creates nothing.
    outbox.requeue(Outbox.objects.get(idempotency_key=key + case_services.RESEND_SUFFIX))
    outbox.deliver_due()
    assert len(fresh.requests) == 1 and fresh.posts == 2

    fresh.close(case.external_id, "已更换楼道灯")
    case_services.poll_grid()
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.grid_result == "已更换楼道灯"


def test_a_grid_that_still_knows_the_key_gives_back_its_request(tree, staff, open311_settings, grid_sim, settings):
    """A lost-looking id (here: the grid renumbered) re-sent with the same key makes no second request."""
    case = _escalated_and_delivered(tree, staff)
    real_id = case.external_id
    Case.objects.filter(pk=case.pk).update(external_id="999999")
    case_services.poll_grid()
    outbox.deliver_due()
    case.refresh_from_db()
    assert case.send_state == SendState.SENT and case.external_id == real_id and len(grid_sim.requests) == 1


def test_lost_again_hands_the_case_back_and_alerts(tree, staff, secretary, sysadmin, open311_settings, grid_sim,
                                                   restart):
    case = _escalated_and_delivered(tree, staff)
    restart()
    case_services.poll_grid()
    outbox.deliver_due()
    restart()  # the grid loses the re-submitted request too

    case_services.poll_grid()
    case.refresh_from_db()
    assert case.send_state == SendState.FAILED and case.status == Status.IN_PROGRESS
    assert Outbox.objects.filter(kind=case_services.GRID_SUBMIT).count() == 2  # no third submission
    assert Message.objects.filter(recipient=secretary, subject="上报网格化失败").count() == 1
    resent = Outbox.objects.get(idempotency_key=case.escalation_key + case_services.RESEND_SUFFIX)
    assert resent.status == Outbox.Status.DEAD
    assert DeliveryAttempt.objects.filter(outbox=resent, result=DeliveryAttempt.Result.GAVE_UP).count() == 1
    assert OutboxAlert.objects.filter(outbox=resent, reason=OutboxAlert.Reason.GAVE_UP).count() == 1
    assert Message.objects.filter(recipient=sysadmin, subject__startswith="投递告警").count() == 1

    # Flagged once: later polls neither ask about it nor alert again.
    before = DeliveryAttempt.objects.count()
    case_services.poll_grid()
    assert DeliveryAttempt.objects.count() == before
    assert Message.objects.filter(recipient=secretary, subject="上报网格化失败").count() == 1


def test_a_resubmission_the_grid_refuses_hands_the_case_back(tree, staff, secretary, open311_settings, grid_sim,
                                                              restart):
    case = _escalated_and_delivered(tree, staff)
    fresh = restart()
    fresh.api_key = "rotated"  # the restarted grid now refuses our key: the POST is refused (403)
    case_services.poll_grid()
    outbox.deliver_due()
    case.refresh_from_db()
    assert case.send_state == SendState.FAILED and case.status == Status.IN_PROGRESS
    assert Message.objects.filter(recipient=secretary, subject="上报网格化失败").count() == 1
    resent = Outbox.objects.get(idempotency_key=case.escalation_key + case_services.RESEND_SUFFIX)
    assert DeliveryAttempt.objects.filter(outbox=resent, result=DeliveryAttempt.Result.GAVE_UP).count() == 1
