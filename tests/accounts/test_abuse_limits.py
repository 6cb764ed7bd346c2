"""Issue 12 items 7 and 8: registration does not tell who is registered; SMS codes and logins are limited by address."""

import pytest
from django.urls import reverse

from shequtong.accounts import captcha, services
from shequtong.accounts.models import User
from shequtong.common.clientip import client_ip
from shequtong.common.errors import ValidationFailed
from shequtong.integrations.sms import ConsoleSmsGateway

from ..conftest import last_sms_code
from ..factories import PASSWORD, make_user, make_with_role
from .test_registration import GOOD_PHONE, reg

pytestmark = pytest.mark.django_db
JSON = "application/json"


# --- item 7: registration ---------------------------------------------------------------

def test_a_wrong_code_answers_alike_for_registered_and_new_id_numbers(client):
    existing = make_user()
    services.send_sms_code(phone=GOOD_PHONE)
    wrong = "000000" if last_sms_code() != "000000" else "111111"
    answers = []
    for id_number in (existing.id_number, "11010519491231002X"):
        body = {"username": f"u{len(answers)}", "real_name": "王小红", "id_number": id_number, "phone": GOOD_PHONE,
                "sms_code": wrong, "password": "Tq7#vandal-lake", "consent": True}
        r = client.post("/api/v1/accounts/register", body, content_type=JSON)
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1]
    assert "已注册" not in str(answers[0])


def test_with_the_right_code_a_duplicate_is_told_and_costs_the_code_a_guess():
    from shequtong.accounts.models import SmsCode

    existing = make_user()
    services.send_sms_code(phone=GOOD_PHONE)
    with pytest.raises(ValidationFailed) as exc:
        services.register(data=reg(id_number=existing.id_number, sms_code=last_sms_code()))
    assert "已注册" in exc.value.errors["id_number"]
    assert SmsCode.objects.get().attempts == 1


# --- item 7: SMS codes ------------------------------------------------------------------

def sms(client, phone, ip="198.51.100.9", **extra):
    return client.post("/api/v1/accounts/sms-codes", {"phone": phone, **extra}, content_type=JSON, REMOTE_ADDR=ip)


def test_codes_per_address_need_a_captcha_then_stop(client, settings):
    settings.SMS_CAPTCHA_AFTER_PER_IP, settings.SMS_CODES_PER_IP_HOUR = 3, 5
    phones = [f"1391234{n:04d}" for n in range(30)]
    statuses = [sms(client, p).status_code for p in phones[:3]]
    assert statuses == [202, 202, 202]
    refused = sms(client, phones[3])
    assert refused.status_code == 400 and refused.json()["code"] == "captcha_required"
    # Solve the image captcha (its answer is in the server's cache, never in the answer).
    made = client.post("/api/v1/accounts/captchas", content_type=JSON).json()
    assert made["prompt"] == "请输入图中算式的结果"
    image = client.get(made["image_url"])
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    answer = captcha.answer_of(made["id"])
    assert sms(client, phones[3], captcha_id=made["id"], captcha_answer="999").json()["code"] == "captcha_wrong"
    made = client.post("/api/v1/accounts/captchas", content_type=JSON).json()
    answer = captcha.answer_of(made["id"])
    assert sms(client, phones[3], captcha_id=made["id"], captcha_answer=answer).status_code == 202
    made = client.post("/api/v1/accounts/captchas", content_type=JSON).json()
    assert sms(client, phones[4], captcha_id=made["id"], captcha_answer=captcha.answer_of(made["id"])).status_code == 202
    # The hourly ceiling for the address: refused even with a captcha.
    made = client.post("/api/v1/accounts/captchas", content_type=JSON).json()
    last = sms(client, phones[5], captcha_id=made["id"], captcha_answer=captcha.answer_of(made["id"]))
    assert last.status_code == 429
    assert len(ConsoleSmsGateway.sent) == 5


def test_codes_per_phone_are_limited_across_addresses(client, settings):
    from shequtong.accounts.models import SmsCode

    settings.SMS_CODES_PER_PHONE_HOUR = 2
    for n in range(2):
        assert sms(client, GOOD_PHONE, ip=f"203.0.113.{n + 1}").status_code == 202
        SmsCode.objects.update(created_at=SmsCode.objects.first().created_at.replace(year=2000))  # past the 60 s rule
    assert sms(client, GOOD_PHONE, ip="203.0.113.50").status_code == 429


def test_codes_overall_are_limited(client, settings):
    settings.SMS_CODES_PER_MINUTE = 4
    sent = [sms(client, f"1391234{n:04d}", ip=f"10.{n}.0.1").status_code for n in range(6)]
    assert sent == [202, 202, 202, 202, 429, 429]


def test_the_page_gets_a_captcha_image_to_show(client, settings):
    settings.SMS_CAPTCHA_AFTER_PER_IP = 0
    r = client.post(reverse("accounts:register_sms"), {"phone": GOOD_PHONE})
    body = r.json()
    assert body["code"] == "captcha_required" and body["captcha"]["image_url"].endswith(".png")
    assert "图" in body["message"]


# --- item 8: logins by address -------------------------------------------------------------

def login(client, username, password, ip="198.51.100.20", **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_wrong_passwords_over_many_accounts_from_one_address_are_stopped(client, tree, settings):
    settings.LOGIN_FAILURES_PER_IP = 10
    victim = make_with_role("resident", tree.comm_a1)
    statuses = [login(client, f"nobody{n}", "wrong-Pass1").status_code for n in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    # From there even the right password is refused: the address is throttled, not the account ...
    assert login(client, victim.username, PASSWORD).status_code == 429
    # ... and the same person from another network is not.
    assert login(client, victim.username, PASSWORD, ip="192.0.2.1").status_code == 302


def test_neighbouring_addresses_are_counted_together(client, tree, settings):
    settings.LOGIN_FAILURES_PER_IP, settings.LOGIN_FAILURES_PER_SUBNET = 100, 8
    for n in range(8):
        login(client, f"nobody{n}", "wrong-Pass1", ip=f"198.51.100.{n + 1}")
    assert login(client, "someone", "wrong-Pass1", ip="198.51.100.200").status_code == 429
    assert login(client, "someone", "wrong-Pass1", ip="198.51.101.1").status_code == 200


def test_the_real_client_behind_the_proxy_is_throttled_not_the_proxy(client, tree, settings):
    settings.LOGIN_FAILURES_PER_IP, settings.LOGIN_FAILURES_PER_SUBNET = 3, 1000
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(3):
        login(client, f"nobody{n}", "wrong-Pass1", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert login(client, "x", "wrong-Pass1", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    assert login(client, "x", "wrong-Pass1", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.18.0.5").status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "203.0.113.9"
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.3")
    assert client_ip(proxied) == "198.51.100.7"  # the client cannot choose by prepending
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="garbage")) == "10.0.0.2"


def test_nothing_about_users_is_created_by_throttled_attempts(client, tree, settings):
    settings.LOGIN_FAILURES_PER_IP = 1
    before = User.objects.count()
    login(client, "a", "b")
    assert login(client, "a", "b").status_code == 429
    assert User.objects.count() == before
