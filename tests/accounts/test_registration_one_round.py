"""Issue 14 item 7: registration for everyone: phone as the login, one round of Chinese errors,
a password rule a person can meet, consent stored with its version."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shequtong.accounts import services
from shequtong.accounts.models import User
from shequtong.accounts.privacy import PRIVACY_NOTICE_VERSION

from ..conftest import last_sms_code

pytestmark = pytest.mark.django_db

GOOD_ID = "11010519491231002X"
GOOD_PHONE = "13912345678"


def form(**over):  # type: ignore[no-untyped-def]
    data = {"real_name": "王小红", "id_number": GOOD_ID, "phone": GOOD_PHONE, "sms_code": "", "username": "",
            "password": "huangpu river walk", "password2": "huangpu river walk", "consent": "on"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _errors(html: str) -> list[str]:
    return re.findall(r'<div class="form-error"[^>]*>([^<]+)</div>', html)


def test_every_error_comes_in_one_round_in_chinese_even_with_a_password_mismatch(client):
    html = client.post(reverse("accounts:register"), form(
        real_name="", id_number="110105194912310021", phone="12345", password="short", password2="other",
        consent=None)).content.decode()
    errors = _errors(html)
    text = " ".join(errors)
    assert "请输入真实姓名" in text
    assert "身份证" in text  # bad checksum
    assert "手机" in text
    assert "密码至少8位" in text
    assert "两次输入的密码不一致" in text
    assert "个人信息保护说明" in text
    assert "请输入短信验证码" in text
    assert not re.search(r"[A-Za-z]{4,}", text), text  # no English validator message


def test_the_username_is_optional_and_the_phone_logs_in(client):
    services.send_sms_code(phone=GOOD_PHONE)
    response = client.post(reverse("accounts:register"), form(sms_code=last_sms_code()))
    assert response.status_code == 302, _errors(response.content.decode())
    user = User.objects.get(phone_index=services.phone_index(GOOD_PHONE))
    assert user.username  # generated, not asked for
    assert user.privacy_consent_at is not None and user.privacy_consent_version == PRIVACY_NOTICE_VERSION
    client.logout()
    login = client.post(reverse("accounts:login"), {"username": GOOD_PHONE, "password": "huangpu river walk"})
    assert login.status_code == 302


def test_residents_need_length_and_an_uncommon_password_but_no_character_classes():
    ok = services.Registration(username="", real_name="王小红", id_number=GOOD_ID, phone=GOOD_PHONE, sms_code="1",
                               password="lanterns by the pond", consent=True)
    assert services.registration_errors(ok) == {}
    for weak, why in (("abc123", "至少8位"), ("password", "常见"), ("12345678", "常见")):
        errors = services.registration_errors(services.Registration(
            username="", real_name="王小红", id_number=GOOD_ID, phone=GOOD_PHONE, sms_code="1", password=weak, consent=True))
        assert why in errors.get("password", ""), (weak, errors)


def test_staff_keep_the_stricter_rule():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("lanterns by the pond")  # the settings' rule (staff's password change): 3 classes


def test_without_consent_nothing_is_registered(client):
    services.send_sms_code(phone=GOOD_PHONE)
    html = client.post(reverse("accounts:register"), form(sms_code=last_sms_code(), consent=None)).content.decode()
    assert "请阅读并同意《个人信息保护说明》" in html
    assert not User.objects.filter(phone_index=services.phone_index(GOOD_PHONE)).exists()


def test_the_privacy_notice_is_public_and_linked(client):
    page = client.get(reverse("accounts:register")).content.decode()
    assert reverse("accounts:privacy") in page
    notice = client.get(reverse("accounts:privacy"))
    assert notice.status_code == 200 and PRIVACY_NOTICE_VERSION in notice.content.decode()
