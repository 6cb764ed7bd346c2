"""CP-1: a project's review path, every refused move, and who sees what (organisation, centre, observer, resident)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.charity import selectors, services
from shequtong.charity.models import CharityProject, ProjectEvent, ProjectStatus
from shequtong.charity.policies import access_project
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox.models import Message

from ..factories import image_upload
from .conftest import People, make_project, project_input

pytestmark = pytest.mark.django_db

K = ProjectEvent.Kind


def kinds(project: CharityProject) -> list[str]:
    return list(project.events.values_list("kind", flat=True))


def test_create_submit_approve_shelve_unshelve_is_history(people: People):
    a = people.cast.a
    project = services.create_project(actor=people.org, data=project_input([a]))
    assert project.status == ProjectStatus.DRAFT and project.subdistrict_id == a.subdistrict_id
    services.submit_project(actor=people.org, project_id=project.pk)
    services.approve_project(actor=people.centre, project_id=project.pk)
    services.shelve_project(actor=people.org, project_id=project.pk)
    services.unshelve_project(actor=people.org, project_id=project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and not project.on_shelf
    assert project.reviewed_by == people.centre
    assert kinds(project) == [K.CREATED, K.SUBMITTED, K.APPROVED, K.SHELVED, K.UNSHELVED]
    assert Message.objects.filter(recipient=people.org, subject__contains="审核通过").count() == 1


def test_withdraw_before_review_then_edit_and_resubmit(people: People):
    project = make_project(people.org, [people.cast.a], state="submitted")
    with pytest.raises(Conflict):  # under review: withdraw first
        services.update_project(actor=people.org, project_id=project.pk, data=project_input([people.cast.a], title="改名"))
    services.withdraw_project(actor=people.org, project_id=project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT
    with pytest.raises(Conflict):  # nothing left to withdraw
        services.withdraw_project(actor=people.org, project_id=project.pk)
    # Withdrawn, it is the organisation's draft again: the centre no longer sees it.
    with pytest.raises(NotFound):
        services.approve_project(actor=people.centre, project_id=project.pk)
    services.update_project(actor=people.org, project_id=project.pk, data=project_input([people.cast.a], title="改名"),
                            submit=True)
    project.refresh_from_db()
    assert project.title == "改名" and project.status == ProjectStatus.SUBMITTED
    assert kinds(project) == [K.CREATED, K.SUBMITTED, K.WITHDRAWN, K.UPDATED, K.SUBMITTED]


def test_reject_needs_a_reason_and_the_organisation_reads_it(people: People):
    project = make_project(people.org, [people.cast.a], state="submitted")
    with pytest.raises(ValidationFailed):
        services.reject_project(actor=people.centre, project_id=project.pk, reason="  ")
    assert CharityProject.objects.get(pk=project.pk).status == ProjectStatus.SUBMITTED
    services.reject_project(actor=people.centre, project_id=project.pk, reason="服务对象不明确")
    project.refresh_from_db()
    assert project.status == ProjectStatus.REJECTED and project.reject_reason == "服务对象不明确"
    assert Message.objects.filter(recipient=people.org, body__contains="服务对象不明确").exists()
    # Rejected: edited and submitted again, then approved.
    services.submit_project(actor=people.org, project_id=project.pk)
    services.approve_project(actor=people.centre, project_id=project.pk)
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and project.reject_reason == ""
    assert kinds(project) == [K.CREATED, K.SUBMITTED, K.REJECTED, K.SUBMITTED, K.APPROVED]


def test_refused_moves_change_nothing(people: People):
    a = [people.cast.a]
    draft = make_project(people.org, a)
    submitted = make_project(people.org, a, state="submitted")
    approved = make_project(people.org, a, state="approved", centre=people.centre)
    refusals = [
        (NotFound, lambda: services.approve_project(actor=people.centre, project_id=draft.pk)),  # a draft is invisible
        (Conflict, lambda: services.shelve_project(actor=people.org, project_id=draft.pk)),
        (Conflict, lambda: services.shelve_project(actor=people.org, project_id=submitted.pk)),
        (Conflict, lambda: services.submit_project(actor=people.org, project_id=submitted.pk)),
        (PermissionRefused, lambda: services.approve_project(actor=people.org, project_id=submitted.pk)),
        (PermissionRefused, lambda: services.withdraw_project(actor=people.centre, project_id=submitted.pk)),
        (NotFound, lambda: services.approve_project(actor=people.centre_b, project_id=submitted.pk)),
        (NotFound, lambda: services.withdraw_project(actor=people.org_other, project_id=submitted.pk)),
        (Conflict, lambda: services.approve_project(actor=people.centre, project_id=approved.pk)),
        (Conflict, lambda: services.reject_project(actor=people.centre, project_id=approved.pk, reason="晚了")),
        (Conflict, lambda: services.withdraw_project(actor=people.org, project_id=approved.pk)),
        (Conflict, lambda: services.submit_project(actor=people.org, project_id=approved.pk)),
        (Conflict, lambda: services.unshelve_project(actor=people.org, project_id=approved.pk)),
        (PermissionRefused, lambda: services.shelve_project(actor=people.centre, project_id=approved.pk)),
        (NotFound, lambda: services.shelve_project(actor=people.org_b, project_id=approved.pk)),
    ]
    before = {p.pk: (p.status, p.on_shelf, p.events.count()) for p in CharityProject.objects.all()}
    for error, move in refusals:
        with pytest.raises(error):
            move()
    assert {p.pk: (p.status, p.on_shelf, p.events.count()) for p in CharityProject.objects.all()} == before


def test_the_district_centre_reviews_everywhere_the_subdistrict_centre_only_its_own(people: People):
    b_project = make_project(people.org_b, [people.cast.b], state="submitted")
    with pytest.raises(NotFound):
        services.approve_project(actor=people.centre, project_id=b_project.pk)
    services.approve_project(actor=people.centre_district, project_id=b_project.pk)
    assert list(selectors.project_review_queue(people.centre)) == []


def test_the_centre_takes_a_project_off_shelf_and_the_organisation_is_told(people: People):
    project = make_project(people.org, [people.cast.a], state="on_shelf", centre=people.centre)
    services.unshelve_project(actor=people.centre, project_id=project.pk, reason="内容需更新")
    project.refresh_from_db()
    assert not project.on_shelf
    assert Message.objects.filter(recipient=people.org, subject__contains="下架", body__contains="内容需更新").exists()


def test_an_organisation_never_sees_another_organisations_drafts(people: People):
    mine = make_project(people.org, [people.cast.a], title="我的草稿")
    theirs = make_project(people.org_other, [people.cast.a], title="别人的草稿")
    access_project(people.org, mine.pk)
    for project in (theirs,):
        with pytest.raises(NotFound):
            access_project(people.org, project.pk)
    assert [p.title for p in selectors.org_projects(people.org)] == ["我的草稿"]
    # Not even once approved does another organisation manage it.
    approved = make_project(people.org_other, [people.cast.a], state="approved", centre=people.centre)
    with pytest.raises(NotFound):
        access_project(people.org, approved.pk)


def test_who_reads_a_project_in_each_state(people: People):
    cast = people.cast
    a, a2 = cast.a, cast.tree.comm_a2
    states = {s: make_project(people.org, [a], state=s, centre=people.centre)
              for s in ("draft", "submitted", "rejected", "approved", "on_shelf")}

    def readers(project: CharityProject) -> set[str]:
        out = set()
        for name in ("org", "org_other", "centre", "centre_b", "centre_district"):
            try:
                access_project(getattr(people, name), project.pk)
                out.add(name)
            except NotFound:
                pass
        for name in ("resident_a", "resident_b", "villager", "subdistrict_observer", "subdistrict_observer_other",
                     "district", "rural_admin", "staff_a"):
            try:
                access_project(getattr(cast, name), project.pk)
                out.add(name)
            except NotFound:
                pass
        return out

    centres = {"centre", "centre_district"}
    observers_a = {"subdistrict_observer", "district"}
    assert readers(states["draft"]) == {"org"}
    assert readers(states["submitted"]) == {"org"} | centres
    assert readers(states["rejected"]) == {"org"} | centres
    assert readers(states["approved"]) == {"org"} | centres | observers_a
    assert readers(states["on_shelf"]) == {"org", "resident_a"} | centres | observers_a
    # The villager of comm_a2 reads a project once it serves comm_a2.
    served = make_project(people.org, [a, a2], state="on_shelf", centre=people.centre)
    assert "villager" in readers(served)
    assert {p.pk for p in selectors.served_projects(cast.villager)} == {served.pk}
    assert {p.pk for p in selectors.served_projects(cast.resident_b)} == set()


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(people: People):
    a, b = people.cast.a, people.cast.b
    today = dt.date(2026, 3, 1)
    cases = [
        (project_input([a], title=""), "title", "请输入项目名称"),
        (project_input([a], category="nope"), "category", "请选择服务类别"),
        (project_input([a], audience=()), "audience", "请选择服务对象"),
        (project_input([b]), "communities", "服务社区须在本组织所在街镇内"),
        (project_input([a], starts_on=today, ends_on=today - dt.timedelta(days=1)), "ends_on", "结束日期不能早于开始日期"),
        (project_input([a], cover=image_upload("x.png", fmt="GIF")), "cover", "只能上传 JPG、PNG 或 WEBP 图片"),
    ]
    for data, field, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.create_project(actor=people.org, data=data)
        assert exc.value.field == field and exc.value.message == message
    assert not CharityProject.objects.exists()
    with pytest.raises(PermissionRefused):  # a resident is no organisation
        services.create_project(actor=people.cast.resident_a, data=project_input([a]))


def test_cover_is_stored_without_metadata_and_served_only_to_readers(client, people: People, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = services.create_project(actor=people.org, data=project_input([people.cast.a], cover=image_upload()))
    assert project.cover.name.endswith(".png")
    client.force_login(people.org)
    assert client.get(reverse("charity:project_cover", args=[project.pk])).status_code == 200
    client.force_login(people.org_other)
    assert client.get(reverse("charity:project_cover", args=[project.pk])).status_code == 404


def test_pages_create_review_and_shelve(client, people: People):
    a = people.cast.a
    client.force_login(people.org)
    assert "新建社会公益服务项目" in client.get(reverse("charity:project_create")).content.decode()
    response = client.post(reverse("charity:project_create"), {
        "title": "儿童托管", "category": "youth", "services": "课后托管", "audience": ["children"],
        "communities": [a.pk], "starts_on": "2026-01-01", "ends_on": "2026-12-31", "description": "放学后托管。",
        "action": "submit",
    })
    project = CharityProject.objects.get(title="儿童托管")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.status == ProjectStatus.SUBMITTED
    # Bad input: the form shows the service's message and nothing is created.
    response = client.post(reverse("charity:project_create"), {
        "title": "x", "category": "youth", "services": "s", "audience": ["children"], "communities": [a.pk],
        "starts_on": "2026-02-01", "ends_on": "2026-01-01", "description": "d"})
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
    assert CharityProject.objects.count() == 1
    client.force_login(people.centre)
    queue = client.get(reverse("charity:centre_queue")).content.decode()
    assert "儿童托管" in queue and "<title>审核 · 宝山社区通</title>" in queue
    assert queue.count('data-testid="binding-queue"') == queue.count('data-testid="review-queue"') == 1
    client.post(reverse("charity:project_review", args=[project.pk]), {"decision": "approve"})
    client.force_login(people.org)
    client.post(reverse("charity:project_shelf", args=[project.pk]), {"shelf": "on"})
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and project.on_shelf
    page = client.get(project.get_absolute_url()).content.decode()
    assert "已上架" in page and "审核通过" in page and "下架" in page


def test_list_pages_keep_their_query_count_flat(client, people: People, django_assert_max_num_queries):
    for i in range(3):
        make_project(people.org, [people.cast.a], state="submitted", title=f"项目{i}")
    client.force_login(people.org)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("charity:org_projects"))
    for i in range(15):
        make_project(people.org, [people.cast.a], state="submitted", title=f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("charity:org_projects"))
    client.force_login(people.centre)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get(reverse("charity:centre_queue"))


def test_a_double_tap_creates_one_project_and_one_milestone(client, people: People):
    """Every charity form carries an idempotency key: a repeated press returns the first result."""
    a = people.cast.a
    client.force_login(people.org)
    form = {"title": "长者助餐", "category": "youth", "services": "送餐", "audience": ["children"],
            "communities": [a.pk], "starts_on": "2026-01-01", "ends_on": "2026-12-31", "description": "午餐。",
            "idempotency_key": "charity-project-01"}
    first = client.post(reverse("charity:project_create"), form)
    second = client.post(reverse("charity:project_create"), form)
    project = CharityProject.objects.get()
    assert first["Location"] == second["Location"] == project.get_absolute_url()
    page = client.get(reverse("charity:plan", args=[project.pk])).content.decode()
    assert 'name="idempotency_key"' in page
    milestone = {"title": "入户评估", "target": "评估50户", "due_on": "2026-03-01", "weight": "2",
                 "idempotency_key": "charity-plan-0001"}
    for _ in range(2):
        client.post(reverse("charity:plan", args=[project.pk]), milestone)
    assert project.milestones.count() == 1
