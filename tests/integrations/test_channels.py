"""NF-6 channels against real servers on loopback: e-mail to an SMTP server (aiosmtpd), SMS and WeChat
to HTTP providers (pytest-httpserver); preferences decide the channels; a channel down delays, never loses."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from email.message import Message as MimeMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.integrations import sms
from shequtong.integrations.sms_http import HttpSmsGateway, SmsRejected, SmsUnavailable
from shequtong.integrations.wechat import (
    ConsoleWeChatChannel,
    WeChatDeliveryError,
    WeChatTemplateChannel,
)
from shequtong.notifications import outbox, preferences
from shequtong.notifications.models import ChannelPreference, Outbox

from ..factories import make_with_role

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[MimeMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """A real SMTP server on loopback that can be taken down and brought back on the same port."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.port = _free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop(no_assert=True)
            self.controller = None


@pytest.fixture
def smtp(settings) -> Iterator[tuple[SmtpServer, Inbox]]:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    server = SmtpServer(inbox)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "社区通 <noreply@sqt.test>"
    yield server, inbox
    server.stop()


@pytest.fixture
def person(tree):  # type: ignore[no-untyped-def]
    user = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, real_name="陈建国")
    user.email = "chen@sqt.test"
    user.save(update_fields=["email"])
    return user


def _push(user, key="overdue:1:24h") -> Outbox:  # type: ignore[no-untyped-def]
    return outbox.enqueue(kind="push", payload={"user_id": user.pk, "subject": "逾期提醒：24小时未回应",
                                                "body": "问题“楼道灯损坏”已24小时未回应", "link": "/cases/1/"},
                          idempotency_key=key)


def test_visit_email_reaches_a_real_smtp_server(tree, smtp):
    from shequtong.visits import services as visit_services

    _, inbox = smtp
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    member = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英")
    member.email = "li@sqt.test"
    member.save(update_fields=["email"])
    visit = visit_services.create_visit(actor=staff, submit=True, data=visit_services.VisitInput(
        community_id=tree.comm_a1.pk, visit_type="home", title="走访", content="内容", visited_on=dt.date(2026, 1, 5),
        person_id=member.pk))
    visit_services.approve_visit(actor=secretary, visit_id=visit.pk)
    visit_services.send_email(actor=staff, visit_id=visit.pk, subject="楼道灯已报修", body="您反映的楼道灯已报修。")
    assert outbox.deliver_due() == 1
    [message] = inbox.messages
    assert message["To"] == "li@sqt.test" and "楼道灯已报修" in message["Subject"]
    assert "您反映的楼道灯已报修" in message.get_content()


def test_smtp_down_delays_the_mail_and_it_arrives_once(tree, person, smtp, time_machine):
    controller, inbox = smtp
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC), tick=False)
    controller.stop()
    row = outbox.enqueue(kind="email", payload={"user_id": person.pk, "subject": "通知", "body": "正文"},
                         idempotency_key="mail-1")
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == Outbox.Status.PENDING and row.attempts == 1 and row.last_error
    controller.start()
    time_machine.shift(dt.timedelta(hours=2))
    assert outbox.deliver_due() == 1
    time_machine.shift(dt.timedelta(hours=2))
    assert outbox.deliver_due() == 0
    assert len(inbox.messages) == 1


