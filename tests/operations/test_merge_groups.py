"""Merging communities whose same-named estates both have a 小区群: nothing is lost, nothing conflicts."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.chats.models import GroupChat, GroupMember
from shequtong.operations import services
from shequtong.places.models import Community, CommunityStats, Estate
from tests.factories import (
    chat_message,
    estate_group,
    make_tree,
    make_with_role,
    resident_of_estate,
)

pytestmark = pytest.mark.django_db


def test_the_source_estates_group_stays_readable_by_its_people_and_they_join_the_twins() -> None:
    tree = make_tree()
    target_estate = tree.estate(tree.comm_a1)
    source = Community.objects.create(subdistrict=tree.sub_a, name="新居委", kind="urban")
    CommunityStats.objects.create(community=source, subdistrict=tree.sub_a)
    source_estate = Estate.objects.create(community=source, name=target_estate.name)
    old_group, twin_group = estate_group(source_estate), estate_group(target_estate)
    mover = resident_of_estate(source_estate, "mover")
    chat_message(mover, old_group, "我们小区的群")

    services.merge_communities(actor=make_with_role(Role.SYSADMIN), source_id=source.pk, target_id=tree.comm_a1.pk)

    old_group.refresh_from_db()
    assert not Estate.objects.filter(pk=source_estate.pk).exists()
    # The old 小区群 is a committee group of the target now, its history kept, its people listed.
    assert (old_group.kind, old_group.estate_id, old_group.community_id) == (GroupChat.Kind.CUSTOM, None, tree.comm_a1.pk)
    assert old_group.messages.filter(body="我们小区的群").exists()
    assert GroupMember.objects.filter(group=old_group, user=mover).exists()
    # The twin keeps its own 小区群, which the moved resident belongs to through the moved grant.
    twin_group.refresh_from_db()
    assert (twin_group.kind, twin_group.estate_id) == (GroupChat.Kind.ESTATE, target_estate.pk)
    assert mover.role_grants.filter(role=Role.RESIDENT, estate=target_estate).exists()
