"""Issue 14 item 3: 显示完整信息 for committee work, in scope and audited; residents see their own name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts import services
from shequtong.accounts.models import AuditEvent, Membership
from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.common import clock
from shequtong.common.errors import NotFound, ValidationFailed

from ..factories import make_user, make_with_role, resident_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):  # type: ignore[no-untyped-def]
    class P:
        resident = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
        other_staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        other_secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
        observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        neighbour = resident_of(tree.comm_a1)
    return P


def _reveals() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count()


def test_staff_and_secretaries_of_the_community_reveal_name_and_phone_and_each_reveal_is_audited(tree, people):
    for actor in (people.staff, people.secretary):
        before = _reveals()
        contact = services.reveal_contact(actor=actor, subject_id=people.resident.pk, reason="case")
        assert contact.real_name == people.resident.real_name and contact.phone == people.resident.phone
        assert _reveals() == before + 1
        event = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).latest("id")
        assert event.actor_id == actor.pk  # who
        assert str(event.target_id) == str(people.resident.pk)  # whom
        assert event.detail["reason"] == "case" and event.detail["why"] == "联系问题提出人"  # why
        assert event.detail["fields"] == ["real_name", "phone"]


def test_another_communitys_staff_observers_and_residents_cannot_reveal_and_nothing_is_written(tree, people):
    before = _reveals()
    for outsider in (people.other_staff, people.other_secretary, people.observer, people.district, people.neighbour):
        with pytest.raises(NotFound):
            services.reveal_contact(actor=outsider, subject_id=people.resident.pk, reason="case")
    assert _reveals() == before


def test_a_reveal_needs_a_reason(tree, people):
    with pytest.raises(ValidationFailed):
        services.reveal_contact(actor=people.staff, subject_id=people.resident.pk, reason="")
    with pytest.raises(ValidationFailed):
        services.reveal_contact(actor=people.staff, subject_id=people.resident.pk, reason="curious")
    assert _reveals() == 0


def test_an_applicant_is_revealed_to_the_committee_reviewing_them_only(tree, people):
    applicant = make_user("applicant", real_name="蒋文豪")
    Membership.objects.create(user=applicant, community=tree.comm_a1, requested_at=clock.now())
    assert services.reveal_contact(actor=people.secretary, subject_id=applicant.pk, reason="review").real_name == "蒋文豪"
    with pytest.raises(NotFound):
        services.reveal_contact(actor=people.other_secretary, subject_id=applicant.pk, reason="review")


def test_the_review_page_offers_the_reveal_and_the_reveal_page_shows_the_values_once(client, tree, people):
    applicant = make_user("applicant2", real_name="蒋文豪")
    Membership.objects.create(user=applicant, community=tree.comm_a1, requested_at=clock.now())
    client.force_login(people.secretary)
    page = client.get(reverse("accounts:reviews")).content.decode()
    assert "蒋*豪" in page and "蒋文豪" not in page and 'data-testid="reveal-person"' in page
    response = client.post(reverse("accounts:reveal_person", args=[applicant.pk]),
                           {"reason": "review", "next": reverse("accounts:reviews")})
    html = response.content.decode()
    assert response.status_code == 200 and "蒋文豪" in html and applicant.phone in html
    assert "no-store" in response["Cache-Control"]
    assert "蒋文豪" not in str(dict(client.session.items()))
    client.force_login(people.other_secretary)
    assert client.post(reverse("accounts:reveal_person", args=[applicant.pk]), {"reason": "review"}).status_code == 404


def test_the_case_page_offers_the_reveal_to_the_committee_not_to_patrol_or_the_raiser(client, tree, people):
    case = case_services.create_case(actor=people.resident, community=tree.comm_a1, source="letter",
                                     category="construction", title="门口积水", content="门口积水严重")
    url = reverse("cases:detail", args=[case.pk])
    client.force_login(people.staff)
    assert 'data-testid="reveal-person"' in client.get(url).content.decode()
    for who in (people.observer, people.resident):
        client.force_login(who)
        assert 'data-testid="reveal-person"' not in client.get(url).content.decode()


def test_the_resident_sees_their_own_name_in_full_in_the_greeting(client, tree, people):
    client.force_login(people.resident)
    page = client.get(reverse("web:home")).content.decode()
    assert f"{people.resident.real_name}，您好" in page


def test_the_greeting_reads_the_real_name_the_cached_identity_leaves_deferred(tree, people, django_assert_num_queries):
    """With the identity cache (accounts/identity.py) the real name is not in the user object: one prepared read."""
    from shequtong.accounts import identity, selectors
    from shequtong.accounts.models import User

    cached = User.objects.defer(*identity.DEFERRED_FIELDS).get(pk=people.resident.pk)
    with django_assert_num_queries(1):
        assert selectors.own_real_name(cached) == people.resident.real_name
    loaded = User.objects.get(pk=people.resident.pk)
    with django_assert_num_queries(0):  # loaded already: nothing to ask
        assert selectors.own_real_name(loaded) == people.resident.real_name
