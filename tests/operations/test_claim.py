"""认领账号 (issue 20): a resident brought in by the residents import claims the account with an SMS
code to the phone on file and their ID number, sets a password and is signed in as that person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from shequtong.accounts import claim
from shequtong.accounts.models import AuditEvent, Membership, RoleGrant, SmsCode, User
from shequtong.accounts.privacy import PRIVACY_NOTICE_VERSION
from shequtong.accounts.roles import Role
from shequtong.common.errors import Throttled, ValidationFailed
from shequtong.operations.importers.base import run
from shequtong.operations.importers.people import ResidentImporter, StaffImporter

from ..conftest import last_sms_code
from ..factories import make_user
from .helpers import RESIDENT_HEADER, STAFF_HEADER, csv_bytes, ident, phone

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Claim#2026ok"


def import_resident(tree, i: int = 1, name: str = "陈阿婆") -> User:
    estate = tree.estate(tree.comm_a1)
    data = csv_bytes(RESIDENT_HEADER, [[name, ident(i), phone(i), tree.sub_a.name, tree.comm_a1.name, estate.name,
                                        "3", "301", "否"]])
    importer = ResidentImporter()
    report = run(importer, importer.records(data, "csv"), dry_run=False)
    assert report.problem_count == 0, report.lines()
    return User.objects.get(username__startswith="r", memberships__community=tree.comm_a1)


def request(ip: str = "203.0.113.7"):
    return RequestFactory().post("/accounts/claim/", REMOTE_ADDR=ip)


def new_code(phone_number: str, ip: str = "203.0.113.7") -> str:
    SmsCode.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))  # past the one-a-minute resend limit
    claim.send_code(phone=phone_number, request=request(ip))
    return last_sms_code()


def claim_data(phone_number: str, code: str, proof: str, **over) -> claim.Claim:
    data = {"phone": phone_number, "sms_code": code, "id_proof": proof, "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD, "consent": True}
    data.update(over)
    return claim.Claim(**data)


def unchanged(user: User) -> None:
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert user.last_login is None and user.privacy_consent_at is None


@pytest.mark.parametrize("proof", ["tail", "full", "full-lowercase"])
def test_an_imported_resident_claims_the_account_and_keeps_the_membership(tree, proof):
    user = import_resident(tree)
    assert not user.has_usable_password() and user.last_login is None
    number = ident(1)
    given = {"tail": number[-6:], "full": number, "full-lowercase": number.lower()}[proof]
    claimed = claim.claim_account(data=claim_data(phone(1), new_code(phone(1)), given), request=request())
    assert claimed.pk == user.pk
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.privacy_consent_version == PRIVACY_NOTICE_VERSION and user.privacy_consent_at is not None
    assert user.real_name == "陈阿婆" and user.id_number == number
    membership = Membership.objects.get(user=user)
    assert (membership.community_id, membership.status) == (tree.comm_a1.pk, Membership.Status.APPROVED)
    assert RoleGrant.objects.filter(user=user, role=Role.RESIDENT, community=tree.comm_a1).count() == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__op="claim")
    assert event.actor_id == user.pk and event.target_id == str(user.pk) and event.ip == "203.0.113.7"
    assert SmsCode.objects.get(purpose="claim").used_at is not None


def test_a_wrong_id_proof_is_refused_and_changes_nothing(tree):
    user = import_resident(tree)
    wrong = "000000" if not ident(1).endswith("000000") else "111111"
    with pytest.raises(ValidationFailed) as exc:
        claim.claim_account(data=claim_data(phone(1), new_code(phone(1)), wrong), request=request())
    assert exc.value.message == claim.REFUSED and exc.value.code == "claim_refused"
    unchanged(user)
    code = SmsCode.objects.get(purpose="claim")
    assert code.used_at is None and code.attempts == 1  # the refusal cost the code a guess
    refused = AuditEvent.objects.get(detail__op="claim_refused")
    assert refused.detail["cause"] == "id_proof_wrong" and refused.target_id == str(user.pk) and refused.actor is None
    assert ident(1) not in str(refused.detail)


def test_an_unknown_phone_gets_the_same_code_and_the_same_refusal(tree):
    """Nothing tells whether a phone is on file: a code is sent, and the refusal is the one sentence."""
    import_resident(tree)
    stranger = phone(99)
    code = new_code(stranger)
    assert code
    with pytest.raises(ValidationFailed) as exc:
        claim.claim_account(data=claim_data(stranger, code, ident(1)[-6:]), request=request())
    assert exc.value.message == claim.REFUSED
    assert AuditEvent.objects.get(detail__op="claim_refused").detail["cause"] == "no_account"


def test_an_account_already_claimed_cannot_be_claimed_again(tree):
    user = import_resident(tree)
    claim.claim_account(data=claim_data(phone(1), new_code(phone(1)), ident(1)[-6:]), request=request())
    with pytest.raises(ValidationFailed) as exc:
        claim.claim_account(data=claim_data(phone(1), new_code(phone(1)), ident(1), password="Other#2026pw",
                                            password2="Other#2026pw"), request=request())
    assert exc.value.message == claim.REFUSED
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password("Other#2026pw")
    assert AuditEvent.objects.get(detail__op="claim_refused").detail["cause"] == "not_claimable"


def test_a_registered_account_and_an_imported_staff_account_are_not_claimable(tree):
    registered = make_user()
    code = new_code(registered.phone)
    with pytest.raises(ValidationFailed, match="核对不一致"):
        claim.claim_account(data=claim_data(registered.phone, code, registered.id_number[-6:]), request=request())
    staff_file = csv_bytes(STAFF_HEADER, [["刘社工", ident(5), phone(5), tree.sub_a.name, tree.comm_a1.name, "社工"]])
    importer = StaffImporter()
    run(importer, importer.records(staff_file, "csv"), dry_run=False)
    staff = User.objects.get(phone_index__isnull=False, must_change_password=True)
    with pytest.raises(ValidationFailed, match="核对不一致"):
        claim.claim_account(data=claim_data(phone(5), new_code(phone(5)), ident(5)[-6:]), request=request())
    staff.refresh_from_db()
    assert not staff.has_usable_password()


def test_replaying_a_successful_claim_changes_nothing(tree):
    user = import_resident(tree)
    data = claim_data(phone(1), new_code(phone(1)), ident(1)[-6:])
    claim.claim_account(data=data, request=request())
    user.refresh_from_db()
    password = user.password
    with pytest.raises(ValidationFailed, match="验证码已失效"):
        claim.claim_account(data=data, request=request())
    user.refresh_from_db()
    assert user.password == password
    assert AuditEvent.objects.filter(detail__op="claim").count() == 1


def test_format_errors_come_all_at_once_and_read_nothing(tree, django_assert_num_queries):
    data = claim.Claim(phone="123", sms_code="", id_proof="12345", password="short", password2="other", consent=False)
    with django_assert_num_queries(0), pytest.raises(ValidationFailed) as exc:
        claim.claim_account(data=data, request=request())
    assert set(exc.value.errors) == {"phone", "sms_code", "id_proof", "password", "password2", "consent"}
    assert "后6位" in claim.claim_errors(claim_data(phone(1), "1", "12345"))["id_proof"]
    assert "校验位" in claim.claim_errors(claim_data(phone(1), "1", ident(1)[:-1] + ("0" if ident(1)[-1] != "0" else "1")))["id_proof"]


def test_refusals_lock_the_phone_out_for_the_hour(tree, settings):
    settings.CLAIM_FAILURES_PER_PHONE_HOUR = 3
    user = import_resident(tree)
    wrong = "000000" if not ident(1).endswith("000000") else "111111"
    code = new_code(phone(1))
    for _ in range(2):
        with pytest.raises(ValidationFailed, match="核对不一致"):
            claim.claim_account(data=claim_data(phone(1), code, wrong), request=request())
    with pytest.raises(ValidationFailed, match="验证码不正确"):  # a wrong code counts too
        claim.claim_account(data=claim_data(phone(1), "999999" if code != "999999" else "888888", wrong),
                            request=request())
    # Locked: the right proofs are refused, and no new code is sent, from any address.
    with pytest.raises(Throttled) as exc:
        claim.claim_account(data=claim_data(phone(1), code, ident(1)[-6:]), request=request("198.51.100.9"))
    assert exc.value.message == claim.LOCKED
    sent = SmsCode.objects.count()
    with pytest.raises(Throttled):
        claim.send_code(phone=phone(1), request=request("198.51.100.9"))
    assert SmsCode.objects.count() == sent
    unchanged(user)


def test_refusals_lock_the_address_out_across_phones(tree, settings):
    settings.CLAIM_FAILURES_PER_IP_HOUR = 2
    settings.SMS_CAPTCHA_AFTER_PER_IP = 100
    user = import_resident(tree)
    for i in (50, 51):
        with pytest.raises(ValidationFailed, match="核对不一致"):
            claim.claim_account(data=claim_data(phone(i), new_code(phone(i)), ident(1)[-6:]), request=request())
    with pytest.raises(Throttled):
        claim.send_code(phone=phone(1), request=request())
    code = new_code(phone(1), ip="192.0.2.44")  # another address is not locked
    claim.claim_account(data=claim_data(phone(1), code, ident(1)[-6:]), request=request("192.0.2.44"))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_sms_limits_of_registration_hold_for_claim_codes(tree, settings):
    settings.SMS_CODES_PER_PHONE_HOUR = 2
    import_resident(tree)
    new_code(phone(1))
    new_code(phone(1))
    with pytest.raises(Throttled, match="次数过多"):
        new_code(phone(1))


def test_the_page_claims_signs_in_and_lands_on_the_community_home(tree, client):
    user = import_resident(tree)
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:claim") in login_page and "认领账号" in login_page
    answer = client.post(reverse("accounts:claim_sms"), {"phone": phone(1)})
    assert answer.status_code == 200 and answer.json()["code"] == "ok"
    form = {"phone": phone(1), "sms_code": last_sms_code(), "id_proof": ident(1)[-6:], "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD, "consent": "on"}
    wrong = client.post(reverse("accounts:claim"), {**form, "id_proof": "000000" if not ident(1).endswith("000000") else "111111"})
    assert wrong.status_code == 200 and claim.REFUSED in wrong.content.decode()
    unchanged(user)
    done = client.post(reverse("accounts:claim"), form)
    assert done.status_code == 302 and done["Location"] == reverse("web:home")
    home = client.get(done["Location"]).content.decode()
    assert tree.comm_a1.name in home
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_page_tells_every_format_error_at_once(client, tree):
    page = client.post(reverse("accounts:claim"), {"phone": "1", "id_proof": "x" * 19})
    body = page.content.decode()
    assert page.status_code == 200 and "请输入短信验证码" in body and "《个人信息保护说明》" in body
    assert "有 5 处需要修改" in body  # phone, code, ID proof (too long), password, consent
