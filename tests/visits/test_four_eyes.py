"""Four eyes on 面对面 (FV-3): a secretary never approves her own record; another secretary of her
committee or her subdistrict does. Nobody else, and nothing outside the scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound, PermissionRefused
from shequtong.visits import selectors, services
from shequtong.visits.errors import VisitError
from shequtong.visits.models import Status, Visit

from ..factories import make_with_role
from .conftest import record

pytestmark = pytest.mark.django_db


def test_a_secretary_cannot_approve_or_return_her_own_record(tree, people):
    v = record(people.secretary, tree.comm_a1, submit=True)
    with pytest.raises(PermissionRefused) as exc:
        services.approve_visit(actor=people.secretary, visit_id=v.pk)
    assert exc.value.code == VisitError.OWN_RECORD
    with pytest.raises(PermissionRefused):
        services.return_visit(actor=people.secretary, visit_id=v.pk, reason="自己退回")
    v.refresh_from_db()
    assert v.status == Status.SUBMITTED
    assert v.pk not in set(selectors.review_queue(people.secretary).values_list("pk", flat=True))


def test_another_secretary_of_the_committee_approves_it(tree, people):
    second = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, real_name="吴书记")
    v = record(people.secretary, tree.comm_a1, submit=True)
    assert v.pk in set(selectors.review_queue(second).values_list("pk", flat=True))
    services.approve_visit(actor=second, visit_id=v.pk)
    v.refresh_from_db()
    assert v.status == Status.APPROVED and v.reviewed_by == second


def test_the_subdistrict_reviews_what_a_secretary_wrote(tree, people):
    v = record(people.secretary, tree.comm_a1, submit=True)
    assert list(selectors.upper_review_queue(people.sub_observer)) == [v]
    assert not selectors.upper_review_queue(people.sub_b_observer).exists()
    assert not selectors.upper_review_queue(people.district).exists()
    services.return_visit(actor=people.sub_observer, visit_id=v.pk, reason="请补充走访对象的诉求")
    v.refresh_from_db()
    assert v.status == Status.RETURNED and v.reviewed_by == people.sub_observer
    services.submit_visit(actor=people.secretary, visit_id=v.pk)
    services.approve_visit(actor=people.sub_observer, visit_id=v.pk)
    v.refresh_from_db()
    assert v.status == Status.APPROVED


def test_the_subdistrict_does_not_review_staff_records_and_outsiders_find_nothing(tree, people):
    staff_record = record(people.staff, tree.comm_a1, submit=True)
    with pytest.raises(NotFound):
        services.approve_visit(actor=people.sub_observer, visit_id=staff_record.pk)
    assert not selectors.upper_review_queue(people.sub_observer).exists()
    own = record(people.secretary, tree.comm_a1, submit=True)
    for user in (people.sub_b_observer, people.other_secretary, people.district):
        with pytest.raises(NotFound):
            services.approve_visit(actor=user, visit_id=own.pk)
    with pytest.raises(PermissionRefused):
        services.approve_visit(actor=people.staff, visit_id=own.pk)
    assert set(Visit.objects.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_pages_show_the_review_buttons_to_the_right_people(client, tree, people):
    v = record(people.secretary, tree.comm_a1, submit=True)
    url = reverse("visits:detail", args=[v.pk])
    client.force_login(people.secretary)
    assert "审核通过" not in client.get(url).content.decode()
    client.force_login(people.sub_observer)
    assert v.title in client.get(reverse("visits:observe"), follow=True).content.decode()  # → observe:visits
    assert "审核通过" in client.get(url).content.decode()
    assert client.post(reverse("visits:review", args=[v.pk]), {"decision": "approve"}).status_code == 302
    v.refresh_from_db()
    assert v.status == Status.APPROVED
    client.force_login(people.sub_b_observer)
    assert client.get(url).status_code == 404
