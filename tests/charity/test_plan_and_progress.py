"""CP-3/CP-4: milestones with targets and weights, progress per milestone with its history, the weighted roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.charity import progress, selectors, services
from shequtong.charity.models import CharityProject, Milestone, ProgressReport, ProjectEvent
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed

from ..factories import image_upload
from .conftest import People, make_project

pytestmark = pytest.mark.django_db
K = ProjectEvent.Kind


def test_rollup_is_the_weighted_mean_of_completion():
    assert progress.rollup([]) == 0
    assert progress.rollup([(1, 40)]) == 40
    # 3×100 + 1×0 over 4 = 75, not the plain mean 50.
    assert progress.rollup([(3, 100), (1, 0)]) == 75
    assert progress.rollup([(1, 100), (3, 0)]) == 25
    # 2×50 + 1×20 + 7×10 = 190 / 10 = 19.
    assert progress.rollup([(2, 50), (1, 20), (7, 10)]) == 19
    # Rounded half up: (1×1 + 1×0) / 2 = 0.5 → 1.
    assert progress.rollup([(1, 1), (1, 0)]) == 1
    assert progress.rollup([(100, 100)] * 5) == 100


def ms(title: str, weight: int, days: int = 30) -> services.MilestoneInput:
    return services.MilestoneInput(title=title, target=f"{title}目标", due_on=dt.date(2026, 1, 1) + dt.timedelta(days=days),
                                   weight=weight)


@pytest.fixture
def project(people: People) -> CharityProject:
    return make_project(people.org, [people.cast.a], state="on_shelf", centre=people.centre)


def test_progress_rolls_up_by_weight_through_every_change(people: People, project: CharityProject):
    org = people.org
    m1 = services.add_milestone(actor=org, project_id=project.pk, data=ms("招募志愿者", 1, 10))
    m2 = services.add_milestone(actor=org, project_id=project.pk, data=ms("开展助餐", 3, 60))

    def overall() -> int:
        project.refresh_from_db()
        return project.progress

    assert overall() == 0
    services.save_progress(actor=org, milestone_id=m1.pk, completion=100, evidence="招募20人")
    assert overall() == 25                       # (1×100 + 3×0) / 4
    r2 = services.save_progress(actor=org, milestone_id=m2.pk, completion=40, evidence="已服务40人次")
    assert overall() == 55                       # (100 + 120) / 4
    services.update_progress(actor=org, report_id=r2.pk, completion=60, evidence="已服务60人次")
    assert overall() == 70                       # (100 + 180) / 4
    services.update_milestone(actor=org, milestone_id=m2.pk, data=ms("开展助餐", 1, 60))
    assert overall() == 80                       # (100 + 60) / 2
    services.delete_progress(actor=org, report_id=r2.pk)
    assert overall() == 50                       # m2 back to 0
    services.delete_milestone(actor=org, milestone_id=m2.pk)
    assert overall() == 100                      # only m1 left
    # The roll-up agrees with the formula over what is stored.
    live = Milestone.objects.filter(project=project, deleted_at__isnull=True).values_list("weight", "completion")
    assert overall() == progress.rollup(list(live))
    # History kept: the deleted report and milestone are still rows and every step is an event.
    assert ProgressReport.objects.filter(pk=r2.pk, deleted_at__isnull=False).exists()
    assert Milestone.objects.filter(pk=m2.pk, deleted_at__isnull=False).exists()
    kinds = list(project.events.values_list("kind", flat=True))
    assert kinds[-8:] == [K.MILESTONE_ADDED, K.MILESTONE_ADDED, K.PROGRESS_SAVED, K.PROGRESS_SAVED, K.PROGRESS_UPDATED,
                          K.MILESTONE_UPDATED, K.PROGRESS_DELETED, K.MILESTONE_DELETED]
    assert project.events.filter(kind=K.PROGRESS_UPDATED, note="开展助餐：40% → 60%").exists()


def test_the_latest_report_is_the_milestones_completion(people: People, project: CharityProject):
    m = services.add_milestone(actor=people.org, project_id=project.pk, data=ms("节点", 1))
    services.save_progress(actor=people.org, milestone_id=m.pk, completion=30, evidence="一")
    second = services.save_progress(actor=people.org, milestone_id=m.pk, completion=70, evidence="二")
    m.refresh_from_db()
    assert m.completion == 70
    services.delete_progress(actor=people.org, report_id=second.pk)
    m.refresh_from_db()
    assert m.completion == 30
    tl = selectors.timeline(project)
    assert [[r.evidence for r in x.live_reports] for x in tl] == [["一"]]


def test_refused_plan_moves(people: People, project: CharityProject):
    org = people.org
    m = services.add_milestone(actor=org, project_id=project.pk, data=ms("节点", 2))
    services.save_progress(actor=org, milestone_id=m.pk, completion=100, evidence="完成")
    report = ProgressReport.objects.get()
    refusals = [
        (Conflict, lambda: services.update_milestone(actor=org, milestone_id=m.pk, data=ms("改", 1))),  # achieved
        (PermissionRefused, lambda: services.add_milestone(actor=people.centre, project_id=project.pk, data=ms("x", 1))),
        (PermissionRefused, lambda: services.save_progress(actor=people.cast.district, milestone_id=m.pk, completion=1,
                                                           evidence="x")),
        (NotFound, lambda: services.delete_milestone(actor=people.org_other, milestone_id=m.pk)),
        (NotFound, lambda: services.update_progress(actor=people.org_b, report_id=report.pk, completion=1, evidence="x")),
        (ValidationFailed, lambda: services.add_milestone(actor=org, project_id=project.pk, data=ms("x", 0))),
        (ValidationFailed, lambda: services.save_progress(actor=org, milestone_id=m.pk, completion=101, evidence="x")),
        (ValidationFailed, lambda: services.save_progress(actor=org, milestone_id=m.pk, completion=50, evidence=" ")),
    ]
    before = (project.events.count(), ProgressReport.objects.count(), Milestone.objects.get().title)
    for error, move in refusals:
        with pytest.raises(error):
            move()
    assert (project.events.count(), ProgressReport.objects.count(), Milestone.objects.get().title) == before


def test_pages_plan_progress_with_photos_and_timeline(client, people: People, project: CharityProject, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people.org)
    client.post(reverse("charity:plan", args=[project.pk]),
                {"title": "入户评估", "target": "评估50户", "due_on": "2026-03-01", "weight": "2"})
    m = Milestone.objects.get()
    client.post(reverse("charity:progress_create", args=[m.pk]),
                {"completion": "60", "evidence": "已评估30户", "photos": [image_upload("a.png"), image_upload("b.png")]})
    report = ProgressReport.objects.get()
    assert report.photos.count() == 2
    page = client.get(project.get_absolute_url()).content.decode()
    assert "入户评估" in page and "已评估30户" in page and "60%" in page
    photo = report.photos.first()
    assert client.get(reverse("charity:progress_photo", args=[photo.pk])).status_code == 200
    # An observer over the project reads the progress and its photos (CP-6); someone outside does not.
    client.force_login(people.cast.subdistrict_observer)
    assert "已评估30户" in client.get(project.get_absolute_url()).content.decode()
    assert client.get(reverse("charity:progress_photo", args=[photo.pk])).status_code == 200
    client.force_login(people.cast.subdistrict_observer_other)
    assert client.get(reverse("charity:progress_photo", args=[photo.pk])).status_code == 404
