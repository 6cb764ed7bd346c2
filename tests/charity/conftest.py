from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.charity import services
from shequtong.common import clock

from ..factories import Cast, make_with_role


@dataclass
class People:
    cast: Cast
    org: User            # 社会组织 in A (the cast's)
    org_other: User      # another 社会组织 in A
    org_b: User          # a 社会组织 in B (other subdistrict)
    centre: User         # 社会组织服务中心 of sub_a (the cast's)
    centre_b: User       # 社会组织服务中心 of sub_b
    centre_district: User


@pytest.fixture
def people(cast: Cast) -> People:
    return People(
        cast=cast, org=cast.social_org,
        org_other=make_with_role(Role.SOCIAL_ORG, cast.a, real_name="另一组织"),
        org_b=make_with_role(Role.SOCIAL_ORG, cast.b, real_name="罗店公益"),
        centre=cast.service_center,
        centre_b=make_with_role(Role.SERVICE_CENTRE, cast.tree.sub_b, real_name="罗店中心"),
        centre_district=make_with_role(Role.SERVICE_CENTRE, None, real_name="区中心"),
    )


def project_input(communities: list[Any], **kw: Any) -> services.ProjectInput:
    today = clock.today()
    values: dict[str, Any] = {
        "title": "银龄助餐", "category": "elderly", "services": "老年助餐、上门送餐",
        "audience": ("elderly",), "community_ids": tuple(c.pk for c in communities),
        "starts_on": today, "ends_on": today + dt.timedelta(days=180), "description": "为辖区独居老人提供助餐服务。",
    }
    values.update(kw)
    return services.ProjectInput(**values)


def make_project(org: User, communities: list[Any], *, state: str = "draft", centre: User | None = None, **kw: Any) -> Any:
    """A project through the real services, brought to `state` (draft, submitted, approved, rejected, on_shelf)."""
    project = services.create_project(actor=org, data=project_input(communities, **kw), submit=state != "draft")
    if state in ("approved", "on_shelf"):
        assert centre is not None
        project = services.approve_project(actor=centre, project_id=project.pk)
    if state == "rejected":
        assert centre is not None
        project = services.reject_project(actor=centre, project_id=project.pk, reason="材料不全")
    if state == "on_shelf":
        project = services.shelve_project(actor=org, project_id=project.pk)
    return project


def make_site(org: User, communities: list[Any], **kw: Any) -> Any:
    values: dict[str, Any] = {"name": "友谊路为老服务站", "address": "友谊路100号", "community_ids": tuple(c.pk for c in communities),
                              "opening_hours": "周一至周五 9:00-17:00", "lead_name": "周站长", "introduction": "助餐、理发、健康咨询"}
    values.update(kw)
    return services.create_site(actor=org, data=services.SiteInput(**values))


def make_binding(org: User, project: Any, site: Any, *, state: str = "draft", centre: User | None = None) -> Any:
    """A binding through the real services, brought to `state` (draft, submitted, bound, rejected)."""
    binding = services.create_binding(actor=org, project_id=project.pk, site_id=site.pk, service_time="每周三下午",
                                      submit=state != "draft")
    if state == "bound":
        assert centre is not None
        binding = services.approve_binding(actor=centre, binding_id=binding.pk)
    if state == "rejected":
        assert centre is not None
        binding = services.reject_binding(actor=centre, binding_id=binding.pk, reason="站点不在服务范围")
    return binding


def open_slot(org: User, binding: Any, *, capacity: int = 30, hours: int = 24, title: str = "助餐服务") -> Any:
    starts = clock.now() + dt.timedelta(hours=hours)
    return services.open_slot(actor=org, binding_id=binding.pk, title=title, starts_at=starts,
                              ends_at=starts + dt.timedelta(hours=2), capacity=capacity)


@dataclass
class Bookable:
    project: Any
    site: Any
    binding: Any
    slot: Any


def bookable(people: People, *, capacity: int = 30, communities: list[Any] | None = None) -> Bookable:
    """A project on shelf serving A, bound to a site, with one slot tomorrow."""
    communities = communities or [people.cast.a]
    project = make_project(people.org, communities, state="on_shelf", centre=people.centre)
    site = make_site(people.org, communities)
    binding = make_binding(people.org, project, site, state="bound", centre=people.centre)
    return Bookable(project, site, binding, open_slot(people.org, binding, capacity=capacity))
