"""Joining a community and the committee's review queue (PC-2)."""

import pytest

from shequtong.accounts import scope, selectors, services
from shequtong.accounts.models import AuditEvent, Membership
from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.inbox.models import Message
from shequtong.places.models import CommunityStats

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db


def test_approval_makes_a_resident_tells_them_and_records_review_time(tree):
    applicant = make_user()
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk, estate_id=tree.estate(tree.comm_a1).pk)
    services.review_membership(actor=secretary, membership_id=m.pk, approve=True)
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED
    assert m.review_seconds is not None and m.reviewed_by == secretary
    scope.forget(applicant)
    assert scope.home_community(applicant) == tree.comm_a1
    assert scope.versions_of(applicant) == ["resident"]
    msg = Message.objects.get(recipient=applicant)
    assert "成功加入" in msg.subject
    assert CommunityStats.objects.get(pk=tree.comm_a1.pk).residents == 1
    assert AuditEvent.objects.filter(action="member_review", actor=secretary).exists()


def test_rejection_needs_a_reason_and_the_applicant_reads_it(tree):
    applicant = make_user()
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    with pytest.raises(ValidationFailed, match="原因"):
        services.review_membership(actor=secretary, membership_id=m.pk, approve=False)
    services.review_membership(actor=secretary, membership_id=m.pk, approve=False, reason="非本社区住户")
    msg = Message.objects.get(recipient=applicant)
    assert "未通过" in msg.subject and "非本社区住户" in msg.body
    assert scope.versions_of(applicant) == []


def test_secretary_cannot_review_outside_their_community(tree):
    applicant = make_user()
    other_secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    assert list(selectors.pending_reviews_for(other_secretary)) == []
    with pytest.raises(NotFound):
        services.review_membership(actor=other_secretary, membership_id=m.pk, approve=True)
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING


def test_a_second_open_request_to_the_same_community_is_refused(tree):
    applicant = make_user()
    services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    with pytest.raises(ValidationFailed, match="等待审核"):
        services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)


def test_estate_must_belong_to_the_community(tree):
    with pytest.raises(ValidationFailed):
        services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk, estate_id=tree.estate(tree.comm_b1).pk)


def test_a_reviewed_request_cannot_be_reviewed_again(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    services.review_membership(actor=secretary, membership_id=m.pk, approve=True)
    with pytest.raises(ValidationFailed, match="已审核"):
        services.review_membership(actor=secretary, membership_id=m.pk, approve=False, reason="x")
