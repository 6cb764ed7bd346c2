"""Item 2 (the import page, run by the worker) and item 3: places, staff accounts, the audit log."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.accounts.models import AuditEvent, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.boards.models import Post
from shequtong.cases.models import Case
from shequtong.notifications import outbox
from shequtong.operations.models import ImportJob
from shequtong.places import services as places_services
from shequtong.places.models import Community, CommunityStats, Estate

from ..cases import helpers as case_helpers
from ..factories import grant, make_post, make_user, resident_of_estate
from .helpers import TREE_HEADER, csv_bytes

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(c: Client, name: str, *args: object, **params: str):  # type: ignore[no-untyped-def]
    return c.get(reverse(name, args=args), params)


# --- the import page ---------------------------------------------------------------------------

def test_upload_dry_run_confirm_and_run_in_the_worker(cast):
    admin = client_for(cast.sysadmin)
    tree = io.BytesIO(csv_bytes(TREE_HEADER, [["新街道", "街道", "新居委会", "居委", "新小区"],
                                              ["新街道", "街道", "新居委会", "城里", ""]]))
    tree.name = "辖区.csv"
    response = admin.post(reverse("operations:imports"), {"kind": "tree", "file": tree})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("operations:import_detail", args=[job.pk])
    assert job.status == ImportJob.Status.QUEUED and job.rows_total == 2
    assert outbox.deliver_due() == 1  # the worker: the dry run
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.problem_count == 1
    assert not Community.objects.filter(name="新居委会").exists()
    detail = page(admin, "operations:import_detail", job.pk).content.decode()
    assert "居村委类型" in detail and "应为“居委”或“村委”" in detail and "确认导入" in detail
    polled = admin.get(reverse("operations:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    admin.post(reverse("operations:import_confirm", args=[job.pk]))
    assert outbox.deliver_due() == 1  # the real run
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.counts["created"] == 1 and job.file_blob is None
    assert Estate.objects.filter(name="新小区", community__name="新居委会").exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, detail__op="done").exists()
    # Confirming again does nothing: the job is done.
    admin.post(reverse("operations:import_confirm", args=[job.pk]))
    assert outbox.deliver_due() == 0


def test_a_wrong_file_is_refused_at_upload_with_a_chinese_message(cast):
    admin = client_for(cast.sysadmin)
    f = io.BytesIO(csv_bytes(["姓名"], [["张三"]]))
    f.name = "居民.csv"
    response = admin.post(reverse("operations:imports"), {"kind": "residents", "file": f})
    assert response.status_code == 200 and "文件缺少以下列" in response.content.decode()
    f = io.BytesIO(b"{}")
    f.name = "x.jsonl"
    assert "该导入只接受" in admin.post(reverse("operations:imports"), {"kind": "tree", "file": f}).content.decode()
    assert not ImportJob.objects.exists()


def test_templates_download_as_xlsx_and_csv(cast):
    admin = client_for(cast.sysadmin)
    response = page(admin, "operations:import_template", "xlsx", "residents")
    headers = [c.value for c in next(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(max_row=1))]
    assert headers[:3] == ["姓名*", "身份证号码*", "手机号码*"]
    csv_text = page(admin, "operations:import_template", "csv", "tree").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(TREE_HEADER)
    assert page(admin, "operations:import_template", "xlsx", "history").status_code == 404


def test_only_the_system_administrator_imports(cast):
    for who in (cast.district, cast.security_admin, cast.audit_admin, cast.secretary_a):
        assert page(client_for(who), "operations:imports").status_code == 403


# --- places ------------------------------------------------------------------------------------

def test_rename_a_community_and_refuse_a_taken_name(cast):
    admin = client_for(cast.sysadmin)
    a, a2 = cast.tree.comm_a1, cast.tree.comm_a2
    admin.post(reverse("operations:community_rename", args=[a.pk]), {"name": "宝林新村居委会"})
    a.refresh_from_db()
    assert a.name == "宝林新村居委会"
    admin.post(reverse("operations:community_rename", args=[a.pk]), {"name": a2.name})
    a.refresh_from_db()
    assert a.name == "宝林新村居委会"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PLACE, detail__op="rename").count() == 1


def test_move_a_community_to_another_subdistrict_with_its_data(cast):
    admin = client_for(cast.sysadmin)
    a, sub_b = cast.tree.comm_a1, cast.tree.sub_b
    case = case_helpers.case(cast.staff_a, a)
    admin.post(reverse("operations:community_move", args=[a.pk]), {"subdistrict": sub_b.pk})
    a.refresh_from_db()
    assert a.subdistrict_id == sub_b.pk
    assert Case.objects.get(pk=case.pk).subdistrict_id == sub_b.pk
    assert not RoleGrant.objects.filter(community=a).exclude(subdistrict=sub_b).exists()
    assert CommunityStats.objects.get(community=a).subdistrict_id == sub_b.pk
    # The observer of A's old subdistrict no longer sees it; B's does.
    assert page(client_for(cast.subdistrict_observer), "web:observe_community", a.pk).status_code == 404
    assert page(client_for(cast.subdistrict_observer_other), "web:observe_community", a.pk).status_code == 200


def test_merge_two_communities_moves_everything_and_deletes_the_source(cast):
    admin = client_for(cast.sysadmin)
    a, sub_a = cast.tree.comm_a1, cast.tree.sub_a
    source = Community.objects.create(subdistrict=sub_a, name="待并居委会", kind=a.kind)
    same_name = Estate.objects.create(community=source, name=a.estates.order_by("id")[0].name)
    other = Estate.objects.create(community=source, name="独有小区")
    newcomer = resident_of_estate(other, real_name="并入人")
    third = resident_of_estate(same_name, real_name="同名小区人")
    both = resident_of_estate(a.estates.order_by("id")[0], real_name="两边人")
    grant(both, Role.RESIDENT, same_name)  # on the platform in both communities
    places_services.bump(source, "residents", 3)
    post = make_post(newcomer, source, title="并入前的帖子")
    before = RoleGrant.objects.filter(community=a, role=Role.RESIDENT).count()  # `both` among them
    page_html = page(admin, "operations:community", source.pk).content.decode()
    assert "data-confirm" in page_html and "不可撤销" in page_html  # merge asks first
    admin.post(reverse("operations:community_merge", args=[source.pk]), {"target": a.pk})
    assert not Community.objects.filter(pk=source.pk).exists()
    assert Post.objects.get(pk=post.pk).community_id == a.pk
    assert Estate.objects.get(pk=other.pk).community_id == a.pk
    assert not Estate.objects.filter(pk=same_name.pk).exists()  # one estate of that name
    assert RoleGrant.objects.get(user=third, role=Role.RESIDENT).estate.community_id == a.pk
    assert RoleGrant.objects.filter(user=both, role=Role.RESIDENT).count() == 1  # one grant kept, not two
    # The rollup is recounted from the grants: the two newcomers, not `both` twice.
    assert CommunityStats.objects.get(community=a).residents == before + 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PLACE, detail__op="merge").exists()


def test_a_village_and_an_urban_community_do_not_merge(cast):
    admin = client_for(cast.sysadmin)
    admin.post(reverse("operations:community_merge", args=[cast.tree.comm_a2.pk]), {"target": cast.tree.comm_a1.pk})
    assert Community.objects.filter(pk=cast.tree.comm_a2.pk).exists()


# --- staff accounts ------------------------------------------------------------------------------

def test_staff_list_and_detail_for_the_security_administrator(cast):
    sec = client_for(cast.security_admin)
    html = page(sec, "operations:staff").content.decode()
    assert cast.staff_a.username in html and cast.resident_a.username not in html  # residents are not staff
    assert cast.staff_a.username in page(sec, "operations:staff", role="committee_staff").content.decode()
    assert cast.secretary_a.username not in page(sec, "operations:staff", role="committee_staff").content.decode()
    assert page(sec, "operations:staff_detail", cast.resident_a.pk).status_code == 404
    assert page(sec, "operations:staff_detail", cast.staff_a.pk).status_code == 200


def test_disable_needs_a_reason_and_ends_sign_in(cast):
    sec = client_for(cast.security_admin)
    staff = cast.staff_a
    staff.set_password("Jiu-Mima-2026")
    staff.save()
    open_session = client_for(staff)
    detail = page(sec, "operations:staff_detail", staff.pk).content.decode()
    assert "data-confirm" in detail  # disabling asks first
    sec.post(reverse("operations:staff_disable", args=[staff.pk]), {"reason": ""})
    staff.refresh_from_db()
    assert staff.is_active
    sec.post(reverse("operations:staff_disable", args=[staff.pk]), {"reason": "已离职"})
    staff.refresh_from_db()
    assert not staff.is_active
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": staff.username, "password": "Jiu-Mima-2026"})
    assert "_auth_user_id" not in fresh.session
    assert page(open_session, "web:home").status_code == 302  # the open session ended too
    sec.post(reverse("operations:staff_enable", args=[staff.pk]))
    staff.refresh_from_db()
    assert staff.is_active


def test_reset_password_is_shown_once_and_must_be_changed(cast):
    sec = client_for(cast.security_admin)
    response = sec.post(reverse("operations:staff_reset_password", args=[cast.staff_a.pk]))
    html = response.content.decode()
    assert "只显示这一次" in html
    password = html.split('class="ops-secret">')[1].split("<")[0]
    user = User.objects.get(pk=cast.staff_a.pk)
    assert user.check_password(password) and user.must_change_password
    assert password not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_transfer_roles_to_a_successor(cast):
    sec = client_for(cast.security_admin)
    successor = make_user("successor01", real_name="接班人")
    grant = RoleGrant.objects.get(user=cast.staff_a, role=Role.COMMITTEE_STAFF)
    sec.post(reverse("operations:staff_transfer", args=[cast.staff_a.pk]),
             {"to_username": "successor01", "grants": [grant.pk]})
    assert RoleGrant.objects.filter(user=successor, role=Role.COMMITTEE_STAFF, community=cast.tree.comm_a1).exists()
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_the_three_administrators_stay_separate_through_a_transfer(cast):
    sec = client_for(cast.security_admin)
    grant = RoleGrant.objects.get(user=cast.sysadmin, role=Role.SYSADMIN)
    response = sec.post(reverse("operations:staff_transfer", args=[cast.sysadmin.pk]),
                        {"to_username": cast.audit_admin.username, "grants": [grant.pk]})
    assert "三员分立" in response.content.decode()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not RoleGrant.objects.filter(user=cast.audit_admin, role=Role.SYSADMIN).exists()


def test_the_security_administrator_cannot_act_on_their_own_account(cast):
    sec = client_for(cast.security_admin)
    sec.post(reverse("operations:staff_disable", args=[cast.security_admin.pk]), {"reason": "试试"})
    sec.post(reverse("operations:staff_reset_password", args=[cast.security_admin.pk]))
    me = User.objects.get(pk=cast.security_admin.pk)
    assert me.is_active and not me.must_change_password


def test_others_cannot_manage_staff(cast):
    for who in (cast.sysadmin, cast.audit_admin, cast.district, cast.secretary_a):
        c = client_for(who)
        assert page(c, "operations:staff").status_code == 403
        c.post(reverse("operations:staff_disable", args=[cast.staff_a.pk]), {"reason": "x"})
    assert User.objects.get(pk=cast.staff_a.pk).is_active


# --- the audit log -------------------------------------------------------------------------------

def test_audit_viewer_filters_and_exports(cast):
    from shequtong.accounts import audit

    audit.record(AuditEvent.Action.LOGIN_FAILED, actor=cast.staff_a, detail={"why": "wrong password"})
    audit.record(AuditEvent.Action.LOGIN, actor=cast.staff_a)
    audit.record(AuditEvent.Action.LOGIN, actor=cast.staff_b)
    viewer = client_for(cast.audit_admin)
    html = page(viewer, "operations:audit", who=cast.staff_a.username).content.decode()
    assert html.count('data-testid="audit-row"') == 2
    failed = page(viewer, "operations:audit", outcome="failed").content.decode()
    assert failed.count('data-testid="audit-row"') == 1 and "登录失败" in failed
    assert page(viewer, "operations:audit", action="login", who=cast.staff_b.username).content.decode().count(
        'data-testid="audit-row"') == 1
    assert page(viewer, "operations:audit", date_from="2000-01-01", date_to="2000-01-02").content.decode().count(
        'data-testid="audit-row"') == 0
    response = page(viewer, "operations:audit_export", who=cast.staff_a.username)
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "操作", "结果") and len(rows) == 3
    assert {r[3] for r in rows[1:]} == {"成功", "失败"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=cast.audit_admin).exists()


def test_only_the_audit_administrator_reads_the_audit_log(cast):
    for who in (cast.sysadmin, cast.security_admin, cast.district):
        c = client_for(who)
        assert page(c, "operations:audit").status_code == 403
        assert page(c, "operations:audit_export").status_code == 403


def test_verify_audit_chain_detects_a_tampered_row(cast, capsys):
    from ..security.test_audit_chain import as_dba, chain_migration, write_events

    events = write_events()
    call_command("verify_audit_chain")
    assert "audit chain intact" in capsys.readouterr().out
    as_dba(f"UPDATE {chain_migration.TABLE} SET detail = %s WHERE id = %s", ['{"n": 99}', events[2].pk])  # noqa: S608
    with pytest.raises(CommandError, match=f"broken at event {events[2].pk}"):
        call_command("verify_audit_chain")


def test_each_administrator_sees_only_their_own_tiles(cast):
    assert "数据导入" in page(client_for(cast.sysadmin), "web:manage").content.decode()
    assert "工作人员账户" in page(client_for(cast.security_admin), "web:manage").content.decode()
    manage_audit = page(client_for(cast.audit_admin), "web:manage").content.decode()
    assert "审计日志" in manage_audit and "数据导入" not in manage_audit
