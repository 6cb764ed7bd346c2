"""CP-2: service sites, and binding a project to a site through the centre's review, each step in the history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.charity import selectors, services
from shequtong.charity.models import BindingStatus, ProjectEvent, SiteBinding
from shequtong.charity.policies import access_binding, access_site
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed

from .conftest import People, make_binding, make_project, make_site

pytestmark = pytest.mark.django_db
K = ProjectEvent.Kind


@pytest.fixture
def approved(people: People):
    return make_project(people.org, [people.cast.a], state="on_shelf", centre=people.centre)


def binding_kinds(binding: SiteBinding) -> list[str]:
    return list(binding.events.values_list("kind", flat=True))


def test_fill_in_edit_submit_approve_view_unbind(people: People, approved):
    site = make_site(people.org, [people.cast.a])
    binding = services.create_binding(actor=people.org, project_id=approved.pk, site_id=site.pk, service_time="每周三")
    services.update_binding(actor=people.org, binding_id=binding.pk, service_time="每周三下午", note="助餐点")
    services.submit_binding(actor=people.org, binding_id=binding.pk)
    services.approve_binding(actor=people.centre, binding_id=binding.pk)
    binding.refresh_from_db()
    assert binding.status == BindingStatus.BOUND and binding.service_time == "每周三下午"
    # 查看: the organisation, the centre and observers over it see the bound binding.
    for who in (people.org, people.centre, people.cast.subdistrict_observer, people.cast.district):
        access_binding(who, binding.pk)
    for who in (people.org_other, people.centre_b, people.cast.subdistrict_observer_other, people.cast.resident_a):
        with pytest.raises(NotFound):
            access_binding(who, binding.pk)
    assert [b.site_id for b in selectors.site_projects(site, audience="resident")] == [site.pk]
    services.unbind(actor=people.org, binding_id=binding.pk)
    binding.refresh_from_db()
    assert binding.status == BindingStatus.UNBOUND
    assert binding_kinds(binding) == [K.BINDING_CREATED, K.BINDING_UPDATED, K.BINDING_SUBMITTED, K.BINDING_APPROVED,
                                      K.BINDING_UNBOUND]
    # The project's history has the same steps, naming the site.
    assert approved.events.filter(binding=binding, note__startswith=site.name).count() == 5
    # Unbound, the project may be filled in for the same site again.
    again = make_binding(people.org, approved, site)
    assert again.pk != binding.pk


def test_withdraw_reject_and_resubmit(people: People, approved):
    site = make_site(people.org, [people.cast.a])
    binding = make_binding(people.org, approved, site, state="submitted")
    services.withdraw_binding(actor=people.org, binding_id=binding.pk)
    with pytest.raises(NotFound):  # withdrawn to a draft: the centre no longer sees it
        services.approve_binding(actor=people.centre, binding_id=binding.pk)
    services.submit_binding(actor=people.org, binding_id=binding.pk)
    with pytest.raises(ValidationFailed):
        services.reject_binding(actor=people.centre, binding_id=binding.pk, reason="")
    services.reject_binding(actor=people.centre, binding_id=binding.pk, reason="开放时间不符")
    binding.refresh_from_db()
    assert binding.status == BindingStatus.REJECTED and binding.reject_reason == "开放时间不符"
    services.update_binding(actor=people.org, binding_id=binding.pk, service_time="每周六上午", submit=True)
    services.approve_binding(actor=people.centre, binding_id=binding.pk)
    assert binding_kinds(binding) == [K.BINDING_CREATED, K.BINDING_SUBMITTED, K.BINDING_WITHDRAWN, K.BINDING_SUBMITTED,
                                      K.BINDING_REJECTED, K.BINDING_UPDATED, K.BINDING_SUBMITTED, K.BINDING_APPROVED]


def test_refused_binding_moves_change_nothing(people: People, approved):
    a = [people.cast.a]
    site = make_site(people.org, a)
    other_site = make_site(people.org_other, a, name="别家站点")
    draft_project = make_project(people.org, a)
    bound = make_binding(people.org, approved, site, state="bound", centre=people.centre)
    second_site = make_site(people.org, a, name="第二站点")
    submitted = make_binding(people.org, approved, second_site, state="submitted")
    refusals = [
        (Conflict, lambda: services.create_binding(actor=people.org, project_id=draft_project.pk, site_id=site.pk,
                                                   service_time="周三")),
        (NotFound, lambda: services.create_binding(actor=people.org, project_id=approved.pk, site_id=other_site.pk,
                                                   service_time="周三")),
        (Conflict, lambda: services.create_binding(actor=people.org, project_id=approved.pk, site_id=site.pk,
                                                   service_time="周三")),
        (Conflict, lambda: services.update_binding(actor=people.org, binding_id=bound.pk, service_time="改")),
        (Conflict, lambda: services.submit_binding(actor=people.org, binding_id=submitted.pk)),
        (Conflict, lambda: services.withdraw_binding(actor=people.org, binding_id=bound.pk)),
        (Conflict, lambda: services.approve_binding(actor=people.centre, binding_id=bound.pk)),
        (Conflict, lambda: services.unbind(actor=people.org, binding_id=submitted.pk)),
        (PermissionRefused, lambda: services.approve_binding(actor=people.org, binding_id=submitted.pk)),
        (PermissionRefused, lambda: services.unbind(actor=people.centre, binding_id=bound.pk)),
        (NotFound, lambda: services.approve_binding(actor=people.centre_b, binding_id=submitted.pk)),
        (NotFound, lambda: services.unbind(actor=people.org_other, binding_id=bound.pk)),
        (ValidationFailed, lambda: services.create_binding(actor=people.org, project_id=approved.pk, site_id=site.pk,
                                                           service_time="  ")),
    ]
    before = {b.pk: (b.status, b.service_time, b.events.count()) for b in SiteBinding.objects.all()}
    for error, move in refusals:
        with pytest.raises(error):
            move()
    assert {b.pk: (b.status, b.service_time, b.events.count()) for b in SiteBinding.objects.all()} == before


def test_sites_are_the_organisations_and_residents_of_served_communities_see_them(people: People):
    cast = people.cast
    site = make_site(people.org, [cast.a, cast.tree.comm_a2])
    with pytest.raises(ValidationFailed):
        make_site(people.org, [cast.b])  # another subdistrict
    with pytest.raises(PermissionRefused):
        services.update_site(actor=people.centre, site_id=site.pk, data=services.SiteInput(
            name="x", address="y", community_ids=(cast.a.pk,), opening_hours="z", lead_name="w"))
    for who in (people.org, people.centre, cast.resident_a, cast.villager, cast.subdistrict_observer):
        access_site(who, site.pk)
    for who in (people.org_other, people.centre_b, cast.resident_b, cast.subdistrict_observer_other):
        with pytest.raises(NotFound):
            access_site(who, site.pk)
    assert list(selectors.org_sites(people.org_other)) == []
    assert [s.pk for s in selectors.served_sites(cast.villager)] == [site.pk]


def test_binding_pages_from_filling_in_to_the_centres_approval(client, people: People, approved):
    site = make_site(people.org, [people.cast.a])
    client.force_login(people.org)
    page = client.get(reverse("charity:binding_create", args=[approved.pk])).content.decode()
    assert site.name in page
    response = client.post(reverse("charity:binding_create", args=[approved.pk]),
                           {"site": site.pk, "service_time": "每周三下午", "note": "", "action": "submit"})
    binding = SiteBinding.objects.get()
    assert response.status_code == 302 and binding.status == BindingStatus.SUBMITTED
    client.force_login(people.centre)
    assert site.name in client.get(reverse("charity:centre_queue")).content.decode()
    client.post(reverse("charity:binding_review", args=[binding.pk]), {"decision": "approve"})
    binding.refresh_from_db()
    assert binding.status == BindingStatus.BOUND
    page = client.get(reverse("charity:binding", args=[binding.pk])).content.decode()
    assert "已绑定" in page and "站点绑定审核通过" in page
    client.force_login(people.cast.resident_a)
    assert site.name in client.get(approved.get_absolute_url()).content.decode()
