"""Item 2: imports of the tree, staff and residents: dry run, report, idempotency, resumption, encryption."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.accounts.services import id_number_index
from shequtong.chats.models import GroupChat
from shequtong.common import clock
from shequtong.operations import filestore, jobs
from shequtong.operations.importers import importer_for
from shequtong.operations.importers.base import run
from shequtong.operations.models import ImportJob
from shequtong.places.models import Community, CommunityStats, District, Estate, Subdistrict

from ..factories import make_with_role
from .helpers import RESIDENT_HEADER, STAFF_HEADER, TREE_HEADER, csv_bytes, ident, phone, xlsx_bytes

pytestmark = pytest.mark.django_db

TREE_ROWS = [
    ["友谊路街道", "街道", "宝林一村居委会", "居委", "宝林一村"],
    ["友谊路街道", "街道", "宝林一村居委会", "居委", "宝林二村"],
    ["罗店镇", "", "东南弄村村委会", "村委", "一组"],
    ["罗店镇", "", "东南弄村村委会", "村委", "二组"],
]


def do(kind: str, data: bytes, fmt: str = "csv", *, dry_run: bool = False, skip_rows: int = 0):  # type: ignore[no-untyped-def]
    importer = importer_for(kind)
    return run(importer, importer.records(data, fmt), dry_run=dry_run, skip_rows=skip_rows)


@pytest.fixture
def district(db):  # type: ignore[no-untyped-def]
    return District.objects.create(name="宝山区", code="310113")


@pytest.fixture
def tree_loaded(district):  # type: ignore[no-untyped-def]
    do("tree", csv_bytes(TREE_HEADER, TREE_ROWS))
    return district


def person(i: int) -> User:
    return User.objects.get(id_number_index=id_number_index(ident(i)))


def resident(i: int, *, estate: str = "宝林一村", party: str = "否", **over: str) -> list[str]:
    row = {"姓名": f"居民{'甲乙丙丁戊己庚辛'[i % 8]}{i}", "身份证号码": ident(i), "手机号码": phone(i), "街镇": "友谊路街道",
           "居村委": "宝林一村居委会", "小区/村民小组": estate, "楼号": "12", "室号": "301", "党员": party} | over
    return [row[h] for h in RESIDENT_HEADER]


# --- the tree ------------------------------------------------------------------------------------

def test_tree_import_creates_the_places_with_their_kinds_and_estate_groups(district):
    report = do("tree", csv_bytes(TREE_HEADER, TREE_ROWS))
    assert report.counts["created"] == 4 and report.problem_count == 0
    assert Subdistrict.objects.get(name="罗店镇").kind == "town"  # inferred from the name
    assert Subdistrict.objects.get(name="友谊路街道").kind == "street"
    assert Community.objects.get(name="东南弄村村委会").kind == "rural"
    assert set(Estate.objects.values_list("name", flat=True)) == {"宝林一村", "宝林二村", "一组", "二组"}
    assert GroupChat.objects.filter(estate__isnull=False).count() == 4  # each estate's 小区群


def test_tree_dry_run_writes_nothing_and_a_rerun_changes_nothing(district):
    report = do("tree", xlsx_bytes(TREE_HEADER, TREE_ROWS), "xlsx", dry_run=True)
    assert report.counts["created"] == 4
    assert not Subdistrict.objects.exists() and not Estate.objects.exists()
    do("tree", xlsx_bytes(TREE_HEADER, TREE_ROWS), "xlsx")
    before = (Subdistrict.objects.count(), Community.objects.count(), Estate.objects.count(), GroupChat.objects.count())
    again = do("tree", xlsx_bytes(TREE_HEADER, TREE_ROWS), "xlsx")
    assert again.counts["unchanged"] == 4 and again.counts["created"] == 0
    assert (Subdistrict.objects.count(), Community.objects.count(), Estate.objects.count(),
            GroupChat.objects.count()) == before


def test_tree_report_names_row_column_and_problem(district):
    report = do("tree", csv_bytes(TREE_HEADER, [
        ["友谊路街道", "街道", "宝林一村居委会", "居委", "宝林一村"],
        ["", "街道", "某居委会", "居委", ""],
        ["友谊路街道", "区", "宝林一村居委会", "城里", ""],
        ["友谊路街道", "街道", "宝林一村居委会", "村委", "三组"],
    ]), dry_run=True)
    found = {(p.row, p.column, p.problem) for p in report.problems}
    assert (3, "街镇", "不能为空") in found
    assert (4, "街镇类型", "应为“街道”“镇”或“园区”") in found
    assert (4, "居村委类型", "应为“居委”或“村委”") in found
    assert (5, "居村委类型", "与第2行同一居村委的类型不一致") in found
    assert any(line.startswith("第3行 [街镇]：") for line in report.lines())


def test_a_file_without_the_template_columns_is_refused():
    from shequtong.operations.tabular import FileProblem

    with pytest.raises(FileProblem, match="缺少以下列：居村委类型"):
        list(importer_for("tree").records(csv_bytes(["街镇", "居村委"], [["a", "b"]]), "csv"))


def test_tree_import_without_a_district_asks_for_bootstrap(db):
    report = do("tree", csv_bytes(TREE_HEADER, TREE_ROWS[:1]))
    assert "bootstrap_district" in report.problems[0].problem and not Subdistrict.objects.exists()


# --- residents -----------------------------------------------------------------------------------

def test_residents_are_imported_encrypted_with_membership_grants_and_counts(tree_loaded):
    rows = [resident(1), resident(2, estate="宝林二村", party="是"), resident(3)]
    report = do("residents", csv_bytes(RESIDENT_HEADER, rows))
    assert report.counts["created"] == 3 and report.problem_count == 0
    community = Community.objects.get(name="宝林一村居委会")
    stats = CommunityStats.objects.get(community=community)
    assert (stats.residents, stats.party_members) == (3, 1)
    user = person(1)
    assert user.id_number == ident(1) and user.phone == phone(1) and user.real_name == "居民乙1"
    assert not user.has_usable_password()
    m = Membership.objects.get(user=user)
    assert (m.status, m.estate.name, m.building, m.room) == ("approved", "宝林一村", "12", "301")
    assert RoleGrant.objects.filter(user=user, role=Role.RESIDENT, community=community, estate=m.estate).exists()
    # Nothing readable at rest: the raw columns hold ciphertext and indexes only.
    with connection.cursor() as cur:
        cur.execute("SELECT real_name, id_number, phone, real_name_grams FROM accounts_user WHERE id = %s", [user.pk])
        raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in cur.fetchone())
    for clear in (ident(1), phone(1), "居民乙1"):
        assert clear.encode() not in raw


def test_residents_rerun_changes_nothing_and_a_move_is_an_update(tree_loaded):
    data = csv_bytes(RESIDENT_HEADER, [resident(i) for i in range(1, 6)])
    do("residents", data)
    counts = (User.objects.count(), Membership.objects.count(), RoleGrant.objects.count(),
              CommunityStats.objects.get().residents)
    again = do("residents", data)
    assert again.counts["unchanged"] == 5 and again.counts["created"] == 0
    assert (User.objects.count(), Membership.objects.count(), RoleGrant.objects.count(),
            CommunityStats.objects.get().residents) == counts
    moved = do("residents", csv_bytes(RESIDENT_HEADER, [resident(1, estate="宝林二村")]))
    assert moved.counts["updated"] == 1
    user = person(1)
    assert Membership.objects.get(user=user).estate.name == "宝林二村"
    assert RoleGrant.objects.get(user=user, role=Role.RESIDENT).estate.name == "宝林二村"


def test_resident_problems_and_duplicates_are_reported_without_their_values(tree_loaded):
    bad_id = ident(7)[:-1] + ("0" if ident(7)[-1] != "0" else "1")
    rows = [
        resident(1),
        resident(1, 姓名="重复人"),                       # the same ID number again
        resident(2, 手机号码=phone(1)),                   # another person, the same phone
        resident(3, 身份证号码=bad_id),
        resident(4, 手机号码="1234"),
        resident(5, 居村委="没有这个居委会"),
        resident(6, estate="不存在小区"),
        resident(8, party="也许"),
    ]
    report = do("residents", csv_bytes(RESIDENT_HEADER, rows), dry_run=True)
    found = {(p.row, p.column): p.problem for p in report.problems}
    assert found[(3, "身份证号码")] == "与第2行的身份证号码重复"
    assert found[(4, "手机号码")] == "与第2行的手机号码重复"
    assert "校验位" in found[(5, "身份证号码")]
    assert "11位手机号码" in found[(6, "手机号码")]
    assert "没有这个居村委" in found[(7, "居村委")]
    assert "没有这个小区" in found[(8, "小区/村民小组")]
    assert found[(9, "党员")] == "请填写“是”或“否”"
    assert report.counts["duplicates"] == 2 and report.counts["created"] == 1
    text = "\n".join(report.lines())
    for value in (ident(1), phone(1), bad_id):
        assert value not in text
    assert not User.objects.exists()  # a dry run


def test_a_phone_already_used_by_another_person_on_the_platform_is_refused(tree_loaded):
    do("residents", csv_bytes(RESIDENT_HEADER, [resident(1)]))
    report = do("residents", csv_bytes(RESIDENT_HEADER, [resident(2, 手机号码=phone(1))]))
    assert report.problems[0].column == "手机号码" and "另一位用户" in report.problems[0].problem
    assert User.objects.count() == 1


def test_an_interrupted_real_run_resumes_after_its_last_committed_batch(tree_loaded, monkeypatch):
    from shequtong.operations.importers import people

    monkeypatch.setattr(people.ResidentImporter, "batch_size", 2)
    data = csv_bytes(RESIDENT_HEADER, [resident(i) for i in range(1, 8)])
    actor = make_with_role(Role.SYSADMIN, None)
    job = ImportJob.objects.create(kind="residents", file_name="r.csv", file_format="csv", created_by=actor,
                                   created_at=clock.now(),
                                   status=ImportJob.Status.QUEUED)
    calls = {"n": 0}
    original = people.ResidentImporter.apply

    def dies_on_the_third_batch(self, records):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker died")
        return original(self, records)

    monkeypatch.setattr(people.ResidentImporter, "apply", dies_on_the_third_batch)
    with pytest.raises(RuntimeError):
        jobs.execute(job, data, dry_run=False)
    job.refresh_from_db()
    residents = User.objects.filter(role_grants__role=Role.RESIDENT)
    assert job.rows_done == 4 and residents.count() == 4  # two batches committed, the third rolled back
    monkeypatch.setattr(people.ResidentImporter, "apply", original)
    seen: list[int] = []
    monkeypatch.setattr(people.ResidentImporter, "apply",
                        lambda self, records: (seen.extend(r.person.number for r in records), original(self, records))[1])
    report = jobs.execute(job, data, dry_run=False)
    assert seen == [6, 7, 8]  # only the rows after the committed ones (header is row 1)
    assert residents.count() == 7 and report.rows == 7
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.file_blob is None


def test_import_data_command_dry_run_prints_the_chinese_report_and_writes_nothing(tree_loaded, tmp_path, capsys):
    make_with_role(Role.SYSADMIN, None)
    path = tmp_path / "居民.csv"
    path.write_bytes(csv_bytes(RESIDENT_HEADER, [resident(1), resident(2, 手机号码="12")]))
    call_command("import_data", "residents", str(path), "--dry-run")
    captured = capsys.readouterr()
    assert "第3行 [手机号码]：请输入正确的11位手机号码" in captured.out
    assert "【预检】共读取 2 行：新增 1" in captured.out
    assert "100%" in captured.err  # the progress bar
    assert not User.objects.filter(id_number_index__isnull=False).exclude(role_grants__role=Role.SYSADMIN).exists()
    call_command("import_data", "residents", str(path), "--quiet")
    assert "【导入完成】" in capsys.readouterr().out
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_import_data_needs_a_system_administrator(tree_loaded, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes(RESIDENT_HEADER, [resident(1)]))
    with pytest.raises(CommandError, match="bootstrap_district"):
        call_command("import_data", "residents", str(path))


def test_templates_carry_the_documented_columns(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    call_command("import_data", "residents", str(path), "--template")
    headers = [c.value for c in next(load_workbook(path).worksheets[0].iter_rows(max_row=1))]
    assert headers == ["姓名*", "身份证号码*", "手机号码*", "街镇*", "居村委*", "小区/村民小组*", "楼号", "室号", "党员"]
    # ... and a filled-in template imports as it is (the starred headers are recognised).


# --- staff -----------------------------------------------------------------------------------------

def test_staff_import_grants_roles_at_their_level_and_refuses_administrator_roles(tree_loaded):
    rows = [
        ["孙丽华", ident(20), phone(20), "友谊路街道", "宝林一村居委会", "社工"],
        ["孙丽华", ident(20), phone(20), "友谊路街道", "宝林一村居委会", "书记"],  # one person, two roles
        ["吴晓东", ident(21), phone(21), "友谊路街道", "", "街镇观察员"],
        ["郑文辉", ident(22), phone(22), "", "", "区级观察员"],
        ["冒充者", ident(23), phone(23), "", "", "系统管理员"],
        ["无名", ident(24), phone(24), "友谊路街道", "", "社工"],  # a community role needs its community
    ]
    report = do("staff", csv_bytes(STAFF_HEADER, rows))
    assert {(p.row, p.column) for p in report.problems} == {(6, "角色"), (7, "居村委")}
    sun = person(20)
    assert set(RoleGrant.objects.filter(user=sun).values_list("role", flat=True)) == {"committee_staff", "committee_secretary"}
    assert sun.must_change_password and not sun.has_usable_password()
    wu = RoleGrant.objects.get(role=Role.SUBDISTRICT_OBSERVER)
    assert wu.community_id is None and wu.subdistrict.name == "友谊路街道"
    assert RoleGrant.objects.get(role=Role.DISTRICT_OBSERVER).subdistrict_id is None
    assert not RoleGrant.objects.filter(role=Role.SYSADMIN).exists()
    again = do("staff", csv_bytes(STAFF_HEADER, rows[:4]))
    assert again.counts["unchanged"] == 4


# --- uploaded files at rest --------------------------------------------------------------------------

def test_an_uploaded_file_is_stored_encrypted_and_dropped_when_its_import_fails(tree_loaded):
    from shequtong.notifications.models import Outbox
    from shequtong.operations import services

    admin = make_with_role(Role.SYSADMIN, None)
    data = csv_bytes(RESIDENT_HEADER, [resident(1)])
    job = services.upload_import(actor=admin, kind="residents", file_name="居民.csv", data=data)
    blob = bytes(ImportJob.objects.get(pk=job.pk).file_blob)
    assert ident(1).encode() not in blob and phone(1).encode() not in blob and "居民".encode() not in blob
    assert filestore.open_sealed(blob) == data
    row = Outbox.objects.get(kind=jobs.IMPORT_KIND)
    jobs.import_given_up(row)  # e.g. out of attempts
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.file_blob is None
