"""Registration (PC-2): real name, ID checksum, phone verified by SMS; bad input writes nothing."""

import pytest
from django.db import connection

from shequtong.accounts import services
from shequtong.accounts.models import AuditEvent, SmsCode, User
from shequtong.common.errors import ValidationFailed

from ..conftest import last_sms_code
from ..factories import make_user

pytestmark = pytest.mark.django_db

GOOD_ID = "11010519491231002X"
GOOD_PHONE = "13912345678"


def reg(**over):
    data = {"username": "newbie", "real_name": "王小红", "id_number": GOOD_ID, "phone": GOOD_PHONE,
            "sms_code": "", "password": "Good#pass1"}
    data.update(over)
    return services.Registration(**data)


def test_register_with_sms_code_creates_a_real_name_user():
    services.send_sms_code(phone=GOOD_PHONE)
    user = services.register(data=reg(sms_code=last_sms_code()))
    user.refresh_from_db()
    assert user.real_name == "王小红"
    assert user.id_number == GOOD_ID
    assert str(user.birth_date) == "1949-12-31"
    assert user.sex == "F"
    assert user.check_password("Good#pass1")
    assert AuditEvent.objects.filter(action="register", actor=user).exists()


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
        ({"phone": "1391234567"}, "phone", "正确的11位手机号码"),
        ({"real_name": ""}, "real_name", "真实姓名"),
        ({"password": "short"}, "password", "密码"),
    ],
)
def test_bad_input_is_refused_with_chinese_message_and_writes_nothing(over, field, message):
    services.send_sms_code(phone=GOOD_PHONE)
    code = last_sms_code()
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.register(data=reg(sms_code=code, **over))
    assert message in exc.value.errors[field]
    assert User.objects.count() == before
    # The code was not used up by the refused attempt.
    assert SmsCode.objects.filter(used_at__isnull=True).count() == 1


def test_duplicate_id_number_is_refused():
    existing = make_user()
    services.send_sms_code(phone=GOOD_PHONE)
    with pytest.raises(ValidationFailed) as exc:
        services.register(data=reg(id_number=existing.id_number, sms_code=last_sms_code()))
    assert "已注册" in exc.value.errors["id_number"]
    assert User.objects.count() == 1


def test_duplicate_phone_is_refused():
    existing = make_user()
    services.send_sms_code(phone=existing.phone, purpose="register")
    with pytest.raises(ValidationFailed) as exc:
        services.register(data=reg(phone=existing.phone, sms_code=last_sms_code()))
    assert "已注册" in exc.value.errors["phone"]


def test_wrong_sms_code_is_refused_and_counted():
    services.send_sms_code(phone=GOOD_PHONE)
    with pytest.raises(ValidationFailed, match="验证码不正确"):
        services.register(data=reg(sms_code="000000" if last_sms_code() != "000000" else "111111"))
    assert SmsCode.objects.get().attempts == 1
    assert not User.objects.exists()


def test_sms_code_is_single_use():
    services.send_sms_code(phone=GOOD_PHONE)
    code = last_sms_code()
    services.register(data=reg(sms_code=code))
    with pytest.raises(ValidationFailed, match="验证码已失效"):
        services._check_sms_code(index=services.phone_index(GOOD_PHONE), code=code, purpose="register")


def test_sms_codes_are_throttled_per_phone():
    services.send_sms_code(phone=GOOD_PHONE)
    with pytest.raises(ValidationFailed, match="频繁"):
        services.send_sms_code(phone=GOOD_PHONE)


def test_raw_table_holds_no_clear_id_number_or_phone():
    services.send_sms_code(phone=GOOD_PHONE)
    user = services.register(data=reg(sms_code=last_sms_code()))
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, id_number_index, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        id_blob, phone_blob, id_idx, phone_idx = cur.fetchone()
    raw = bytes(id_blob) + bytes(phone_blob)
    assert GOOD_ID.encode() not in raw
    assert GOOD_PHONE.encode() not in raw
    assert GOOD_ID not in id_idx and GOOD_PHONE not in phone_idx
    # The stored code is hashed too.
    assert last_sms_code() not in SmsCode.objects.get().code_hash
