"""社区健康管理 (EP-3): archives, who reads them, the state machine, daily reports and warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from shequtong.accounts.models import AuditEvent
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, ValidationFailed
from shequtong.epidemic import selectors, services
from shequtong.epidemic.models import ArchiveEvent, HealthArchive, HealthWarning, Measurement
from shequtong.epidemic.policies import access_archive
from shequtong.inbox.models import Message

from .conftest import archive

pytestmark = pytest.mark.django_db


def test_staff_create_an_archive_encrypted_at_rest_and_masked_on_screen(cast, a_archive):
    a = HealthArchive.objects.get(pk=a_archive.pk)
    assert (a.state, a.reason, a.account_id, a.relation) == ("home_isolation", "home_isolation", cast.resident_a.pk, "本人")
    assert (a.person_display, a.masked_id_number, a.masked_phone) == ("周*兰", "3101**********0022", "139****1111")
    with connection.cursor() as c:
        c.execute("SELECT id_number, phone, contacts, health_note FROM epidemic_healtharchive WHERE id = %s", [a.pk])
        stored = b"".join(bytes(v) for v in c.fetchone())
    for clear in ("310113196001010022", "13900001111", "13900002222", "高血压"):
        assert clear.encode() not in stored
    assert list(a.events.values_list("kind", flat=True)) == ["created"]
    assert Message.objects.filter(recipient=cast.resident_a, subject="居村委为您建立了社区健康档案").exists()


@pytest.mark.parametrize(("field", "value", "name"), [
    ("id_number", "310113196001010023", "id_number"),
    ("person_name", "", "person_name"),
    ("reason", "confirmed", "reason"),
    ("account_phone", "13700000000", "account_phone"),
    ("started_on", dt.date(2030, 1, 1), "started_on"),
])
def test_bad_archive_input_is_refused_and_nothing_is_written(cast, field, value, name):
    with pytest.raises(ValidationFailed) as err:
        archive(cast.staff_a, cast.a, **{field: value})
    assert err.value.field == name and err.value.message
    assert not HealthArchive.objects.exists()


def test_a_resident_of_another_community_cannot_be_the_account(cast):
    with pytest.raises(ValidationFailed):
        archive(cast.staff_a, cast.a, account_phone=cast.resident_b.phone)


@pytest.mark.parametrize("who", ["staff_b", "secretary_b", "resident_a", "subdistrict_observer", "district", "police_a"])
def test_only_the_committee_creates_archives_for_its_community(cast, who):
    with pytest.raises(NotFound):
        archive(cast.member(who), cast.a)
    assert not HealthArchive.objects.exists()


# --- who reads an archive -----------------------------------------------------------------

@pytest.mark.parametrize(("who", "reads"), [
    ("resident_a", "account"), ("staff_a", "manage"), ("secretary_a", "manage"),
    ("subdistrict_observer", "observe"), ("district", "observe"),
    ("resident_b", None), ("party_member_a", None), ("villager", None), ("staff_b", None), ("secretary_b", None),
    ("subdistrict_observer_other", None), ("sysadmin", None), ("police_a", None), ("doctor_a", None),
])
def test_who_reads_an_archive_at_every_level(cast, a_archive, who, reads):
    user = cast.member(who)
    if reads is None:
        with pytest.raises(NotFound):
            access_archive(user, a_archive.pk)
        assert a_archive.pk not in {x.pk for x in selectors.archive_rows(user)}
        assert a_archive.pk not in {x.pk for x in selectors.my_archives(user)}
        return
    _, access = access_archive(user, a_archive.pk)
    assert (access.is_account, access.can_manage, access.can_observe) == (
        reads == "account", reads == "manage", reads == "observe")
    assert access.can_reveal == (reads == "manage")
    listed = {x.pk for x in selectors.archive_rows(user)} | {x.pk for x in selectors.my_archives(user)}
    assert a_archive.pk in listed


def test_a_committee_never_sees_another_committees_archives(cast, a_archive):
    b_archive = archive(cast.staff_b, cast.b)
    assert [x.pk for x in selectors.archive_rows(cast.staff_a)] == [a_archive.pk]
    assert [x.pk for x in selectors.archive_rows(cast.staff_b)] == [b_archive.pk]
    assert {x.pk for x in selectors.archive_rows(cast.district)} == {a_archive.pk, b_archive.pk}
    assert [x.pk for x in selectors.archive_rows(cast.subdistrict_observer_other)] == [b_archive.pk]


def test_a_resident_sees_their_own_and_their_familys_archives_and_nothing_otherwise(cast, a_archive):
    family = archive(cast.staff_a, cast.a, person_name="王大明", id_number="", account_phone=cast.resident_a.phone,
                     relation="父亲")
    archive(cast.staff_a, cast.a, person_name="李四")  # nobody's account
    assert [x.pk for x in selectors.my_archives(cast.resident_a)] == [a_archive.pk, family.pk]
    assert list(selectors.my_archives(cast.party_member_a)) == []


def test_a_clear_read_is_audit_logged(cast, a_archive):
    clear = services.reveal_archive(actor=cast.staff_a, archive_id=a_archive.pk)
    assert clear["身份证号"] == "310113196001010022" and clear["健康情况"] == "高血压"
    event = AuditEvent.objects.get(action="reveal", actor=cast.staff_a)
    assert event.target_id == str(a_archive.pk)
    for who in ("subdistrict_observer", "resident_a"):
        with pytest.raises(NotFound):
            services.reveal_archive(actor=cast.member(who), archive_id=a_archive.pk)
    assert AuditEvent.objects.filter(action="reveal").count() == 1


def test_edit_and_delete(cast, a_archive):
    from .conftest import archive_input

    services.update_archive(actor=cast.staff_a, archive_id=a_archive.pk,
                            data=archive_input(cast.a, reason="health_management", room="402",
                                                   unlink_account=True))
    a = HealthArchive.objects.get(pk=a_archive.pk)
    assert (a.reason, a.state, a.room, a.account_id) == ("health_management", "health_management", "402", None)
    with pytest.raises(NotFound):
        services.delete_archive(actor=cast.staff_b, archive_id=a.pk)
    services.delete_archive(actor=cast.secretary_a, archive_id=a.pk)
    assert not HealthArchive.objects.exists()
    assert AuditEvent.objects.filter(action="delete", target_id=str(a.pk)).exists()


def test_deleting_an_archive_records_a_valid_audit_action(cast, a_archive):
    services.delete_archive(actor=cast.secretary_a, archive_id=a_archive.pk)
    event = AuditEvent.objects.get(target_type="epidemic.healtharchive", target_id=str(a_archive.pk))
    assert event.action == AuditEvent.Action.DELETE and event.action in AuditEvent.Action.values
    assert event.get_action_display() == "删除记录"
    event.full_clean()  # the stored action is one of the field's choices
    # What was deleted is described without the person's name, clear or masked.
    assert "周" not in str(event.detail)


# --- the state machine --------------------------------------------------------------------

STATES = ("home_isolation", "health_management", "confirmed", "released")
ALLOWED = {("home_isolation", "confirm"): "confirmed", ("home_isolation", "release"): "released",
           ("health_management", "confirm"): "confirmed", ("health_management", "release"): "released"}


def _in_state(cast, state):
    reason = state if state in ("home_isolation", "health_management") else "health_management"
    a = archive(cast.staff_a, cast.a, reason=reason)
    if state == "confirmed":
        services.move_archive(actor=cast.staff_a, archive_id=a.pk, action="confirm")
    elif state == "released":
        services.move_archive(actor=cast.staff_a, archive_id=a.pk, action="release")
    return HealthArchive.objects.get(pk=a.pk)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ["confirm", "release"])
def test_every_move_is_allowed_or_refused_as_the_table_says(cast, state, action):
    a = _in_state(cast, state)
    events = ArchiveEvent.objects.filter(archive=a).count()
    if (state, action) in ALLOWED:
        moved = services.move_archive(actor=cast.staff_a, archive_id=a.pk, action=action)
        assert moved.state == ALLOWED[(state, action)]
        assert HealthArchive.objects.get(pk=a.pk).state == ALLOWED[(state, action)]
    else:
        with pytest.raises(Conflict):
            services.move_archive(actor=cast.staff_a, archive_id=a.pk, action=action)
        assert HealthArchive.objects.get(pk=a.pk).state == state
        assert ArchiveEvent.objects.filter(archive=a).count() == events


@pytest.mark.parametrize("action", ["observe", "", "unconfirm"])
def test_unknown_moves_are_refused(cast, a_archive, action):
    with pytest.raises(ValidationFailed):
        services.move_archive(actor=cast.staff_a, archive_id=a_archive.pk, action=action)


@pytest.mark.parametrize("who", ["resident_a", "staff_b", "subdistrict_observer", "district"])
def test_only_the_committee_moves_an_archive(cast, a_archive, who):
    with pytest.raises(NotFound):
        services.move_archive(actor=cast.member(who), archive_id=a_archive.pk, action="confirm")
    assert HealthArchive.objects.get(pk=a_archive.pk).state == "home_isolation"


def test_confirming_reports_to_the_subdistrict_at_once(cast, a_archive):
    moved = services.move_archive(actor=cast.staff_a, archive_id=a_archive.pk, action="confirm", note="医院确诊")
    assert moved.confirmed_at == moved.reported_at == clock.now()
    told = set(Message.objects.filter(subject__startswith="转确诊上报").values_list("recipient_id", flat=True))
    assert told == {cast.subdistrict_observer.pk}
    assert list(moved.events.values_list("kind", flat=True)) == ["created", "confirmed", "reported"]


def test_the_reason_cannot_change_after_confirmation(cast, a_archive):
    from .conftest import archive_input

    services.move_archive(actor=cast.staff_a, archive_id=a_archive.pk, action="confirm")
    with pytest.raises(Conflict):
        services.update_archive(actor=cast.staff_a, archive_id=a_archive.pk,
                                data=archive_input(cast.a, reason="health_management"))
    assert HealthArchive.objects.get(pk=a_archive.pk).state == "confirmed"


# --- daily measurements -------------------------------------------------------------------

def test_the_resident_reports_for_themself_and_their_family_and_staff_report_too(cast, a_archive):
    family = archive(cast.staff_a, cast.a, person_name="王大明", id_number="", account_phone=cast.resident_a.phone)
    today = clock.today()
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=today, temperature="36.5")
    services.record_measurement(actor=cast.resident_a, archive_id=family.pk, measured_on=today, temperature="36.6")
    m = services.record_measurement(actor=cast.staff_a, archive_id=a_archive.pk, measured_on=today, temperature="36.7",
                                    note="电话随访")
    assert m.by_staff and Measurement.objects.count() == 3
    assert HealthArchive.objects.get(pk=family.pk).last_measured_on == today
    for who in ("resident_b", "party_member_a", "staff_b", "subdistrict_observer"):
        with pytest.raises(NotFound):
            services.record_measurement(actor=cast.member(who), archive_id=a_archive.pk, measured_on=today,
                                        temperature="36.5")
    assert Measurement.objects.count() == 3


def test_a_confirmed_persons_data_is_still_recorded_but_not_after_release(cast):
    confirmed = _in_state(cast, "confirmed")
    released = _in_state(cast, "released")
    services.record_measurement(actor=cast.staff_a, archive_id=confirmed.pk, measured_on=clock.today(), temperature="38.5")
    assert not HealthWarning.objects.exists()  # warnings are for people still under observation
    with pytest.raises(Conflict):
        services.record_measurement(actor=cast.staff_a, archive_id=released.pk, measured_on=clock.today(),
                                    temperature="36.5")


@pytest.mark.parametrize(("temperature", "symptoms", "kwargs", "message"), [
    ("abc", [], {}, "请填写体温，如 36.5"),
    ("33.9", [], {}, "体温应在34.0至43.0℃之间"),
    ("43.1", [], {}, "体温应在34.0至43.0℃之间"),
    ("36.5", ["sneeze"], {}, "症状选项无效"),
    ("36.5", [], {"measured_on": dt.date(2026, 11, 28)}, "日期不能晚于今天"),
    ("36.5", [], {"measured_on": dt.date(2026, 11, 19)}, "只能补填7天内的数据"),
    ("36.5", [], {"measured_on": dt.date(2026, 11, 23)}, "日期不能早于开始日期"),
])
def test_bad_measurements_are_refused(cast, a_archive, temperature, symptoms, kwargs, message):
    kwargs.setdefault("measured_on", clock.today())
    with pytest.raises(ValidationFailed) as err:
        services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, temperature=temperature,
                                    symptoms=symptoms, **kwargs)
    assert err.value.message == message
    assert not Measurement.objects.exists()


def test_measured_values_are_encrypted_at_rest(cast, a_archive):
    m = services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=clock.today(),
                                    temperature="37.8", symptoms=["cough"], note="夜里咳嗽")
    with connection.cursor() as c:
        c.execute("SELECT temperature, symptoms, note FROM epidemic_measurement WHERE id = %s", [m.pk])
        stored = b"".join(bytes(v) for v in c.fetchone())
    for clear in ("37.8", "cough", "夜里咳嗽"):
        assert clear.encode() not in stored
    m.refresh_from_db()
    assert (m.temperature, m.symptom_labels, m.febrile, m.symptomatic) == ("37.8", ["咳嗽"], True, True)


# --- warnings at their boundaries -----------------------------------------------------------

@pytest.mark.parametrize(("temperature", "warned"), [
    ("36.9", False), ("37.2", False), ("37.3", True), ("37.4", True), ("39.0", True),
])
def test_the_fever_warning_starts_at_37_3(cast, a_archive, temperature, warned):
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=clock.today(),
                                temperature=temperature)
    assert HealthWarning.objects.filter(kind="fever").exists() == warned
    assert Measurement.objects.get().febrile == warned
    assert services.warning_kinds(Decimal("37.2"), []) == []
    assert services.warning_kinds(Decimal("37.3"), []) == ["fever"]


def test_a_listed_symptom_warns_and_staff_on_duty_are_told_once(cast, a_archive):
    today = clock.today()
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=today,
                                temperature="36.6", symptoms=["cough"])
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=today,
                                temperature="36.7", symptoms=["cough", "fatigue"])
    assert list(HealthWarning.objects.values_list("kind", "day")) == [("symptom", today)]
    told = list(Message.objects.filter(subject__startswith="症状预警").values_list("recipient_id", flat=True))
    assert sorted(told) == sorted([cast.staff_a.pk, cast.secretary_a.pk])
    assert [w.archive_id for w in selectors.warnings_for(cast.staff_a)] == [a_archive.pk]
    assert list(selectors.warnings_for(cast.staff_b)) == []
    assert [w.archive_id for w in selectors.warnings_for(cast.subdistrict_observer)] == [a_archive.pk]


def test_a_missed_day_warns_once_and_a_reported_day_does_not(cast, time_machine):
    missed = archive(cast.staff_a, cast.a, person_name="甲")
    reported = archive(cast.staff_a, cast.a, person_name="乙")
    released = archive(cast.staff_a, cast.a, person_name="丁")
    services.move_archive(actor=cast.staff_a, archive_id=released.pk, action="release")
    services.record_measurement(actor=cast.staff_a, archive_id=reported.pk, measured_on=clock.today(), temperature="36.5")
    time_machine.move_to(clock.now() + dt.timedelta(days=1), tick=False)
    created_today = archive(cast.staff_a, cast.a, person_name="丙")  # back-dated start, but nothing was due yet
    yesterday = clock.today() - dt.timedelta(days=1)
    assert services.scan_missed_reports() == 1
    assert list(HealthWarning.objects.values_list("archive_id", "kind", "day")) == [(missed.pk, "missed", yesterday)]
    assert services.scan_missed_reports() == 0  # once
    told = Message.objects.filter(subject__startswith="症状预警").values_list("recipient_id", flat=True)
    assert sorted(told) == sorted([cast.staff_a.pk, cast.secretary_a.pk])
    # A day later the reported archive missed its day too, and so did the one created yesterday.
    time_machine.move_to(clock.now() + dt.timedelta(days=1), tick=False)
    assert services.scan_missed_reports() == 3
    assert {w.archive_id for w in HealthWarning.objects.filter(day=clock.today() - dt.timedelta(days=1))} == {
        missed.pk, reported.pk, created_today.pk}


def test_warnings_show_on_the_committee_page_per_estate(cast, a_archive, client):
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=clock.today(),
                                temperature="38.0")
    rows = {r["estate"].pk: r for r in selectors.estate_figures(cast.staff_a, cast.a)}
    assert rows[a_archive.estate_id]["warnings"] == 1 and rows[a_archive.estate_id]["symptomatic"] == 1
    client.force_login(cast.staff_a)
    page = client.get("/epidemic/manage/").content.decode()
    assert "症状预警" in page and "体温异常" in page and 'data-testid="estate-warning"' in page


def test_the_archive_export_reads_back_with_scoped_rows_and_masked_identity(cast, a_archive):
    import io

    from openpyxl import load_workbook

    archive(cast.staff_b, cast.b, person_name="钱某某")
    for who, expected in (("staff_a", [a_archive.pk]), ("subdistrict_observer", [a_archive.pk])):
        rows = selectors.archive_export_rows(cast.member(who), selectors.ArchiveFilters())
        data = services.export_archives(actor=cast.member(who), archives=rows, filters={})
        sheet = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
        header, body = sheet[0], sheet[1:]
        assert [r[0] for r in body] == expected
        row = dict(zip(header, body[0], strict=True))
        assert (row["姓名"], row["身份证号"], row["联系电话"]) == ("周*兰", "3101**********0022", "139****1111")
        assert (row["管理类型"], row["状态"]) == ("居家隔离观察", "居家隔离观察")
        assert "高血压" not in str(body) and "13900002222" not in str(body)
    district_rows = selectors.archive_export_rows(cast.district, selectors.ArchiveFilters(state="home_isolation"))
    assert len(district_rows) == 2
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_the_missed_report_scan_is_a_worker_job():
    from shequtong.notifications import scheduler

    assert scheduler.jobs()["epidemic.missed_reports"] is services.scan_missed_reports


def test_the_edit_page_never_shows_identity_in_clear_and_empty_fields_keep_their_values(cast, a_archive, client):
    from .conftest import archive_input

    client.force_login(cast.staff_a)
    page = client.get(f"/epidemic/archives/{a_archive.pk}/edit/").content.decode()
    assert "310113196001010022" not in page and "13900001111" not in page and "高血压" not in page
    assert "3101**********0022（留空则不修改）" in page
    services.update_archive(actor=cast.staff_a, archive_id=a_archive.pk, data=archive_input(
        cast.a, id_number="", phone="", contacts="", health_note="", room="909"))
    a = HealthArchive.objects.get(pk=a_archive.pk)
    assert (a.id_number, a.phone, a.contacts, a.health_note, a.room) == (
        "310113196001010022", "13900001111", "周大海 13900002222", "高血压", "909")
