"""CT-8 end to end: a case escalated through the outbox reaches the simulated grid over Open311,
and its result comes back by polling, by the updates feed and by the signed callback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.cases.models import Case, CaseEvent, SendState, Status
from shequtong.integrations import webhooks
from shequtong.notifications import outbox
from shequtong.notifications.models import DeliveryAttempt, Outbox
from shequtong.open311 import services as open311_services
from shequtong.open311.models import WebhookReceipt

from ..factories import make_with_role
from .conftest import SECRET

pytestmark = pytest.mark.django_db


def _escalated_case(tree, staff, title="楼道灯损坏") -> Case:  # type: ignore[no-untyped-def]
    case = case_services.create_case(actor=staff, community=tree.comm_a1, source="visit", category="construction",
                                     title=title, content="3号楼楼道灯损坏，晚上看不见台阶。")
    case_services.handle_case(actor=staff, case_id=case.pk, action="accept")
    return case_services.handle_case(actor=staff, case_id=case.pk, action="escalate", note="需要区里协调")


@pytest.fixture
def staff(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)


def test_escalation_is_delivered_and_the_result_polled_back(tree, staff, open311_settings, grid_sim):
    case = _escalated_case(tree, staff)
    assert case.send_state == SendState.PENDING
    assert outbox.deliver_due() == 1
    case.refresh_from_db()
    assert case.send_state == SendState.SENT and case.external_id in grid_sim.requests
    req = grid_sim.requests[case.external_id]
    assert req.idempotency_key == case.escalation_key and req.attributes["case_id"] == str(case.pk)

    grid_sim.advance(case.external_id)
    case_services.poll_grid()
    case.refresh_from_db()
    assert case.grid_status == "in_progress" and case.status == Status.ESCALATED

    grid_sim.advance(case.external_id, "已更换楼道灯")
    case_services.poll_grid()
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.send_state == SendState.DONE and case.grid_result == "已更换楼道灯"
    assert case.events.filter(kind=CaseEvent.Kind.GRID_RESULT).count() == 1


def test_updates_feed_brings_results_back(tree, staff, open311_settings, grid_sim):
    case = _escalated_case(tree, staff)
    outbox.deliver_due()
    case.refresh_from_db()
    grid_sim.close(case.external_id, "已办结：灯已修好")
    assert open311_services.pull_updates() == 3
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.grid_result == "已办结：灯已修好"
    open311_services.pull_updates()  # read again: nothing changes twice
    assert case.events.filter(kind=CaseEvent.Kind.GRID_RESULT).count() == 1


def test_grid_down_for_a_while_escalations_wait_and_arrive_once(tree, staff, open311_settings, grid_sim, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False)
    grid_sim.stop()
    first = _escalated_case(tree, staff, "第一个问题")
    second = _escalated_case(tree, staff, "第二个问题")
    assert outbox.deliver_due() == 0
    for _ in range(3):  # several rounds of the outage, each after the backoff
        time_machine.shift(dt.timedelta(hours=2))
        assert outbox.deliver_due() == 0
    rows = Outbox.objects.filter(kind=case_services.GRID_SUBMIT)
    assert all(r.status == Outbox.Status.PENDING and r.attempts == 4 for r in rows)
    assert DeliveryAttempt.objects.filter(ok=False).count() == 8
    first.refresh_from_db()
    assert first.send_state == SendState.PENDING and first.status == Status.ESCALATED

    grid_sim.start("127.0.0.1", grid_sim.port)
    time_machine.shift(dt.timedelta(hours=2))
    assert outbox.deliver_due() == 2
    assert len(grid_sim.requests) == 2
    for case in (first, second):
        case.refresh_from_db()
        assert case.send_state == SendState.SENT

    # A worker that dies after the grid accepted but before recording it sends again: still one request.
    for row in rows:
        outbox.requeue(row)
    outbox.deliver_due()
    assert len(grid_sim.requests) == 2 and grid_sim.posts == 4


def _signed(body: bytes, *, msg_id: str, timestamp: int | None = None) -> dict[str, str]:
    h = webhooks.headers(SECRET, body, msg_id=msg_id, timestamp=timestamp)
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()}


def _update_body(external_id: str, status: str = "CLOSED", description: str = "已办结：灯已修好") -> bytes:
    return json.dumps({"update_id": "9", "service_request_id": external_id, "status": status,
                       "updated_datetime": "2026-11-27T10:00:00+08:00", "description": description}).encode()


def test_signed_callback_updates_the_case_and_a_replay_changes_nothing(client, tree, staff, open311_settings, grid_sim):
    case = _escalated_case(tree, staff)
    outbox.deliver_due()
    case.refresh_from_db()
    body = _update_body(case.external_id)
    url = "/open311/grid/callback"
    response = client.post(url, body, content_type="application/json", **_signed(body, msg_id="msg_a"))
    assert response.status_code == 200 and response.json()["code"] == "applied"
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.grid_result == "已办结：灯已修好"
    events = case.events.count()
    again = client.post(url, body, content_type="application/json", **_signed(body, msg_id="msg_a"))
    assert again.status_code == 200 and again.json()["code"] == "duplicate"
    assert case.events.count() == events and WebhookReceipt.objects.count() == 1


@pytest.mark.parametrize("attack", ["forged", "altered", "stale", "unsigned"])
def test_forged_or_stale_callbacks_are_refused(client, tree, staff, open311_settings, grid_sim, attack):
    case = _escalated_case(tree, staff)
    outbox.deliver_due()
    case.refresh_from_db()
    body = _update_body(case.external_id)
    headers = _signed(body, msg_id="msg_b")
    if attack == "forged":
        h = webhooks.headers("whsec_" + "QUJD" * 11, body, msg_id="msg_b")
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()}
    elif attack == "altered":
        body = _update_body(case.external_id, description="伪造的结果")
    elif attack == "stale":
        old = int(dt.datetime.now(dt.UTC).timestamp()) - 301
        headers = _signed(body, msg_id="msg_b", timestamp=old)
    else:
        headers = {}
    response = client.post("/open311/grid/callback", body, content_type="application/json", **headers)
    assert response.status_code == 401
    case.refresh_from_db()
    assert case.status == Status.ESCALATED and case.grid_result == "" and not WebhookReceipt.objects.exists()


def test_callback_for_an_unknown_request_asks_the_grid_to_retry(client, tree, staff, open311_settings):
    body = _update_body("no-such-request")
    response = client.post("/open311/grid/callback", body, content_type="application/json", **_signed(body, msg_id="msg_c"))
    assert response.status_code == 409 and not WebhookReceipt.objects.exists()


def test_callback_is_refused_when_no_secret_is_configured(client, settings):
    settings.GRID_WEBHOOK_SECRET = ""
    body = _update_body("1")
    assert client.post("/open311/grid/callback", body, content_type="application/json",
                       **_signed(body, msg_id="msg_d")).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_simulator_pushes_signed_callbacks_to_our_endpoint(live_server, tree, staff, open311_settings, grid_sim):
    """The whole loop over real HTTP both ways: the simulator pushes to the live server."""
    grid_sim.callback_url = live_server.url + "/open311/grid/callback"
    grid_sim.callback_secret = SECRET
    case = _escalated_case(tree, staff)
    assert outbox.deliver_due() == 1
    case.refresh_from_db()
    grid_sim.close(case.external_id, "网格中心已办结")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.grid_result == "网格中心已办结"
    assert all(u.pushed for u in grid_sim.updates)
    assert WebhookReceipt.objects.count() == 3
