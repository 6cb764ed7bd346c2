"""Item 1: bootstrap_district makes the district and three administrators, three people (三员分立)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from shequtong.accounts import services as account_services
from shequtong.accounts.models import AuditEvent, RoleGrant, User
from shequtong.accounts.roles import ADMIN_ROLES, Role
from shequtong.common.errors import ValidationFailed
from shequtong.places.models import District

from ..factories import make_user, make_with_role
from .helpers import ident, phone

pytestmark = pytest.mark.django_db


def flags(**over: str) -> list[str]:
    values = {"name": "宝山区", "code": "310113"}
    for k, prefix in enumerate(("sysadmin", "security", "audit")):
        values |= {f"{prefix}-username": f"{prefix}01", f"{prefix}-name": f"管理员{'甲乙丙'[k]}",
                   f"{prefix}-id-number": ident(900 + k), f"{prefix}-phone": phone(900 + k)}
    values |= over
    return ["--no-input"] + [f"--{k}={v}" for k, v in values.items()]


def test_non_interactive_bootstrap_makes_three_people_each_with_one_role(capsys):
    call_command("bootstrap_district", *flags())
    out = capsys.readouterr().out
    district = District.objects.get()
    assert (district.name, district.code) == ("宝山区", "310113")
    grants = list(RoleGrant.objects.filter(role__in=ADMIN_ROLES).select_related("user"))
    assert sorted(g.role for g in grants) == sorted(ADMIN_ROLES)
    assert len({g.user_id for g in grants}) == 3  # three people
    for g in grants:
        assert g.subdistrict_id is None and g.community_id is None  # the whole district
        assert g.user.must_change_password
        assert RoleGrant.objects.filter(user=g.user).count() == 1
        assert g.user.username in out
    assert "初始密码" in out and "首次登录时须修改密码并绑定动态口令" in out
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BOOTSTRAP).count() == 3


def test_the_printed_initial_password_works_once_then_a_new_one_and_a_second_factor_are_required(capsys, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    call_command("bootstrap_district", *flags())
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "sysadmin01：" in x)
    password = line.split("：")[-1].strip()
    client = Client()
    client.post(reverse("accounts:login"), {"username": "sysadmin01", "password": password})
    # First the second factor (no device yet: enrolment) ...
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and reverse("accounts:otp_setup") in response["Location"]
    # ... then the password: with the second factor passed, a new password is still demanded.
    from shequtong.accounts import mfa

    user = User.objects.get(username="sysadmin01")
    session = client.session
    mfa.mark_session_verified(session, user)
    session.save()
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and reverse("accounts:password_change") in response["Location"]
    page = client.get(reverse("accounts:password_change"))
    assert "您的密码由管理员设置" in page.content.decode()
    client.post(reverse("accounts:password_change"), {
        "old_password": password, "new_password1": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"})
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("web:home")).status_code == 200


def test_one_person_cannot_be_two_administrators():
    with pytest.raises(CommandError, match="三员分立"):
        call_command("bootstrap_district", *flags(**{"audit-id-number": ident(900)}))
    with pytest.raises(CommandError, match="三员分立"):
        call_command("bootstrap_district", *flags(**{"security-phone": phone(900)}))
    assert not User.objects.exists() and not District.objects.exists()


def test_bootstrap_runs_once():
    call_command("bootstrap_district", *flags())
    with pytest.raises(CommandError, match="已初始化"):
        call_command("bootstrap_district", *flags(**{f"{p}-username": f"{p}02" for p in ("sysadmin", "security", "audit")}))
    assert RoleGrant.objects.filter(role__in=ADMIN_ROLES).count() == 3


def test_missing_flags_are_named_without_input():
    with pytest.raises(CommandError, match="--audit-phone"):
        call_command("bootstrap_district", *[f for f in flags() if not f.startswith("--audit-phone")])


def test_interactive_bootstrap_asks_for_everything(monkeypatch, capsys):
    answers = iter(["宝山区", "310113",
                    "sys09", "张一", ident(950), phone(950),
                    "sec09", "李二", ident(951), phone(951),
                    "aud09", "王三", ident(952), phone(952)])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "")
    call_command("bootstrap_district")
    assert set(User.objects.values_list("username", flat=True)) == {"sys09", "sec09", "aud09"}
    assert "sec09" in capsys.readouterr().out


def test_a_weak_initial_password_from_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("WEAK", "123")
    with pytest.raises(CommandError, match="系统管理员"):
        call_command("bootstrap_district", *flags(**{"sysadmin-password-env": "WEAK"}))


# --- 三员分立 in the role-grant service ---------------------------------------------------------

def test_grant_role_refuses_a_second_administrator_role():
    security = make_with_role(Role.SECURITY_ADMIN, None)
    someone = make_user()
    account_services.grant_role(actor=security, user=someone, role=Role.AUDIT_ADMIN)
    for role in (Role.SYSADMIN, Role.SECURITY_ADMIN):
        with pytest.raises(ValidationFailed, match="三员分立") as exc:
            account_services.grant_role(actor=security, user=someone, role=role)
        assert exc.value.code == "admin_separation"
    assert list(RoleGrant.objects.filter(user=someone).values_list("role", flat=True)) == [Role.AUDIT_ADMIN]


def test_a_district_observer_cannot_hand_out_administrator_roles():
    from shequtong.common.errors import PermissionRefused

    observer = make_with_role(Role.DISTRICT_OBSERVER, None)
    with pytest.raises(PermissionRefused):
        account_services.grant_role(actor=observer, user=make_user(), role=Role.AUDIT_ADMIN)
