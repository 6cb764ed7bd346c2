"""The demo district's public-benefit projects: demo-org's projects in every state, sites, bindings,
plans and progress, slots, demo-resident's bookings and reviews (issue 19 item 7).

Everything goes through charity.services, so the demo shows what the rules allow. Slots that
have already happened are opened and booked with the clock moved back (a past slot cannot be
opened today), then reviewed today.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.db import transaction
from django.utils import timezone

from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.charity import services
from shequtong.charity.models import CharityProject
from shequtong.common import clock


def _project(org: User, communities: list[int], title: str, category: str, audience: tuple[str, ...], services_: str,
             description: str, days: int = 180, submit: bool = False) -> CharityProject:
    today = clock.today()
    return services.create_project(actor=org, submit=submit, data=services.ProjectInput(
        title=title, category=category, services=services_, audience=audience, community_ids=tuple(communities),
        starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=days), description=description))


def seed_demo_charity() -> int:
    """Create the demo's charity data; 0 when there is no demo district or demo-org already has projects."""
    org = User.objects.filter(username="demo-org").first()
    centre = User.objects.filter(username="demo-center").first()
    resident = User.objects.filter(username="demo-resident").first()
    if org is None or centre is None or resident is None or CharityProject.objects.filter(organisation=org).exists():
        return 0
    home = RoleGrant.objects.filter(user=org, role=Role.SOCIAL_ORG).select_related("community").first()
    assert home is not None and home.community is not None
    community = home.community
    served: list[int] = [community.pk] + list(
        community.subdistrict.communities.exclude(pk=community.pk).order_by("id").values_list("pk", flat=True)[:3])
    with transaction.atomic():
        meals = _project(org, served, "银龄助餐暖心行动", "elderly", ("elderly",), "老年助餐、上门送餐、营养讲座",
                         "为辖区70岁以上独居、高龄老人提供午间助餐和上门送餐服务，每月开展一次营养健康讲座。", submit=True)
        services.approve_project(actor=centre, project_id=meals.pk)
        services.shelve_project(actor=org, project_id=meals.pk)
        kids = _project(org, served[:2], "四点半课堂", "youth", ("children", "youth"), "课后托管、作业辅导、兴趣课程",
                        "为双职工家庭的小学生提供放学后的托管和作业辅导，周五开设科普、书法兴趣课。", submit=True)
        services.approve_project(actor=centre, project_id=kids.pk)
        services.shelve_project(actor=org, project_id=kids.pk)
        garden = _project(org, served[:1], "楼道微花园", "environment", ("everyone",), "楼道绿化、垃圾分类宣传",
                          "居民共建楼道微花园，结合垃圾分类开展环保宣传。", submit=True)
        services.approve_project(actor=centre, project_id=garden.pk)          # approved, not yet on shelf
        _project(org, served[:2], "助残康复陪伴", "disabled", ("disabled",), "康复训练陪伴、辅具借用",
                 "为社区残障人士提供康复训练陪伴和辅具借用服务。", submit=True)   # awaiting review
        rejected = _project(org, served[:1], "社区合唱团", "culture", ("elderly", "everyone"), "合唱排练、演出",
                            "组织社区合唱团，每周排练一次。", submit=True)
        services.reject_project(actor=centre, project_id=rejected.pk, reason="请补充排练场地和指导老师信息")
        _project(org, served[:1], "家庭急救培训", "health", ("everyone",), "心肺复苏、AED 使用培训",
                 "邀请专业急救培训师开展家庭急救技能培训。")                            # draft
        site = services.create_site(actor=org, data=services.SiteInput(
            name="友谊路为老服务站", address="友谊路88号一楼", community_ids=tuple(served), opening_hours="周一至周五 9:00-17:00",
            lead_name="周站长", introduction="提供助餐、理发、健康咨询和日间照料。"))
        study = services.create_site(actor=org, data=services.SiteInput(
            name="社区青少年活动室", address="友谊路120号二楼", community_ids=tuple(served[:2]), opening_hours="周一至周五 15:30-19:00",
            lead_name="李老师", introduction="四点半课堂和周末兴趣课程的场地。"))
        bound = services.create_binding(actor=org, project_id=meals.pk, site_id=site.pk, service_time="每周一、三、五 11:00-12:30",
                                        note="午间助餐点", submit=True)
        services.approve_binding(actor=centre, binding_id=bound.pk)
        services.create_binding(actor=org, project_id=kids.pk, site_id=study.pk, service_time="工作日 15:30-18:00",
                                submit=True)                                          # binding awaiting review
        for title, target, days, weight, done in (
            ("招募志愿者", "招募送餐志愿者20名", -20, 1, 100), ("建立服务档案", "为80位老人建立助餐档案", 10, 2, 60),
            ("开展营养讲座", "全年开展12场营养讲座", 150, 3, 25),
        ):
            m = services.add_milestone(actor=org, project_id=meals.pk, data=services.MilestoneInput(
                title=title, target=target, due_on=clock.today() + dt.timedelta(days=days), weight=weight))
            services.save_progress(actor=org, milestone_id=m.pk, completion=done, evidence=f"{title}：已完成{done}%")
        # A slot that happened last week, booked by demo-resident, then reviewed today.
        past = clock.now() - dt.timedelta(days=10)
        with mock.patch.object(clock, "now", return_value=past):
            held = services.open_slot(actor=org, binding_id=bound.pk, title="午间助餐", starts_at=past + dt.timedelta(days=3),
                                      ends_at=past + dt.timedelta(days=3, hours=2), capacity=20)
            services.book_slot(actor=resident, slot_id=held.pk)
        review = services.review_project(actor=resident, project_id=meals.pk, stars=5,
                                         text="饭菜可口，志愿者很耐心，家里老人很满意。")
        services.approve_review(actor=centre, review_id=review.pk)
        for days in (2, 4, 9):
            starts = timezone.localtime(clock.now() + dt.timedelta(days=days)).replace(hour=11, minute=0, second=0,
                                                                                       microsecond=0)
            services.open_slot(actor=org, binding_id=bound.pk, title="午间助餐", starts_at=starts,
                               ends_at=starts + dt.timedelta(hours=1, minutes=30), capacity=20)
    return CharityProject.objects.filter(organisation=org).count()
