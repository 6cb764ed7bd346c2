"""The pages: a resident reports with a photo, the committee responds, everyone sees what they may, in 长辈模式 too."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequtong.common import clock
from shequtong.epidemic import services
from shequtong.epidemic.models import HealthArchive, Report

from ..factories import image_upload
from .conftest import archive, report

pytestmark = pytest.mark.django_db


def _login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_a_resident_reports_a_clue_with_a_photo_through_the_page(cast, client):
    c = _login(client, cast.resident_a)
    page = c.get("/epidemic/clues/new/").content.decode()
    assert "线索上报" in page and "小区/村民小组" in page and "联系电话" in page
    estate_id = cast.a.estates.order_by("id").first().pk
    response = c.post("/epidemic/clues/new/", {
        "estate": estate_id, "building": "3", "room": "201", "occurred_at": "2026-11-27T09:00",
        "people": "一家三口", "content": "楼上邻居从外地回来未报备", "contact_name": "王小红",
        "contact_phone": "13812345678", "images": image_upload(),
    })
    clue = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == clue.get_absolute_url()
    assert clue.image_count == 1
    detail = c.get(clue.get_absolute_url()).content.decode()
    assert "待受理" in detail and "提交" in detail and 'data-testid="report-photo"' in detail
    photo = c.get(f"/epidemic/photos/{clue.images.get().pk}/")
    assert photo.status_code == 200 and "no-store" in photo["Cache-Control"]


def test_a_bad_form_shows_the_error_in_chinese_and_writes_nothing(cast, client):
    c = _login(client, cast.resident_a)
    response = c.post("/epidemic/help/new/", {"estate": cast.a.estates.first().pk, "occurred_at": "2026-11-27T09:00",
                                               "content": "需要买药", "contact_name": "王", "contact_phone": "xx"})
    assert response.status_code == 200 and "请填写正确的联系电话" in response.content.decode()
    assert not Report.objects.exists()


def test_the_committee_responds_on_the_page_and_the_reporter_sees_every_step(cast, client):
    clue = report(cast.resident_a, cast.a)
    staff = _login(client, cast.staff_a)
    listing = staff.get("/epidemic/clues/?status=submitted").content.decode()
    assert clue.content[:10] in listing
    staff.post(f"/epidemic/clues/{clue.pk}/respond/", {"action": "accept", "note": "已派人核实"})
    staff.post(f"/epidemic/clues/{clue.pk}/respond/", {"action": "finish", "note": "核实无误，已登记"})
    assert Report.objects.get(pk=clue.pk).status == "done"
    resident = _login(client, cast.resident_a)
    page = resident.get(clue.get_absolute_url()).content.decode()
    for word in ("已受理", "已派人核实", "已办结", "核实无误，已登记"):
        assert word in page
    assert 'data-testid="respond-form"' not in page


def test_the_committee_list_exports_xlsx_with_masked_columns(cast, client):
    report(cast.resident_a, cast.a)
    report(cast.resident_b, cast.b)
    response = _login(client, cast.staff_a).get("/epidemic/clues/export/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == cast.a.name and rows[1][10] == "138****5678"


def test_help_request_becomes_a_case_from_the_page(cast, client):
    help_request = report(cast.resident_a, cast.a, kind="help")
    c = _login(client, cast.staff_a)
    assert "转为问题跟踪" in c.get(help_request.get_absolute_url()).content.decode()
    c.post(f"/epidemic/help/{help_request.pk}/case/", {"category": "social", "note": "需要协调"})
    help_request.refresh_from_db()
    assert help_request.case_id is not None
    assert f"/cases/{help_request.case_id}/" in c.get(help_request.get_absolute_url()).content.decode()


def test_archive_pages_are_masked_never_cached_and_a_clear_read_is_audited(cast, client, a_archive):
    from shequtong.accounts.models import AuditEvent

    c = _login(client, cast.staff_a)
    listing = c.get("/epidemic/archives/")
    text = listing.content.decode()
    assert "周*兰" in text and "周桂兰" not in text and "310113196001010022" not in text
    assert "no-store" in listing["Cache-Control"]
    detail = c.get(a_archive.get_absolute_url()).content.decode()
    assert "3101**********0022" in detail and "13900001111" not in detail
    revealed = c.post(f"/epidemic/archives/{a_archive.pk}/reveal/").content.decode()
    assert "310113196001010022" in revealed and "高血压" in revealed
    assert AuditEvent.objects.filter(action="reveal", actor=cast.staff_a).count() == 1


def test_the_resident_sees_their_archive_and_reports_daily(cast, client, a_archive):
    c = _login(client, cast.resident_a)
    assert "周*兰" in c.get("/epidemic/archives/mine/").content.decode()
    c.post(f"/epidemic/archives/{a_archive.pk}/measure/", {"measured_on": clock.today().isoformat(),
                                                            "temperature": "37.5", "symptoms": ["cough"]})
    assert HealthArchive.objects.get(pk=a_archive.pk).last_measured_on == clock.today()
    page = c.get(a_archive.get_absolute_url()).content.decode()
    assert "37.5℃" in page and "咳嗽" in page


def test_a_resident_without_an_archive_sees_nothing(cast, client):
    archive(cast.staff_a, cast.a)
    page = _login(client, cast.party_member_a).get("/epidemic/archives/mine/").content.decode()
    assert "您尚未在社区建立健康档案" in page and "周*兰" not in page


def test_staff_create_edit_and_delete_an_archive_through_the_pages(cast, client):
    c = _login(client, cast.staff_a)
    form = {"estate": cast.a.estates.first().pk, "person_name": "李建华", "id_number": "", "phone": "13900003333",
            "reason": "health_management", "started_on": clock.today().isoformat(), "building": "1", "room": "101"}
    response = c.post("/epidemic/archives/new/", form)
    a = HealthArchive.objects.get()
    assert response["Location"] == a.get_absolute_url() and a.state == "health_management"
    c.post(f"/epidemic/archives/{a.pk}/edit/", {**form, "room": "102"})
    assert HealthArchive.objects.get().room == "102"
    c.post(f"/epidemic/archives/{a.pk}/move/", {"action": "confirm"})
    assert HealthArchive.objects.get().state == "confirmed"
    c.post(f"/epidemic/archives/{a.pk}/delete/")
    assert not HealthArchive.objects.exists()


def test_observers_see_figures_per_subdistrict_and_response_times(cast, client):
    clue = report(cast.resident_a, cast.a)
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="accept", note="收到")
    archive(cast.staff_a, cast.a)
    page = _login(client, cast.subdistrict_observer).get("/epidemic/observe/").content.decode()
    assert cast.tree.sub_a.name in page and cast.tree.sub_b.name not in page
    assert cast.a.name in page and "平均响应时间" in page and "累计观察" in page
    district = _login(client, cast.district).get("/epidemic/observe/").content.decode()
    assert cast.tree.sub_a.name in district and cast.tree.sub_b.name in district
    drill = client.get(f"/epidemic/observe/subdistricts/{cast.tree.sub_a.pk}/").content.decode()
    assert cast.a.name in drill
    estates = client.get(f"/epidemic/observe/communities/{cast.a.pk}/").content.decode()
    assert cast.a.estates.first().name in estates


@pytest.mark.parametrize("url", ["/epidemic/", "/epidemic/clues/new/", "/epidemic/clues/mine/", "/epidemic/archives/mine/"])
def test_resident_pages_work_in_elder_mode(cast, client, url):
    cast.resident_a.elder_mode = True
    cast.resident_a.save(update_fields=["elder_mode"])
    response = _login(client, cast.resident_a).get(url)
    assert response.status_code == 200 and 'class="elder' in response.content.decode()


def test_list_queries_stay_flat_as_rows_grow(cast, client, django_assert_max_num_queries):
    c = _login(client, cast.staff_a)
    for _ in range(3):
        report(cast.resident_a, cast.a)
        archive(cast.staff_a, cast.a, id_number="")
    c.get("/epidemic/clues/")
    with django_assert_max_num_queries(12) as few:
        c.get("/epidemic/clues/")
        c.get("/epidemic/archives/")
    n = len(few.captured_queries)
    for _ in range(10):
        report(cast.resident_a, cast.a)
        archive(cast.staff_a, cast.a, id_number="")
    with django_assert_max_num_queries(n):
        c.get("/epidemic/clues/")
        c.get("/epidemic/archives/")


def test_a_double_submitted_report_is_recorded_once(cast, client):
    c = _login(client, cast.resident_a)
    form = {"estate": cast.a.estates.order_by("id").first().pk, "occurred_at": "2026-11-27T09:00",
            "content": "楼下有人发热", "contact_name": "王小红", "contact_phone": "13812345678",
            "idempotency_key": "clue-key-0001"}
    first = c.post("/epidemic/clues/new/", form)
    second = c.post("/epidemic/clues/new/", form)
    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"] == Report.objects.get().get_absolute_url()


def test_the_edit_page_shows_the_fillers_phone_masked_and_keeps_or_unlinks_it(cast, client, a_archive):
    c = _login(client, cast.staff_a)
    page = c.get(f"/epidemic/archives/{a_archive.pk}/edit/").content.decode()
    phone = cast.resident_a.phone
    assert phone not in page and cast.resident_a.masked_phone in page
    form = {"estate": a_archive.estate_id, "person_name": "", "id_number": "", "phone": "",
            "reason": a_archive.reason, "started_on": a_archive.started_on.isoformat(), "room": "202",
            "relation": "本人", "account_phone": ""}
    c.post(f"/epidemic/archives/{a_archive.pk}/edit/", form)
    kept = HealthArchive.objects.get(pk=a_archive.pk)
    assert kept.room == "202" and kept.account_id == cast.resident_a.pk
    c.post(f"/epidemic/archives/{a_archive.pk}/edit/", {**form, "unlink_account": "on"})
    assert HealthArchive.objects.get(pk=a_archive.pk).account_id is None
