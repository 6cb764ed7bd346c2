"""Visit pages: committee list and form, detail actions, picker masking, observer drill-down."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequtong.cases.models import Case
from shequtong.visits import services
from shequtong.visits.models import Status, Visit

from .conftest import approved, record

pytestmark = pytest.mark.django_db


def _form(community, **extra):
    data = {
        "community": community.pk, "person_kind": "other", "person_name": "周桂兰", "person_address": "友谊路100弄",
        "visit_type": "home", "tags": ["elderly"], "visited_on": "2026-11-20", "title": "走访独居老人",
        "content": "楼道灯坏了", "problem_category_0": "construction", "problem_content_0": "3号楼楼道灯损坏",
        "problem_category_1": "safety", "problem_content_1": "东门无人值守", "action": "draft",
    }
    data.update(extra)
    return data


def test_committee_home_has_the_entry(client, tree, people):
    client.force_login(people.staff)
    assert reverse("visits:list") in client.get("/").content.decode()


def test_observer_home_has_the_entry(client, tree, people):
    client.force_login(people.sub_observer)
    assert reverse("visits:observe") in client.get("/").content.decode()


def test_staff_record_a_visit_through_the_form(client, tree, people):
    client.force_login(people.staff)
    assert client.get(reverse("visits:create")).status_code == 200
    response = client.post(reverse("visits:create"), _form(tree.comm_a1, action="submit"))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()
    assert visit.status == Status.SUBMITTED and visit.problems.count() == 2 and visit.tags == ["elderly"]


def test_form_errors_are_shown_and_nothing_is_saved(client, tree, people):
    client.force_login(people.staff)
    response = client.post(reverse("visits:create"), _form(tree.comm_a1, title="", problem_category_0=""))
    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert "3号楼楼道灯损坏" in response.content.decode()  # what was typed is kept


def test_form_with_an_audio_clip(client, tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people.staff)
    clip = SimpleUploadedFile("r.ogg", b"OggS" + b"\x00" * 100, content_type="audio/ogg")
    client.post(reverse("visits:create"), {**_form(tree.comm_a1), "audio": clip})
    visit = Visit.objects.get()
    assert visit.audio_type == "audio/ogg"
    response = client.get(reverse("visits:audio", args=[visit.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "audio/ogg"
    assert b"".join(response.streaming_content).startswith(b"OggS")
    client.force_login(people.other_staff)
    assert client.get(reverse("visits:audio", args=[visit.pk])).status_code == 404


def test_member_picker_shows_masked_names_and_phones_only(client, tree, people):
    client.force_login(people.staff)
    response = client.get(reverse("visits:people"), {"community": tree.comm_a1.pk, "person_q": "李秀"})
    html = response.content.decode()
    assert "李*英" in html and people.member.masked_phone in html
    assert "李秀英" not in html and people.member.phone not in html
    by_phone = client.get(reverse("visits:people"), {"community": tree.comm_a1.pk, "person_q": people.member.phone})
    assert f'value="{people.member.pk}"' in by_phone.content.decode()
    # Members of another community are not offered, even when asked for by community id.
    other = client.get(reverse("visits:people"), {"community": tree.comm_b1.pk, "person_q": "孙丽"})
    assert "孙*" not in other.content.decode()


def test_list_filters_by_type_status_and_keyword(client, tree, people):
    record(people.staff, tree.comm_a1, title="走访独居老人")
    record(people.staff, tree.comm_a1, title="调解邻里纠纷", visit_type="mediation", content="噪音扰民", submit=True)
    client.force_login(people.staff)
    url = reverse("visits:list")
    assert "调解邻里纠纷" in client.get(url, {"type": "mediation"}).content.decode()
    assert "走访独居老人" not in client.get(url, {"type": "mediation"}).content.decode()
    assert "走访独居老人" in client.get(url, {"status": "draft"}).content.decode()
    assert "调解邻里纠纷" not in client.get(url, {"status": "draft"}).content.decode()
    assert "调解邻里纠纷" in client.get(url, {"q": "噪音"}).content.decode()
    assert "没有符合条件的记录" in client.get(url, {"q": "不存在的词"}).content.decode()


def test_list_shows_published_records_and_own_ones_only(client, tree, people):
    record(people.staff, tree.comm_a1, title="别人的草稿")
    record(people.staff, tree.comm_a1, title="别人待审核的", submit=True)
    approved(people, tree.comm_a1, title="已通过的记录")
    client.force_login(people.staff2)
    html = client.get(reverse("visits:list")).content.decode()
    assert "已通过的记录" in html and "别人的草稿" not in html and "别人待审核的" not in html
    client.force_login(people.secretary)
    html = client.get(reverse("visits:list")).content.decode()
    assert "别人待审核的" in html and "别人的草稿" not in html


def test_list_query_count_is_flat(client, tree, people, django_assert_max_num_queries):
    client.force_login(people.secretary)
    for i in range(3):
        approved(people, tree.comm_a1, title=f"记录{i}", person_id=people.member.pk)
    with django_assert_max_num_queries(12):
        client.get(reverse("visits:list"))
    for i in range(15):
        approved(people, tree.comm_a1, title=f"更多{i}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("visits:list")).status_code == 200


def test_observer_list_query_count_is_flat(client, tree, people, django_assert_max_num_queries):
    client.force_login(people.district)
    for i in range(3):
        approved(people, tree.comm_a1, title=f"记录{i}")
    with django_assert_max_num_queries(10):
        client.get(reverse("visits:observe_list"))
    for i in range(15):
        approved(people, tree.comm_a1, title=f"更多{i}")
    with django_assert_max_num_queries(10):
        assert client.get(reverse("visits:observe_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("observe:visits")).status_code == 200


def test_secretary_reviews_and_sends_a_problem_from_the_detail_page(client, tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.secretary)
    page = client.get(v.get_absolute_url()).content.decode()
    assert "审核通过" in page and "退回" in page
    client.post(reverse("visits:review", args=[v.pk]), {"decision": "approve"})
    v.refresh_from_db()
    assert v.status == Status.APPROVED
    problem = v.problems.first()
    client.post(reverse("visits:send", args=[v.pk]), {"problem": [problem.pk]})
    assert Case.objects.get().origin_id == problem.pk
    client.post(reverse("visits:archive", args=[v.pk]))
    v.refresh_from_db()
    assert v.status == Status.ARCHIVED
    page = client.get(v.get_absolute_url()).content.decode()
    assert "已记录到问题跟踪" in page and "归档" in page


def test_return_from_the_detail_page_needs_a_reason(client, tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.secretary)
    client.post(reverse("visits:review", args=[v.pk]), {"decision": "return", "reason": ""})
    v.refresh_from_db()
    assert v.status == Status.SUBMITTED
    client.post(reverse("visits:review", args=[v.pk]), {"decision": "return", "reason": "请补充"})
    v.refresh_from_db()
    assert v.status == Status.RETURNED


def test_author_edits_submits_and_deletes_drafts(client, tree, people):
    v = record(people.staff, tree.comm_a1)
    client.force_login(people.staff)
    assert client.get(reverse("visits:edit", args=[v.pk])).status_code == 200
    client.post(reverse("visits:edit", args=[v.pk]), _form(tree.comm_a1, title="新标题"))
    v.refresh_from_db()
    assert v.title == "新标题"
    client.post(reverse("visits:delete", args=[v.pk]))
    assert not Visit.objects.exists()


def test_contact_page_writes_a_letter(client, tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    client.force_login(people.staff)
    assert client.get(reverse("visits:contact", args=[v.pk])).status_code == 200
    response = client.post(reverse("visits:contact", args=[v.pk]), {"channel": "letter", "subject": "你好", "body": "已处理"})
    assert response.status_code == 302
    assert people.member.inbox_messages.filter(subject="你好").exists()


def test_observer_drill_down_reads_the_rollup(client, tree, people):
    approved(people, tree.comm_a1, title="已通过")
    record(people.staff, tree.comm_a1, title="待审核的", submit=True)
    client.force_login(people.sub_observer)
    home = client.get(reverse("observe:visits")).content.decode()
    assert tree.sub_a.name in home and tree.sub_b.name not in home
    sub = client.get(reverse("observe:visits"), {"subdistrict": tree.sub_a.pk}).content.decode()
    assert tree.comm_a1.name in sub
    listing = client.get(reverse("visits:observe_list"), {"community": tree.comm_a1.pk}).content.decode()
    assert "已通过" in listing and "待审核的" not in listing
    assert "已通过" in client.get(reverse("visits:observe_list"), {"q": "楼道"}).content.decode()


def test_observer_detail_is_read_only(client, tree, people):
    v = approved(people, tree.comm_a1)
    client.force_login(people.district)
    page = client.get(v.get_absolute_url()).content.decode()
    assert v.title in page and "审核通过" not in page.split("处理记录")[0] and "记录到问题跟踪</button>" not in page
    assert "周桂兰" not in page and "周*兰" in page and "302室" not in page
    services.archive_visit(actor=people.secretary, visit_id=v.pk)
    assert client.get(v.get_absolute_url()).status_code == 200
