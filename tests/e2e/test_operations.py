"""Browser journey (issue 20): the system administrator imports the tree from a file on the page
(dry run, report, confirm; the worker runs both), merges two communities after a confirmation, and
the audit administrator finds the merge in the audit log."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.notifications import outbox
from shequtong.places.models import Community, Estate

from ..factories import PASSWORD, make_tree, make_with_role
from ..operations.helpers import TREE_HEADER, csv_bytes
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_the_tree_merge_and_find_it_in_the_audit_log(live_server, new_page, tmp_path):
    tree = make_tree()
    make_with_role(Role.SYSADMIN, None, username="sys-e2e", real_name="张系统")
    make_with_role(Role.AUDIT_ADMIN, None, username="aud-e2e", real_name="王审计")
    base = live_server.url
    path = tmp_path / "辖区.csv"
    path.write_bytes(csv_bytes(TREE_HEADER, [[tree.sub_a.name, "街道", "新建居委会", "居委", "新建小区"],
                                             [tree.sub_a.name, "街道", "坏行居委会", "城里", ""]]))

    page = new_page()
    login(page, base, "sys-e2e", PASSWORD)
    page.goto(base + "/manage/")
    page.click(".tile:has-text('数据导入')")
    page.select_option("#id_kind", "tree")
    page.set_input_files("#id_file", str(path))
    page.click("text=上传并预检")
    page.wait_for_selector("[data-testid=job-status]:has-text('排队中')")
    assert outbox.deliver_due() == 1  # the worker's dry run
    page.reload()
    page.wait_for_selector("[data-testid=problems]:has-text('应为“居委”或“村委”')")
    assert not Community.objects.filter(name="新建居委会").exists()
    shot(page, "operations-01-dry-run")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=job-status]:has-text('排队中')")
    assert outbox.deliver_due() == 1
    page.reload()
    page.wait_for_selector("[data-testid=job-status]:has-text('已完成')")
    assert Estate.objects.filter(name="新建小区", community__name="新建居委会").exists()

    # Merge 新建居委会 into A's first community: dismissing the confirmation changes nothing.
    source = Community.objects.get(name="新建居委会")
    page.goto(base + f"/ops/places/communities/{source.pk}/")
    page.select_option("#id_target", str(tree.comm_a1.pk))
    page.once("dialog", lambda d: d.dismiss())
    page.click("[data-testid=merge-form] button")
    assert Community.objects.filter(pk=source.pk).exists()
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=merge-form] button")
    page.wait_for_selector("text=已合并")
    assert not Community.objects.filter(pk=source.pk).exists()
    assert Estate.objects.get(name="新建小区").community_id == tree.comm_a1.pk
    shot(page, "operations-02-merged")

    auditor = new_page()
    login(auditor, base, "aud-e2e", PASSWORD)
    auditor.goto(base + "/manage/")
    auditor.click(".tile:has-text('审计日志')")
    auditor.fill("#f-who", "sys-e2e")
    auditor.select_option("#f-action", "place")
    auditor.click("[data-testid=audit-filters] button[type=submit]")
    auditor.wait_for_selector("[data-testid=audit-row]:has-text('op=merge')")
    shot(auditor, "operations-03-audit")