def test_refused_recipient_is_permanent(tree, person, smtp, settings):
    _, inbox = smtp

    async def refuse(server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return "550 no such user"

    inbox.handle_RCPT = refuse  # type: ignore[attr-defined]
    row = outbox.enqueue(kind="email", payload={"user_id": person.pk, "subject": "a", "body": "b"}, idempotency_key="m2")
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == Outbox.Status.DEAD and not inbox.messages


def test_http_sms_gateway_speaks_the_provider_contract(httpserver):
    httpserver.expect_request("/sms", method="POST", headers={"Authorization": "Bearer k1"}).respond_with_json(
        {"code": "OK", "message_id": "m-1"})
    gw = HttpSmsGateway(httpserver.url_for("/sms"), api_key="k1", sign_name="宝山社区通", timeout=5)
    assert gw.send("13912345678", "您的验证码是123456") == "m-1"
    sent = httpserver.log[0][0].get_json()
    assert sent == {"phone": "13912345678", "sign_name": "宝山社区通", "content": "您的验证码是123456"}


def test_http_sms_errors_are_retryable_or_permanent(httpserver):
    httpserver.expect_ordered_request("/sms").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/sms").respond_with_json({"code": "BLACKLIST", "message": "黑名单号码"})
    gw = HttpSmsGateway(httpserver.url_for("/sms"), api_key="k", timeout=5)
    with pytest.raises(SmsUnavailable):
        gw.send("13912345678", "x")
    with pytest.raises(SmsRejected):
        gw.send("13912345678", "x")
    assert isinstance(SmsRejected("x"), sms.SmsDeliveryError)
    with pytest.raises(SmsUnavailable):
        HttpSmsGateway(f"http://127.0.0.1:{_free_port()}/sms", timeout=2).send("13912345678", "x")


def test_registration_codes_go_through_the_http_gateway(tree, settings, httpserver):
    httpserver.expect_request("/sms", method="POST").respond_with_json({"code": "OK", "message_id": "m-2"})
    settings.SMS_BACKEND = "shequtong.integrations.sms_http.HttpSmsGateway"
    settings.SMS_HTTP_URL = httpserver.url_for("/sms")
    account_services.send_sms_code(phone="13912345670")
    assert "验证码" in httpserver.log[0][0].get_json()["content"]


@pytest.fixture
def wechat_api(httpserver, settings):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.delete("wechat:access_token")
    return httpserver


def test_wechat_template_message_with_a_cached_token(wechat_api):
    wechat_api.expect_oneshot_request("/cgi-bin/token").respond_with_json({"access_token": "T1", "expires_in": 7200})
    wechat_api.expect_request("/cgi-bin/message/template/send", query_string={"access_token": "T1"}).respond_with_json(
        {"errcode": 0, "errmsg": "ok", "msgid": 77})
    ch = WeChatTemplateChannel(wechat_api.url_for("/").rstrip("/"), app_id="a", app_secret="s", template_id="tpl", timeout=5)
    assert ch.send(openid="o-1", title="逾期提醒", body="问题已逾期", link="https://x.test/cases/1/") == "77"
    assert ch.send(openid="o-1", title="再次", body="b") == "77"  # the token is reused (the token URL was one-shot)
    body = wechat_api.log[1][0].get_json()
    assert body["touser"] == "o-1" and body["template_id"] == "tpl" and body["data"]["first"]["value"] == "逾期提醒"


def test_wechat_expired_token_is_refreshed_once_and_errors_are_classified(wechat_api):
    wechat_api.expect_ordered_request("/cgi-bin/token").respond_with_json({"access_token": "OLD", "expires_in": 7200})
    wechat_api.expect_ordered_request("/cgi-bin/message/template/send").respond_with_json({"errcode": 42001, "errmsg": "expired"})
    wechat_api.expect_ordered_request("/cgi-bin/token").respond_with_json({"access_token": "NEW", "expires_in": 7200})
    wechat_api.expect_ordered_request("/cgi-bin/message/template/send").respond_with_json({"errcode": 0, "msgid": 1})
    wechat_api.expect_ordered_request("/cgi-bin/message/template/send").respond_with_json({"errcode": -1, "errmsg": "busy"})
    wechat_api.expect_ordered_request("/cgi-bin/message/template/send").respond_with_json({"errcode": 43004, "errmsg": "unfollowed"})
    ch = WeChatTemplateChannel(wechat_api.url_for("/").rstrip("/"), app_id="a", app_secret="s", template_id="t", timeout=5)
    assert ch.send(openid="o", title="t", body="b") == "1"
    with pytest.raises(WeChatDeliveryError) as busy:
        ch.send(openid="o", title="t", body="b")
    assert busy.value.retryable
    with pytest.raises(WeChatDeliveryError) as gone:
        ch.send(openid="o", title="t", body="b")
    assert not gone.value.retryable


def test_reminder_fans_out_to_the_channels_the_person_accepts(tree, person, smtp):
    _, inbox = smtp
    ConsoleWeChatChannel.sent.clear()
    sms.ConsoleSmsGateway.sent.clear()
    assert preferences.accepts(person, "email") and not preferences.accepts(person, "sms")
    ChannelPreference.objects.create(user=person, email=True, sms=True, wechat=True, wechat_openid="o-42")
    _push(person)
    outbox.deliver_due()   # the push, which enqueues one row per channel
    outbox.deliver_due()   # the channels
    assert sorted(Outbox.objects.exclude(kind="push").values_list("kind", flat=True)) == ["email", "sms", "wechat"]
    assert all(r.status == Outbox.Status.DELIVERED for r in Outbox.objects.all())
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "chen@sqt.test"
    assert sms.ConsoleSmsGateway.sent[-1][0] == person.phone and "逾期提醒" in sms.ConsoleSmsGateway.sent[-1][1]
    assert ConsoleWeChatChannel.sent[-1]["openid"] == "o-42"


def test_channels_switched_off_receive_nothing(tree, person, smtp):
    _, inbox = smtp
    preferences.set_preferences(actor=person, email=False, sms=False, wechat=False)
    _push(person)
    outbox.deliver_due()
    outbox.deliver_due()
    assert list(Outbox.objects.values_list("kind", flat=True)) == ["push"] and not inbox.messages


def test_one_channel_down_delays_only_its_own_message(tree, person, smtp, time_machine):
    controller, inbox = smtp
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC), tick=False)
    preferences.set_preferences(actor=person, email=True, sms=True, wechat=False)
    controller.stop()
    _push(person)
    outbox.deliver_due()
    outbox.deliver_due()
    assert Outbox.objects.get(kind="sms").status == Outbox.Status.DELIVERED
    assert Outbox.objects.get(kind="email").status == Outbox.Status.PENDING
    controller.start()
    time_machine.shift(dt.timedelta(hours=2))
    outbox.deliver_due()
    assert Outbox.objects.get(kind="email").status == Outbox.Status.DELIVERED and len(inbox.messages) == 1


