"""Who sees which visit records (FV-1, FV-3, FV-5), and every endpoint outside the jurisdiction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.cases.models import Case
from shequtong.common.errors import NotFound
from shequtong.visits import selectors
from shequtong.visits.models import Status, Visit
from shequtong.visits.policies import access_visit

from .conftest import approved, record

pytestmark = pytest.mark.django_db


def test_observers_see_published_records_in_their_scope_only(tree, people):
    a = approved(people, tree.comm_a1)
    record(people.staff, tree.comm_a1, submit=True)
    record(people.staff, tree.comm_a1)
    assert list(selectors.observer_visits(people.sub_observer)) == [a]
    assert list(selectors.observer_visits(people.district)) == [a]
    assert list(selectors.observer_visits(people.sub_b_observer)) == []
    assert list(selectors.observer_visits(people.sub_observer, selectors.Filters(status="draft"))) == []


def test_access_visit_hides_drafts_and_other_jurisdictions(tree, people):
    draft = record(people.staff, tree.comm_a1)
    pending = record(people.staff, tree.comm_a1, submit=True)
    assert access_visit(people.staff, draft.pk)[0] == draft
    for user in (people.staff2, people.secretary, people.sub_observer, people.other_staff):
        with pytest.raises(NotFound):
            access_visit(user, draft.pk)
    assert access_visit(people.secretary, pending.pk)[0] == pending
    for user in (people.staff2, people.sub_observer, people.other_secretary):
        with pytest.raises(NotFound):
            access_visit(user, pending.pk)


def test_observer_counts_come_from_the_rollup_per_subdistrict_and_community(tree, people):
    """The drill-down (observe.drills.visits, which replaced visits' own) reads the VisitStats rollup."""
    from shequtong.observe import drills, figures

    approved(people, tree.comm_a1)
    approved(people, tree.comm_a1)
    period = drills.period_all()
    theme = drills.visits(figures.place_for(people.district), period)
    rows = {r.key: r.values for r in theme.rows}
    assert rows[tree.sub_a.pk]["published"] == 2 and rows[tree.sub_a.pk]["problems"] == 4
    assert rows[tree.sub_b.pk]["published"] == 0
    comms = {r.key: r.values for r in drills.visits(figures.place_for(people.district, subdistrict_id=tree.sub_a.pk),
                                                    period).rows}
    assert comms[tree.comm_a1.pk]["published"] == 2 and comms[tree.comm_a2.pk]["published"] == 0
    assert [r.key for r in drills.visits(figures.place_for(people.sub_b_observer), period).rows] == [tree.sub_b.pk]


@pytest.mark.parametrize(("name", "method", "data"), [
    ("visits:detail", "get", None), ("visits:edit", "get", None), ("visits:audio", "get", None),
    ("visits:contact", "get", None), ("visits:contact", "post", {"channel": "letter", "subject": "a", "body": "b"}),
    ("visits:submit", "post", {}), ("visits:delete", "post", {}),
    ("visits:review", "post", {"decision": "approve"}), ("visits:review", "post", {"decision": "return", "reason": "x"}),
    ("visits:archive", "post", {}), ("visits:send", "post", {"problem": ["1"]}),
])
def test_every_visit_endpoint_refuses_another_jurisdiction(client, tree, people, name, method, data):
    v = record(people.staff, tree.comm_a1, submit=True, person_id=people.member.pk)
    if name in ("visits:archive", "visits:send", "visits:contact"):
        v = approved(people, tree.comm_a1, person_id=people.member.pk)
    before = (v.status, Visit.objects.count(), Case.objects.count(), v.events.count())
    client.force_login(people.other_secretary)
    url = reverse(name, args=[v.pk])
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code in (403, 404)
    v.refresh_from_db()
    assert (v.status, Visit.objects.count(), Case.objects.count(), v.events.count()) == before
    assert not people.member.inbox_messages.exists()


@pytest.mark.parametrize("name", ["visits:list", "visits:create", "visits:people"])
def test_committee_pages_refuse_residents_and_observers(client, tree, people, name):
    for user in (people.member, people.sub_observer):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_observer_pages_refuse_committee_and_other_subdistricts(client, tree, people):
    client.force_login(people.staff)
    assert client.get(reverse("visits:observe")).status_code == 403
    client.force_login(people.sub_b_observer)
    assert client.get(reverse("visits:observe_subdistrict", args=[tree.sub_a.pk])).status_code == 404
    assert client.get(reverse("visits:observe_list"), {"community": tree.comm_a1.pk}).status_code == 404
    assert client.get(reverse("visits:observe_list"), {"subdistrict": tree.sub_a.pk}).status_code == 404


def test_staff_can_read_but_not_review_a_colleagues_submission(client, tree, people):
    v = approved(people, tree.comm_a1)
    pending = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.staff2)
    assert client.get(v.get_absolute_url()).status_code == 200
    assert client.post(reverse("visits:review", args=[pending.pk]), {"decision": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Status.SUBMITTED
