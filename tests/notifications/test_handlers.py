"""The outbox handlers of the external channels: an adapter's error becomes retry or give-up by its `retryable`.

The adapters (integrations) only send and raise; the providers are real HTTP
servers on loopback (pytest-httpserver), nothing is patched.
"""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.integrations.errors import (
    GridRejected,
    IntegrationError,
    SmsRejected,
    SmsUnavailable,
)
from shequtong.notifications import handlers, outbox
from shequtong.notifications.models import ChannelPreference, Outbox

from ..factories import make_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, real_name="王丽华")


@pytest.fixture
def sms_provider(settings, httpserver):  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "shequtong.integrations.sms_http.HttpSmsGateway"
    settings.SMS_HTTP_URL = httpserver.url_for("/sms")
    settings.SMS_HTTP_API_KEY = "k"
    return httpserver


def _row(kind: str, user_id: int) -> Outbox:
    return outbox.enqueue(kind=kind, payload={"user_id": user_id, "subject": "逾期提醒", "body": "请尽快处理"},
                          idempotency_key=f"test:{kind}:{user_id}")


def test_the_external_channels_are_registered_under_their_channel_names():
    assert {handlers.EMAIL, handlers.SMS, handlers.WECHAT} <= set(outbox.registered_kinds())


def test_errors_say_whether_a_retry_may_help():
    assert SmsUnavailable("x").retryable and not SmsRejected("x").retryable and not GridRejected("x").retryable
    assert IntegrationError("x", retryable=False).retryable is False


def test_sms_provider_busy_is_retried_then_delivered(person, sms_provider):
    sms_provider.expect_ordered_request("/sms").respond_with_data("busy", status=503)
    sms_provider.expect_ordered_request("/sms").respond_with_json({"code": "OK", "message_id": "m-7"})
    row = _row(handlers.SMS, person.pk)
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == Outbox.Status.PENDING and "503" in row.last_error
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    assert outbox.deliver_due() == 1
    row.refresh_from_db()
    assert row.status == Outbox.Status.DELIVERED
    assert "【社区通】逾期提醒：请尽快处理" in sms_provider.log[-1][0].get_json()["content"]


def test_sms_refused_by_the_provider_is_given_up_at_once(person, sms_provider):
    sms_provider.expect_request("/sms").respond_with_json({"code": "BLACKLIST", "message": "黑名单号码"})
    row = _row(handlers.SMS, person.pk)
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == Outbox.Status.DEAD and row.attempts == 1 and "BLACKLIST" in row.last_error


def test_a_recipient_without_an_address_is_given_up(person):
    person.email = ""
    person.save(update_fields=["email"])
    ChannelPreference.objects.create(user=person, wechat=True, wechat_openid="")
    for kind in (handlers.EMAIL, handlers.WECHAT):
        row = _row(kind, person.pk)
        outbox.deliver_due()
        row.refresh_from_db()
        assert row.status == Outbox.Status.DEAD and row.attempts == 1, kind
