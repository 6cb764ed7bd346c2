"""The delivery log against real servers on loopback: every attempt at the grid (submit, fetch, updates feed),
SMS and WeChat records its latency and the start of the answer or the error, without secrets or personal data."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from werkzeug import Request, Response

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.integrations import exchange
from shequtong.integrations.sms_http import HttpSmsGateway, SmsRejected
from shequtong.notifications import outbox
from shequtong.notifications.models import ChannelPreference, DeliveryAttempt, Outbox
from shequtong.open311 import services as open311_services

from ..factories import make_with_role
from .conftest import API_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)


def _escalate(tree, staff, content="3号楼楼道灯损坏，晚上看不见台阶。"):  # type: ignore[no-untyped-def]
    case = case_services.create_case(actor=staff, community=tree.comm_a1, source="visit", category="construction",
                                     title="楼道灯损坏", content=content)
    case_services.handle_case(actor=staff, case_id=case.pk, action="accept")
    return case_services.handle_case(actor=staff, case_id=case.pk, action="escalate")


def test_grid_submit_attempts_record_latency_and_the_answer_or_the_error(tree, staff, open311_settings, grid_sim,
                                                                         time_machine):
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC), tick=False)
    grid_sim.stop()
    case = _escalate(tree, staff)
    outbox.deliver_due()
    grid_sim.start("127.0.0.1", grid_sim.port)
    time_machine.shift(dt.timedelta(hours=2))
    outbox.deliver_due()
    failed, ok = DeliveryAttempt.objects.filter(outbox__idempotency_key=case.escalation_key).order_by("attempt")
    assert (failed.attempt, failed.ok, failed.result, failed.kind) == (1, False, "failed", "grid.submit")
    assert "URLError" in failed.response_excerpt or "ConnectionRefused" in failed.response_excerpt
    assert failed.latency_ms is not None and failed.reference == case.escalation_key
    case.refresh_from_db()
    assert (ok.ok, ok.result) == (True, "ok")
    assert json.loads(ok.response_excerpt)[0]["service_request_id"] == case.external_id
    assert ok.latency_ms is not None


def test_latency_is_the_time_the_outside_took(tree, staff, settings, httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.06)
        return Response(json.dumps({"code": "OK", "message_id": "m-9"}), content_type="application/json")

    httpserver.expect_request("/sms", method="POST").respond_with_handler(slow)
    settings.SMS_BACKEND = "shequtong.integrations.sms_http.HttpSmsGateway"
    settings.SMS_HTTP_URL = httpserver.url_for("/sms")
    settings.SMS_HTTP_API_KEY = "sms-secret-key-123"
    row = outbox.enqueue(kind="sms", payload={"user_id": staff.pk, "subject": "逾期提醒", "body": "b"}, idempotency_key="s1")
    assert outbox.deliver_due() == 1
    attempt = row.log.get()
    assert attempt.latency_ms >= 60
    assert json.loads(attempt.response_excerpt) == {"code": "OK", "message_id": "m-9"}


def test_a_refusal_keeps_the_providers_answer_with_personal_data_masked(tree, staff, settings, httpserver):
    httpserver.expect_request("/sms").respond_with_json(
        {"code": "BLACKLIST", "message": f"号码{staff.phone}在黑名单中", "key": "sms-secret-key-123"})
    settings.SMS_BACKEND = "shequtong.integrations.sms_http.HttpSmsGateway"
    settings.SMS_HTTP_URL = httpserver.url_for("/sms")
    settings.SMS_HTTP_API_KEY = "sms-secret-key-123"
    row = outbox.enqueue(kind="sms", payload={"user_id": staff.pk, "subject": "a"}, idempotency_key="s2")
    outbox.deliver_due()
    row.refresh_from_db()
    attempt = row.log.get()
    assert row.status == Outbox.Status.DEAD and attempt.result == "gave_up"
    assert "BLACKLIST" in attempt.response_excerpt and staff.masked_phone in attempt.response_excerpt
    assert staff.phone not in attempt.response_excerpt and "sms-secret-key-123" not in attempt.response_excerpt


def test_a_verification_sms_outside_the_outbox_is_logged_under_the_masked_number(tree, httpserver):
    httpserver.expect_request("/sms").respond_with_json({"code": "DENIED", "message": "频率超限"})
    with pytest.raises(SmsRejected):
        HttpSmsGateway(httpserver.url_for("/sms"), api_key="k", timeout=5).send("13912345678", "验证码123456")
    attempt = DeliveryAttempt.objects.get()
    assert attempt.outbox is None and attempt.kind == "sms" and attempt.reference == "139****5678"
    assert not attempt.ok and "DENIED" in attempt.response_excerpt and "123456" not in attempt.response_excerpt


def test_grid_polls_and_the_updates_feed_are_logged(tree, staff, open311_settings, grid_sim):
    case = _escalate(tree, staff)
    outbox.deliver_due()
    case.refresh_from_db()
    grid_sim.close(case.external_id, "已修复，联系人13912345678")
    case_services.poll_grid()
    fetch = DeliveryAttempt.objects.get(kind="grid.fetch")
    assert fetch.outbox is None and fetch.reference == case.external_id and fetch.ok and fetch.latency_ms is not None
    assert case.external_id in fetch.response_excerpt and "139****5678" in fetch.response_excerpt
    assert "13912345678" not in fetch.response_excerpt
    open311_services.pull_updates()
    updates = DeliveryAttempt.objects.get(kind="grid.updates")
    assert updates.ok and "update_id" in updates.response_excerpt and API_KEY not in updates.response_excerpt


def test_a_poll_while_the_grid_is_down_is_logged_as_a_failure(tree, staff, open311_settings, grid_sim):
    case = _escalate(tree, staff)
    outbox.deliver_due()
    grid_sim.stop()
    case_services.poll_grid()
    case.refresh_from_db()
    fetch = DeliveryAttempt.objects.get(kind="grid.fetch")
    assert not fetch.ok and fetch.result == "failed" and fetch.reference == case.external_id and fetch.response_excerpt


def test_wechat_token_never_reaches_the_log(tree, staff, settings, httpserver):
    cache.delete("wechat:access_token")
    httpserver.expect_request("/cgi-bin/token").respond_with_json({"access_token": "TOKEN-ABC-123", "expires_in": 7200})
    httpserver.expect_request("/cgi-bin/message/template/send").respond_with_json({"errcode": 0, "errmsg": "ok", "msgid": 5})
    settings.WECHAT_BACKEND = "shequtong.integrations.wechat.WeChatTemplateChannel"
    settings.WECHAT_API_BASE = httpserver.url_for("/").rstrip("/")
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, settings.WECHAT_TEMPLATE_ID = "app", "app-secret-xyz", "tpl"
    ChannelPreference.objects.create(user=staff, wechat=True, wechat_openid="o-openid-42")
    row = outbox.enqueue(kind="wechat", payload={"user_id": staff.pk, "subject": "提醒", "body": "b"}, idempotency_key="w1")
    assert outbox.deliver_due() == 1
    attempt = row.log.get()
    assert json.loads(attempt.response_excerpt)["msgid"] == 5
    assert "TOKEN-ABC-123" not in str(list(DeliveryAttempt.objects.values()))
    # Outside a delivery the token call is logged on its own, with the token redacted.
    cache.delete("wechat:access_token")
    from shequtong.integrations.wechat import WeChatTemplateChannel

    WeChatTemplateChannel().access_token()
    token_call = DeliveryAttempt.objects.get(kind="wechat.token")
    assert '"access_token": "***"' in token_call.response_excerpt and "TOKEN-ABC-123" not in token_call.response_excerpt


def test_a_wechat_error_code_is_a_failed_call(tree, staff, settings, httpserver):
    cache.set("wechat:access_token", "T", 60)
    httpserver.expect_request("/cgi-bin/message/template/send").respond_with_json({"errcode": 43004, "errmsg": "require subscribe"})
    settings.WECHAT_BACKEND = "shequtong.integrations.wechat.WeChatTemplateChannel"
    settings.WECHAT_API_BASE = httpserver.url_for("/").rstrip("/")
    ChannelPreference.objects.create(user=staff, wechat=True, wechat_openid="o-openid-43")
    row = outbox.enqueue(kind="wechat", payload={"user_id": staff.pk, "subject": "提醒"}, idempotency_key="w2")
    outbox.deliver_due()
    attempt = row.log.get()
    assert attempt.result == "gave_up" and "43004" in attempt.response_excerpt


@pytest.mark.parametrize(("raw", "hidden", "shown"), [
    ('{"access_token": "abc", "expires_in": 7200}', "abc", '"access_token": "***"'),
    ("GET /x?api_key=k-123456&jurisdiction_id=j", "k-123456", "api_key=***"),
    ("Authorization: Bearer sqt_abcdef", "sqt_abcdef", "Bearer ***"),
    ("身份证310113196001011234", "310113196001011234", "3101**********1234"),
    ("mail to li.xiuying@sqt.test refused", "li.xiuying@", "l***@sqt.test"),
    ("secret whsec_c2VjcmV0 leaked", "c2VjcmV0", "whsec_***"),
])
def test_redaction(raw, hidden, shown):
    out = exchange.redact(raw)
    assert hidden not in out and shown in out


def test_configured_secrets_are_redacted_wherever_they_appear(settings):
    settings.GRID_OPEN311_API_KEY = "grid-key-987654"
    assert "grid-key-987654" not in exchange.redact("bad key grid-key-987654 given")


def test_a_failing_sink_never_breaks_the_call():
    def broken(ex: exchange.Exchange) -> None:
        raise RuntimeError("sink down")

    exchange.add_sink(broken)
    try:
        with exchange.call("test.op", "r") as c:
            c.answer = "fine"
    finally:
        exchange._SINKS.remove(broken)
    assert DeliveryAttempt.objects.filter(kind="test.op", ok=True).count() == 1
