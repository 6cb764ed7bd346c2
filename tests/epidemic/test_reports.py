"""线索上报 and 防疫求助 (EP-1, EP-2): reporting, the committee's response, history, notices, cases, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shequtong.cases.models import Case
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, ValidationFailed
from shequtong.epidemic import selectors, services
from shequtong.epidemic.models import Report, ReportEvent, ReportImage
from shequtong.inbox.models import Message
from shequtong.notifications.models import Outbox

from ..factories import image_upload
from .conftest import report

pytestmark = pytest.mark.django_db


def test_a_resident_reports_a_clue_with_every_field_and_a_photo_and_the_committee_hears_at_once(cast):
    clue = report(cast.resident_a, cast.a, images=[image_upload()])
    clue.refresh_from_db()
    assert (clue.kind, clue.status, clue.by_committee) == ("clue", "submitted", False)
    assert clue.community_id == cast.a.pk and clue.subdistrict_id == cast.a.subdistrict_id
    assert (clue.building, clue.room, clue.contact_phone) == ("3", "201", "13812345678")
    assert clue.people == "李某某，电话13987654321"
    assert ReportImage.objects.filter(report=clue).count() == 1 == clue.image_count
    assert list(clue.events.values_list("kind", flat=True)) == ["submitted"]
    # 信箱 at once, and one push per staff member for the outbox to fan out by channel preference.
    told = set(Message.objects.filter(subject__startswith="新的线索上报").values_list("recipient_id", flat=True))
    assert told == {cast.staff_a.pk, cast.secretary_a.pk}
    pushed = {row.payload["user_id"] for row in Outbox.objects.filter(kind="push")}
    assert pushed == {cast.staff_a.pk, cast.secretary_a.pk}


def test_encrypted_fields_are_not_stored_in_clear(cast):
    from django.db import connection

    clue = report(cast.resident_a, cast.a)
    with connection.cursor() as c:
        c.execute("SELECT people, contact_phone FROM epidemic_report WHERE id = %s", [clue.pk])
        people, phone = c.fetchone()
    assert b"13812345678" not in bytes(phone) and "李某某".encode() not in bytes(people)


def test_committee_staff_report_as_the_committee_and_are_not_told_of_their_own(cast):
    clue = report(cast.staff_a, cast.a, kind="help")
    assert clue.by_committee and clue.kind == "help"
    assert set(Message.objects.values_list("recipient_id", flat=True)) == {cast.secretary_a.pk}


@pytest.mark.parametrize("who", ["resident_b", "villager", "staff_b", "subdistrict_observer", "district"])
def test_nobody_reports_to_a_community_that_is_not_theirs(cast, who):
    with pytest.raises(NotFound):
        report(cast.member(who), cast.a)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("content", "  ", "请填写情况描述"),
    ("contact_name", "", "请填写联系人"),
    ("contact_phone", "abc", "请填写正确的联系电话"),
    ("occurred_at", clock.now() + dt.timedelta(days=1), "发生时间不能晚于现在"),
    ("content", "长" * 2001, "内容不能超过2000字"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(cast, field, value, message):
    with pytest.raises(ValidationFailed) as err:
        report(cast.resident_a, cast.a, **{field: value})
    assert err.value.message == message
    assert not Report.objects.exists() and not Message.objects.exists()


def test_an_estate_of_another_community_is_refused(cast):
    with pytest.raises(ValidationFailed) as err:
        report(cast.resident_a, cast.a, estate=cast.b.estates.first())
    assert err.value.field == "estate"


def test_a_file_that_is_not_an_image_is_refused(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationFailed):
        report(cast.resident_a, cast.a, images=[SimpleUploadedFile("x.png", b"not an image", content_type="image/png")])
    assert not Report.objects.exists()


# --- the committee's response ------------------------------------------------------------

def test_accept_progress_finish_each_step_in_history_and_told_to_the_reporter(cast):
    clue = report(cast.resident_a, cast.a)
    Message.objects.all().delete()
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="accept", note="已联系楼组长核实")
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="progress")
    done = services.respond_report(actor=cast.secretary_a, kind="clue", report_id=clue.pk, action="finish",
                                   note="已登记并通知社区卫生服务中心")
    assert (done.status, done.result) == ("done", "已登记并通知社区卫生服务中心")
    assert done.response_note == "已联系楼组长核实" and done.accepted_at == clock.now() and done.done_at == clock.now()
    kinds = list(ReportEvent.objects.filter(report=clue).values_list("kind", "note"))
    assert kinds == [("submitted", ""), ("accepted", "已联系楼组长核实"), ("in_progress", ""),
                     ("done", "已登记并通知社区卫生服务中心")]
    subjects = list(Message.objects.filter(recipient=cast.resident_a).order_by("id").values_list("subject", flat=True))
    assert subjects == ["您的线索上报已受理", "您的线索上报处理中", "您的线索上报已办结"]


def test_finish_straight_after_accept_is_allowed(cast):
    clue = report(cast.resident_a, cast.a)
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="accept", note="收到")
    assert services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="finish",
                                   note="已处理").status == "done"


@pytest.mark.parametrize(("steps", "action"), [
    ([], "progress"),                                  # 处理中 before 受理
    ([], "finish"),                                    # 办结 before 受理
    ([("accept", "收到")], "accept"),                   # 受理 twice
    ([("accept", "收到"), ("progress", "")], "progress"),
    ([("accept", "收到"), ("finish", "好了")], "accept"),  # anything after 办结
    ([("accept", "收到"), ("finish", "好了")], "progress"),
    ([("accept", "收到"), ("finish", "好了")], "finish"),
])
def test_refused_moves_change_nothing(cast, steps, action):
    clue = report(cast.resident_a, cast.a)
    for a, note in steps:
        services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action=a, note=note)
    before = (Report.objects.get(pk=clue.pk).status, ReportEvent.objects.count())
    with pytest.raises(Conflict):
        services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action=action, note="再来")
    assert (Report.objects.get(pk=clue.pk).status, ReportEvent.objects.count()) == before


@pytest.mark.parametrize(("action", "message"), [("accept", "请填写受理说明"), ("finish", "请填写办结结果")])
def test_accept_needs_a_note_and_finish_a_result(cast, action, message):
    clue = report(cast.resident_a, cast.a)
    if action == "finish":
        services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action="accept", note="收到")
    with pytest.raises(ValidationFailed) as err:
        services.respond_report(actor=cast.staff_a, kind="clue", report_id=clue.pk, action=action, note=" ")
    assert err.value.message == message


@pytest.mark.parametrize("who", ["resident_a", "staff_b", "secretary_b", "subdistrict_observer", "district",
                                 "subdistrict_observer_other", "police_a"])
def test_only_the_committee_of_the_community_responds(cast, who):
    clue = report(cast.resident_a, cast.a)
    with pytest.raises(NotFound):
        services.respond_report(actor=cast.member(who), kind="clue", report_id=clue.pk, action="accept", note="收到")
    assert Report.objects.get(pk=clue.pk).status == "submitted"


def test_a_clue_id_is_not_a_help_request(cast):
    clue = report(cast.resident_a, cast.a)
    with pytest.raises(NotFound):
        services.respond_report(actor=cast.staff_a, kind="help", report_id=clue.pk, action="accept", note="收到")


# --- a help request becomes a case ------------------------------------------------------------

def test_a_help_request_turns_into_a_case_with_one_action_keeping_the_link(cast):
    help_request = report(cast.resident_a, cast.a, kind="help", content="家中老人独居隔离，需要代购药品")
    case_id = services.help_request_to_case(actor=cast.staff_a, report_id=help_request.pk, category="social",
                                            note="需街镇协调药品")
    case = Case.objects.get(pk=case_id)
    assert (case.source, case.category, case.community_id) == ("epidemic_help", "social", cast.a.pk)
    assert case.raised_by_id == cast.resident_a.pk
    assert (case.origin_type, case.origin_id, case.origin_url) == (
        "epidemic_help", help_request.pk, help_request.get_absolute_url())
    help_request.refresh_from_db()
    assert help_request.case_id == case.pk
    assert help_request.events.last().kind == "case"
    with pytest.raises(Conflict):
        services.help_request_to_case(actor=cast.staff_a, report_id=help_request.pk, category="social")
    assert Case.objects.count() == 1


def test_only_help_requests_of_ones_own_committee_become_cases(cast):
    clue = report(cast.resident_a, cast.a)
    help_request = report(cast.resident_a, cast.a, kind="help")
    with pytest.raises(NotFound):
        services.help_request_to_case(actor=cast.staff_a, report_id=clue.pk, category="social")
    for who in ("staff_b", "subdistrict_observer", "resident_a"):
        with pytest.raises(NotFound):
            services.help_request_to_case(actor=cast.member(who), report_id=help_request.pk, category="social")
    with pytest.raises(ValidationFailed):
        services.help_request_to_case(actor=cast.staff_a, report_id=help_request.pk, category="")
    assert not Case.objects.exists()


# --- lists, filters and exports ---------------------------------------------------------------

def test_lists_filter_by_time_range_and_response_status(cast, time_machine):
    old = report(cast.resident_a, cast.a)
    time_machine.move_to(clock.now() + dt.timedelta(days=3), tick=False)
    new = report(cast.resident_a, cast.a)
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=new.pk, action="accept", note="收到")
    f = selectors.ReportFilters
    staff = cast.staff_a
    assert list(selectors.reports_for(staff, "clue", f())) == [new, old]
    today = clock.today()
    assert list(selectors.reports_for(staff, "clue", f(date_from=today))) == [new]
    assert list(selectors.reports_for(staff, "clue", f(date_to=today - dt.timedelta(days=1)))) == [old]
    assert list(selectors.reports_for(staff, "clue", f(status="submitted"))) == [old]
    assert list(selectors.reports_for(staff, "clue", f(status="accepted"))) == [new]
    assert list(selectors.reports_for(staff, "help", f())) == []


@pytest.mark.parametrize(("who", "sees"), [
    ("staff_a", {"A"}), ("secretary_a", {"A"}), ("staff_b", {"B"}), ("subdistrict_observer", {"A"}),
    ("subdistrict_observer_other", {"B"}), ("district", {"A", "B"}),
    ("resident_a", set()), ("police_a", set()), ("sysadmin", set()), ("service_center", set()),
])
def test_every_level_sees_exactly_its_scope(cast, who, sees):
    a = report(cast.resident_a, cast.a)
    b = report(cast.resident_b, cast.b)
    got = {("A" if r.pk == a.pk else "B") for r in selectors.reports_for(cast.member(who), "clue")}
    assert got == sees
    assert {r.pk for r in selectors.export_rows(cast.member(who), "clue", selectors.ReportFilters())} == \
        {a.pk if s == "A" else b.pk for s in sees}


def _sheet(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_the_export_reads_back_with_the_scoped_rows_and_masked_columns(cast):
    a = report(cast.resident_a, cast.a, content="=HYPERLINK(\"x\") 楼下有人发热")
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=a.pk, action="accept", note="联系13800001111")
    report(cast.resident_b, cast.b)
    rows = selectors.export_rows(cast.staff_a, "clue", selectors.ReportFilters())
    sheet = _sheet(services.export_reports(actor=cast.staff_a, kind="clue", reports=rows, filters={}))
    header, body = sheet[0], sheet[1:]
    assert len(body) == 1 and body[0][0] == a.pk
    row = dict(zip(header, body[0], strict=True))
    assert row["联系电话"] == "138****5678"
    assert row["联系人"] == "王*红"
    assert "13987654321" not in row["涉及人员"]
    assert "13800001111" not in row["受理说明"]
    assert row["情况描述"].startswith("'=")  # a formula is written as text
    assert (row["响应状态"], row["居村委"], row["小区/村民小组"]) == ("已受理", cast.a.name, a.estate.name)
    from shequtong.accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", actor=cast.staff_a).count() == 1


def test_the_reporter_lists_only_their_own(cast):
    mine = report(cast.resident_a, cast.a)
    report(cast.party_member_a, cast.a)
    assert list(selectors.my_reports(cast.resident_a, "clue")) == [mine]


# --- observers: response times per committee (EP-4) ------------------------------------------

def test_response_times_per_committee_inside_each_observers_scope(cast, time_machine):
    a1 = report(cast.resident_a, cast.a)
    a2 = report(cast.resident_a, cast.a, kind="help")
    report(cast.resident_a, cast.a)  # not answered yet
    b = report(cast.resident_b, cast.b)
    time_machine.move_to(clock.now() + dt.timedelta(minutes=90), tick=False)
    services.respond_report(actor=cast.staff_a, kind="clue", report_id=a1.pk, action="accept", note="收到")
    time_machine.move_to(clock.now() + dt.timedelta(minutes=60), tick=False)
    services.respond_report(actor=cast.staff_a, kind="help", report_id=a2.pk, action="accept", note="收到")
    services.respond_report(actor=cast.staff_b, kind="clue", report_id=b.pk, action="accept", note="收到")

    rows = {r["community"].pk: r for r in selectors.response_times(cast.district)}
    assert set(rows) == {cast.a.pk, cast.b.pk}
    assert (rows[cast.a.pk]["total"], rows[cast.a.pk]["accepted"], rows[cast.a.pk]["open"]) == (3, 2, 1)
    assert rows[cast.a.pk]["mean_seconds"] == (90 * 60 + 150 * 60) // 2
    assert rows[cast.b.pk]["mean_seconds"] == 150 * 60
    assert rows[cast.b.pk]["mean_display"] == "2小时30分钟"
    assert [r["community"].pk for r in selectors.response_times(cast.subdistrict_observer)] == [cast.a.pk]
    assert [r["community"].pk for r in selectors.response_times(cast.subdistrict_observer_other)] == [cast.b.pk]
    assert [r["community"].pk for r in selectors.response_times(cast.district, "help")] == [cast.a.pk]
    for who in ("staff_a", "resident_a", "sysadmin", "service_center"):
        assert selectors.response_times(cast.member(who)) == []


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, "—"), (30, "1分钟内"), (60, "1分钟"), (3599, "59分钟"), (3600, "1小时0分钟"), (90000, "1天1小时"),
])
def test_response_time_display(seconds, shown):
    assert selectors.duration_display(seconds) == shown


def test_the_notice_reaches_sms_and_wechat_by_the_staff_members_own_choice(cast):
    """The push row is fanned out by the worker to the channels each person chose (NF-6)."""
    from shequtong.integrations.sms import ConsoleSmsGateway
    from shequtong.notifications import outbox, preferences

    preferences.set_preferences(actor=cast.staff_a, email=False, sms=True, wechat=False)
    preferences.set_preferences(actor=cast.secretary_a, email=False, sms=False, wechat=False)
    report(cast.resident_a, cast.a)
    outbox.deliver_due()
    outbox.deliver_due()
    sms_rows = Outbox.objects.filter(kind="sms")
    assert [row.payload["user_id"] for row in sms_rows] == [cast.staff_a.pk]
    assert any("新的线索上报" in text for _phone, text in ConsoleSmsGateway.sent)
