"""visits.policies: who reads a 面对面 record and what each role may do to it (the one rule)."""

from __future__ import annotations

import pytest

from shequtong.common.errors import NotFound, PermissionRefused
from shequtong.visits import selectors, services
from shequtong.visits.models import Visit
from shequtong.visits.policies import access_visit, access_visit_to_review

from .conftest import approved, record

pytestmark = pytest.mark.django_db


def _refusal(user, visit_id):  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as exc:
        access_visit(user, visit_id)
    return exc.value.code, exc.value.message, exc.value.status


def test_inside_the_scope_the_record_comes_with_its_access(tree, people):
    v = approved(people, tree.comm_a1)
    visit, access = access_visit(people.staff2, v.pk)
    assert visit == v and access.can_view and access.is_staff and not access.is_author


def test_outside_the_scope_and_missing_are_the_same_not_found(tree, people):
    v = approved(people, tree.comm_a1)
    missing = Visit.objects.order_by("-pk").first().pk + 1000
    outside = {_refusal(user, v.pk) for user in (people.other_staff, people.other_secretary, people.sub_b_observer,
                                                 people.member, people.outsider_member)}
    assert outside == {_refusal(people.staff, missing)} == {("not_found", "面对面记录不存在或您无权查看", 404)}


def test_the_author_edits_submits_and_deletes_only_their_draft(tree, people):
    draft = record(people.staff, tree.comm_a1, person_id=people.member.pk, person_name="")
    _, a = access_visit(people.staff, draft.pk)
    assert (a.is_author, a.can_edit, a.can_submit, a.can_delete) == (True, True, True, True)
    assert not (a.can_review or a.can_archive or a.can_send or a.can_contact or a.observer_view)
    for user in (people.staff2, people.secretary, people.sub_observer, people.district):
        with pytest.raises(NotFound):
            access_visit(user, draft.pk)


def test_the_secretary_reviews_a_submitted_record_and_the_author_waits(tree, people):
    pending = record(people.staff, tree.comm_a1, submit=True)
    _, a = access_visit(people.secretary, pending.pk)
    assert a.can_review and not (a.can_edit or a.can_delete or a.can_archive or a.can_send)
    _, mine = access_visit(people.staff, pending.pk)
    assert not (mine.can_edit or mine.can_submit or mine.can_delete or mine.can_review)
    for user in (people.staff2, people.sub_observer, people.district, people.other_secretary):
        with pytest.raises(NotFound):
            access_visit(user, pending.pk)


def test_a_returned_record_is_the_authors_to_change_again(tree, people):
    v = record(people.staff, tree.comm_a1, submit=True)
    services.return_visit(actor=people.secretary, visit_id=v.pk, reason="请补充")
    _, mine = access_visit(people.staff, v.pk)
    assert mine.can_edit and mine.can_submit and not mine.can_delete
    _, sec = access_visit(people.secretary, v.pk)
    assert sec.can_view and not sec.can_review


def test_published_records_per_role(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk, person_name="")
    _, sec = access_visit(people.secretary, v.pk)
    assert sec.can_archive and sec.can_send and sec.can_contact and not sec.can_review
    assert sec.can_send_any(v.problems.all())
    _, staff = access_visit(people.staff2, v.pk)
    assert staff.can_contact and not (staff.can_archive or staff.can_send or staff.can_edit or staff.observer_view)
    for observer in (people.sub_observer, people.district):
        _, obs = access_visit(observer, v.pk)
        assert obs.observer_view and not (obs.can_contact or obs.can_send or obs.can_edit or obs.can_review)
    services.archive_visit(actor=people.secretary, visit_id=v.pk)
    _, sec = access_visit(people.secretary, v.pk)
    assert sec.can_send and not sec.can_archive
    services.send_to_cases(actor=people.secretary, visit_id=v.pk, problem_ids=list(v.problems.values_list("pk", flat=True)))
    assert not sec.can_send_any(v.problems.all())


def test_no_online_contact_with_someone_without_an_account(tree, people):
    v = approved(people, tree.comm_a1)
    _, a = access_visit(people.staff, v.pk)
    assert not a.is_member and not a.can_contact


def test_review_actions_refuse_staff_and_hide_drafts(tree, people):
    pending = record(people.staff, tree.comm_a1, submit=True)
    draft = record(people.staff, tree.comm_a1)
    assert access_visit_to_review(people.secretary, pending.pk)[0] == pending
    with pytest.raises(PermissionRefused):
        access_visit_to_review(people.staff2, pending.pk)
    for user, visit in ((people.secretary, draft), (people.other_secretary, pending), (people.sub_observer, pending)):
        with pytest.raises(NotFound):
            access_visit_to_review(user, visit.pk)


def test_the_lists_hold_exactly_the_records_the_policy_lets_each_role_read(tree, people):
    visits = [
        record(people.staff, tree.comm_a1), record(people.staff2, tree.comm_a1),
        record(people.staff, tree.comm_a1, submit=True), approved(people, tree.comm_a1),
        record(people.other_staff, tree.comm_b1, submit=True),
    ]
    for user in (people.staff, people.staff2, people.secretary, people.other_staff, people.other_secretary,
                 people.sub_observer, people.sub_b_observer, people.district):
        listed = set(selectors.committee_visits(user)) | set(selectors.observer_visits(user))
        readable = set()
        for v in visits:
            try:
                readable.add(access_visit(user, v.pk)[0])
            except NotFound:
                pass
        assert listed == readable, user