def test_preferences_page_in_me(client, tree, person):
    client.force_login(person)
    assert reverse("notifications:preferences") in client.get(reverse("accounts:me")).content.decode()
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert person.masked_phone in page and person.phone not in page
    client.post(reverse("notifications:preferences"), {"email_address": "new@sqt.test", "sms": "on"})
    pref = ChannelPreference.objects.get(user=person)
    person.refresh_from_db()
    assert (pref.email, pref.sms, pref.wechat, person.email) == (False, True, False, "new@sqt.test")
    response = client.post(reverse("notifications:preferences"), {"email_address": "not-an-address", "email": "on"})
    assert response.status_code == 200 and "有效" in response.content.decode()
    person.refresh_from_db()
    assert person.email == "new@sqt.test"


def test_preferences_page_needs_a_login(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_email_attempts_keep_the_servers_answer_without_the_address(tree, person, smtp):
    _, inbox = smtp

    async def refuse(server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return f"550 no such user {address}"

    ok = outbox.enqueue(kind="email", payload={"user_id": person.pk, "subject": "a", "body": "b"}, idempotency_key="m3")
    outbox.deliver_due()
    inbox.handle_RCPT = refuse  # type: ignore[attr-defined]
    refused = outbox.enqueue(kind="email", payload={"user_id": person.pk, "subject": "a", "body": "b"}, idempotency_key="m4")
    outbox.deliver_due()
    delivered, failed = ok.log.get(), refused.log.get()
    assert delivered.ok and delivered.response_excerpt == "accepted by smtp backend" and delivered.latency_ms is not None
    assert not failed.ok and failed.response_excerpt.startswith("550 no such user")
    assert "c***@sqt.test" in failed.response_excerpt and person.email not in failed.response_excerpt
