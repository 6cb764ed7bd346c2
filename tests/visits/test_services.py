"""Visit workflow (FV-2, FV-3): draft → submit → approve/return → archive → problems become cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from shequtong.cases.models import Case, Source
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox.models import Message
from shequtong.notifications.models import Outbox
from shequtong.visits import services
from shequtong.visits.models import Status, Visit, VisitEvent, VisitStats

from .conftest import approved, record, visit_input

pytestmark = pytest.mark.django_db

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 200


def test_draft_is_saved_with_problems_tags_and_history(tree, people):
    v = record(people.staff, tree.comm_a1)
    assert v.status == Status.DRAFT and v.subdistrict_id == tree.sub_a.pk
    assert [p.category for p in v.problems.all()] == ["construction", "safety"]
    assert v.tag_labels == ["老年人", "独居"]
    assert v.person_display == "周*兰"
    assert [e.kind for e in v.events.all()] == [VisitEvent.Kind.CREATED]
    assert {"楼道", "灯"} <= set(v.search_text.split())


def test_non_member_address_is_encrypted_at_rest_and_masked(tree, people):
    v = record(people.staff, tree.comm_a1)
    with connection.cursor() as cur:
        cur.execute("SELECT person_address FROM visits_visit WHERE id = %s", [v.pk])
        raw = bytes(cur.fetchone()[0])
    assert "友谊路".encode() not in raw
    fresh = Visit.objects.get(pk=v.pk)
    assert fresh.person_address == "友谊路100弄5号302室"
    assert fresh.masked_address == "友谊路100****"


def test_member_visit_stores_no_name_or_address(tree, people):
    v = record(people.staff, tree.comm_a1, person_id=people.member.pk, person_name="ignored", person_address="x")
    assert v.person_id == people.member.pk and v.person_name == "" and not Visit.objects.get(pk=v.pk).person_address
    assert v.person_display == "李*英"


def test_person_must_be_a_member_of_the_visit_community(tree, people):
    with pytest.raises(ValidationFailed) as exc:
        record(people.staff, tree.comm_a1, person_id=people.outsider_member.pk)
    assert exc.value.field == "person"
    assert not Visit.objects.exists()


@pytest.mark.parametrize(("field", "value", "error_field"), [
    ("title", " ", "title"), ("content", "", "content"), ("visit_type", "nope", "visit_type"),
    ("tags", ("nope",), "tags"), ("person_name", "", "person_name"),
    ("visited_on", dt.date(2026, 12, 1), "visited_on"),
    ("problems", (services.ProblemInput("nope", "x"),), "problems"),
])
def test_bad_input_is_refused_with_the_field(tree, people, field, value, error_field):
    with pytest.raises(ValidationFailed) as exc:
        record(people.staff, tree.comm_a1, **{field: value})
    assert exc.value.field == error_field
    assert not Visit.objects.exists()


def test_staff_cannot_record_for_another_community(tree, people):
    with pytest.raises(NotFound):
        record(people.staff, tree.comm_b1)
    assert not Visit.objects.exists()


def test_draft_can_be_edited_and_deleted_by_its_author_only(tree, people):
    v = record(people.staff, tree.comm_a1)
    new = visit_input(tree.comm_a1, title="改过的标题", problems=(services.ProblemInput("social", "缺少助餐点"),))
    with pytest.raises(NotFound):
        services.update_visit(actor=people.staff2, visit_id=v.pk, data=new)
    services.update_visit(actor=people.staff, visit_id=v.pk, data=new)
    v.refresh_from_db()
    assert v.title == "改过的标题" and [p.content for p in v.problems.all()] == ["缺少助餐点"]
    with pytest.raises(NotFound):
        services.delete_visit(actor=people.staff2, visit_id=v.pk)
    services.delete_visit(actor=people.staff, visit_id=v.pk)
    assert not Visit.objects.filter(pk=v.pk).exists()


def test_submitted_record_is_neither_editable_nor_deletable(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    assert v.status == Status.SUBMITTED and v.submitted_at is not None
    with pytest.raises(Conflict):
        services.update_visit(actor=people.staff, visit_id=v.pk, data=visit_input(tree.comm_a1))
    with pytest.raises(Conflict):
        services.delete_visit(actor=people.staff, visit_id=v.pk)


def test_secretary_approves_archives_and_rollup_follows(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    assert not VisitStats.objects.filter(pk=tree.comm_a1.pk).exists()
    services.approve_visit(actor=people.secretary, visit_id=v.pk)
    stats = VisitStats.objects.get(pk=tree.comm_a1.pk)
    assert (stats.published, stats.archived, stats.problems, stats.cases) == (1, 0, 2, 0)
    services.archive_visit(actor=people.secretary, visit_id=v.pk)
    stats.refresh_from_db()
    assert (stats.published, stats.archived) == (1, 1)
    v.refresh_from_db()
    assert v.status == Status.ARCHIVED and v.reviewed_by == people.secretary
    assert [e.kind for e in v.events.all()] == ["created", "submitted", "approved", "archived"]
    with pytest.raises(Conflict):
        services.approve_visit(actor=people.secretary, visit_id=v.pk)


def test_return_needs_a_reason_tells_the_author_and_allows_resubmission(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    with pytest.raises(ValidationFailed):
        services.return_visit(actor=people.secretary, visit_id=v.pk, reason="  ")
    services.return_visit(actor=people.secretary, visit_id=v.pk, reason="请补充问题描述")
    v.refresh_from_db()
    assert v.status == Status.RETURNED and v.return_reason == "请补充问题描述"
    notice = Message.objects.get(recipient=people.staff)
    assert "退回" in notice.subject and notice.link == v.get_absolute_url()
    services.update_visit(actor=people.staff, visit_id=v.pk, data=visit_input(tree.comm_a1, content="补充后的内容"), submit=True)
    v.refresh_from_db()
    assert v.status == Status.SUBMITTED and v.return_reason == ""
    assert not VisitStats.objects.filter(pk=tree.comm_a1.pk).exists()


def test_staff_and_other_secretaries_cannot_review(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    with pytest.raises(PermissionRefused):
        services.approve_visit(actor=people.staff2, visit_id=v.pk)
    with pytest.raises(NotFound):
        services.approve_visit(actor=people.other_secretary, visit_id=v.pk)
    with pytest.raises(NotFound):
        services.return_visit(actor=people.sub_observer, visit_id=v.pk, reason="x")
    v.refresh_from_db()
    assert v.status == Status.SUBMITTED


def test_chosen_problem_becomes_a_visit_case_once(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    first, second = v.problems.all()
    services.send_to_cases(actor=people.secretary, visit_id=v.pk, problem_ids=[first.pk])
    case = Case.objects.get()
    assert case.source == Source.VISIT and case.category == "construction"
    assert case.community == tree.comm_a1 and case.raised_by == people.member
    assert case.origin_type == "visit_problem" and case.origin_id == first.pk
    assert case.origin_url == v.get_absolute_url()
    first.refresh_from_db()
    assert first.case_id == case.pk and first.sent_by == people.secretary
    with pytest.raises(Conflict):
        services.send_to_cases(actor=people.secretary, visit_id=v.pk, problem_ids=[first.pk])
    assert Case.objects.count() == 1
    assert VisitStats.objects.get(pk=tree.comm_a1.pk).cases == 1
    assert v.events.filter(kind=VisitEvent.Kind.CASE).count() == 1
    assert second.case_id is None


def test_problems_go_on_only_after_approval_and_only_their_own(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    with pytest.raises(Conflict):
        services.send_to_cases(actor=people.secretary, visit_id=v.pk, problem_ids=[v.problems.first().pk])
    other = approved(people, tree.comm_a1)
    services.approve_visit(actor=people.secretary, visit_id=v.pk)
    with pytest.raises(ValidationFailed):
        services.send_to_cases(actor=people.secretary, visit_id=v.pk, problem_ids=[other.problems.first().pk])
    with pytest.raises(PermissionRefused):
        services.send_to_cases(actor=people.staff, visit_id=v.pk, problem_ids=[v.problems.first().pk])
    assert not Case.objects.exists()


def test_audio_clip_is_checked_for_type_and_size(tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clip = SimpleUploadedFile("note.webm", WEBM, content_type="audio/webm")
    v = record(people.staff, tree.comm_a1, audio=clip)
    assert v.audio.name.endswith(".webm") and v.audio_type == "audio/webm"
    fake = SimpleUploadedFile("virus.webm", b"MZ\x90\x00" + b"\x00" * 50, content_type="audio/webm")
    with pytest.raises(ValidationFailed) as exc:
        record(people.staff, tree.comm_a1, audio=fake)
    assert exc.value.field == "audio"
    big = SimpleUploadedFile("big.webm", WEBM + b"\x00" * (10 * 1024 * 1024), content_type="audio/webm")
    with pytest.raises(ValidationFailed):
        record(people.staff, tree.comm_a1, audio=big)
    assert Visit.objects.count() == 1


def test_staff_write_to_a_member_in_the_inbox(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    services.write_letter(actor=people.staff2, visit_id=v.pk, subject="关于楼道灯", body="已联系物业维修")
    letter = Message.objects.get(recipient=people.member)
    assert letter.sender == people.staff2 and letter.kind == Message.Kind.LETTER
    assert v.events.filter(kind=VisitEvent.Kind.LETTER).exists()


def test_email_to_a_member_goes_through_the_outbox(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    row = services.send_email(actor=people.staff, visit_id=v.pk, subject="关于楼道灯", body="已联系物业维修")
    assert row.kind == "email" and row.status == Outbox.Status.PENDING
    assert row.payload["user_id"] == people.member.pk and "li@example.test" not in str(row.payload)


def test_no_online_contact_for_non_members_or_without_email(tree, people):
    v = approved(people, tree.comm_a1)
    with pytest.raises(ValidationFailed):
        services.write_letter(actor=people.staff, visit_id=v.pk, subject="a", body="b")
    people.member.email = ""
    people.member.save(update_fields=["email"])
    m = approved(people, tree.comm_a1, person_id=people.member.pk)
    with pytest.raises(ValidationFailed):
        services.send_email(actor=people.staff, visit_id=m.pk, subject="a", body="b")
    with pytest.raises(NotFound):
        services.write_letter(actor=people.other_staff, visit_id=m.pk, subject="a", body="b")
    assert not Outbox.objects.filter(kind="email").exists()


def test_no_contact_from_a_draft_nor_by_observers(tree, people):
    draft = record(people.staff, tree.comm_a1, person_id=people.member.pk, person_name="")
    with pytest.raises(Conflict):
        services.write_letter(actor=people.staff, visit_id=draft.pk, subject="a", body="b")
    v = approved(people, tree.comm_a1, person_id=people.member.pk, person_name="")
    with pytest.raises(NotFound):
        services.write_letter(actor=people.sub_observer, visit_id=v.pk, subject="a", body="b")
    assert not Message.objects.filter(recipient=people.member).exists()
