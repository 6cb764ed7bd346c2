"""chats.policies: access_group/access_message inside the scope, NotFound alike outside and for missing ids, booleans per role."""

from __future__ import annotations

import pytest

from shequtong.chats import policies, services
from shequtong.chats.errors import ChatError
from shequtong.common.errors import NotFound

from ..factories import chat_message

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _same_refusal(fn, outside_args: tuple, missing_args: tuple, code: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    with pytest.raises(NotFound) as outside:
        fn(*outside_args)
    with pytest.raises(NotFound) as missing:
        fn(*missing_args)
    assert outside.value.code == missing.value.code == code
    assert outside.value.message == missing.value.message


def test_access_group_roles_and_booleans(people):
    group, member = policies.access_group(people.alice, people.group_a1.pk)
    assert group == people.group_a1 and member.role == policies.MEMBER
    assert member.can_send and member.can_mention and not member.can_moderate and not member.is_observer
    _, staff = policies.access_group(people.staff, people.group_a1.pk)
    assert staff.role == policies.STAFF and staff.can_send and staff.can_moderate
    assert not staff.can_manage_members  # an estate group is made of the estate's residents
    for observer in (people.sub_a, people.district):
        _, ga = policies.access_group(observer, people.group_a1.pk)
        assert ga.is_observer and not ga.can_send and not ga.can_moderate and ga.can_mention


def test_a_committee_group_is_managed_by_staff_and_open_to_its_listed_residents(people):
    custom = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="志愿者群",
                                   member_ids=[people.alice.pk])
    assert policies.access_group(people.staff, custom.pk)[1].can_manage_members
    assert policies.access_group(people.alice, custom.pk)[1].role == policies.MEMBER
    _same_refusal(policies.access_group, (people.bob, custom.pk), (people.bob, MISSING), ChatError.GROUP_NOT_FOUND)


def test_access_group_outside_the_scope_is_the_same_as_missing(people):
    for user, group in ((people.alice, people.group_a2), (people.dave, people.group_a1), (people.staff_b, people.group_a1),
                        (people.sub_a, people.group_b1), (people.rural_admin, people.group_a1)):
        _same_refusal(policies.access_group, (user, group.pk), (user, MISSING), ChatError.GROUP_NOT_FOUND)


def test_access_message_follows_its_group(people):
    m = chat_message(people.alice, people.group_a1, "今天停水吗？")
    message, ga = policies.access_message(people.bob, m.pk)
    assert message == m and message.group == people.group_a1 and ga.role == policies.MEMBER
    assert policies.access_message(people.staff, m.pk)[1].can_moderate
    _same_refusal(policies.access_message, (people.carol, m.pk), (people.carol, MISSING), ChatError.MESSAGE_NOT_FOUND)


def test_access_community_chats_for_staff_and_patrol_only(people):
    a1, b1 = people.tree.comm_a1.pk, people.tree.comm_b1.pk
    assert policies.access_community_chats(people.staff, a1).pk == a1
    assert policies.access_community_chats(people.sub_a, a1).pk == a1
    assert policies.access_community_chats(people.district, b1).pk == b1
    for user in (people.alice, people.staff_b, people.rural_admin):
        with pytest.raises(NotFound):
            policies.access_community_chats(user, a1)
    with pytest.raises(NotFound):
        policies.access_community_chats(people.district, MISSING)
