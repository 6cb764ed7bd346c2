"""小区群 services: sending, ordering, cursor paging, @居委 mentions, moderation, committee groups (PC-4, CT-1, CT-5)."""

import pytest
import time_machine

from shequtong.accounts import services as accounts_services
from shequtong.accounts.roles import Role
from shequtong.chats import policies, selectors, services
from shequtong.chats.models import GroupChat, GroupHistory, GroupMention, GroupMessage
from shequtong.common.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionRefused,
    ValidationFailed,
)
from shequtong.inbox.models import Message

from ..factories import chat_message, estate_group, make_user, make_with_role, resident_of_estate

pytestmark = pytest.mark.django_db


# --- estate groups -----------------------------------------------------------------

def test_every_estate_gets_exactly_one_group_lazily(tree):
    assert not GroupChat.objects.exists()
    created = services.ensure_estate_groups(community_ids=[tree.comm_a1.pk, tree.comm_a2.pk])
    assert created == 4
    assert services.ensure_estate_groups(community_ids=[tree.comm_a1.pk, tree.comm_a2.pk]) == 0
    groups = GroupChat.objects.filter(kind=GroupChat.Kind.ESTATE)
    assert groups.count() == 4
    assert sorted(g.estate.community_id for g in groups) == sorted([tree.comm_a1.pk] * 2 + [tree.comm_a2.pk] * 2)
    rural = groups.filter(community=tree.comm_a2).order_by("id").first()
    assert rural.name == "沈杨村第1村民小组群"
    urban = groups.filter(community=tree.comm_a1).order_by("id").first()
    assert urban.name == "友谊一村居委1号小区群"


def test_an_approved_resident_finds_their_estate_group_created_when_they_joined(tree):
    """Groups are created when memberships change (hooks.membership_changed), never when a page is opened."""
    estate = tree.estate(tree.comm_a1)
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    resident = make_user()
    membership = accounts_services.request_membership(actor=resident, community_id=tree.comm_a1.pk, estate_id=estate.pk)
    assert not GroupChat.objects.filter(estate=estate).exists()
    accounts_services.review_membership(actor=secretary, membership_id=membership.pk, approve=True)
    assert [g.estate_id for g in selectors.groups_for(resident)] == [estate.pk]
    # Staff see every estate group of their community: all of them exist now.
    assert set(GroupChat.objects.filter(community=tree.comm_a1).values_list("estate_id", flat=True)) == set(
        tree.comm_a1.estates.values_list("pk", flat=True))


def test_a_role_granted_on_a_community_creates_its_estate_groups(tree):
    admin = make_with_role(Role.SYSADMIN)
    staff = make_user()
    accounts_services.grant_role(actor=admin, user=staff, role=Role.COMMITTEE_STAFF, community=tree.comm_a2)
    assert GroupChat.objects.filter(community=tree.comm_a2, kind=GroupChat.Kind.ESTATE).count() == tree.comm_a2.estates.count()
    assert {g.community_id for g in selectors.managed_groups(staff)} == {tree.comm_a2.pk}


def test_a_failed_grant_creates_no_groups(tree):
    """The groups are written in the grant's transaction: a refused grant leaves nothing behind."""
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    with pytest.raises(DomainError):
        accounts_services.grant_role(actor=staff, user=make_user(), role=Role.COMMITTEE_STAFF, community=tree.comm_b1)
    assert not GroupChat.objects.exists()


# --- sending, ordering and cursors ---------------------------------------------------

def test_members_send_and_messages_come_back_in_order(people):
    first = chat_message(people.alice, people.group_a1, "早上好")
    second = chat_message(people.bob, people.group_a1, "今天停水吗？")
    third = chat_message(people.staff, people.group_a1, "下午两点到四点检修水管")
    rows, has_more = selectors.messages_before(people.group_a1)
    assert [m.pk for m in rows] == [first.pk, second.pk, third.pk]
    assert has_more is False
    assert third.author_role == "居委" and first.author_role == ""
    people.group_a1.refresh_from_db()
    assert people.group_a1.last_message_id == third.pk


def test_a_message_must_have_text_and_not_be_too_long(people):
    with pytest.raises(ValidationFailed):
        services.send_message(actor=people.alice, group_id=people.group_a1.pk, body="   ")
    with pytest.raises(ValidationFailed):
        services.send_message(actor=people.alice, group_id=people.group_a1.pk, body="长" * 1001)
    assert not GroupMessage.objects.exists()


def test_nobody_sends_into_a_group_they_do_not_belong_to(people):
    with pytest.raises(NotFound):
        services.send_message(actor=people.carol, group_id=people.group_a1.pk, body="串门")
    with pytest.raises(NotFound):
        services.send_message(actor=people.staff_b, group_id=people.group_a1.pk, body="串门")
    with pytest.raises(PermissionRefused):  # observers read only (OB-8)
        services.send_message(actor=people.sub_a, group_id=people.group_a1.pk, body="巡查")
    assert not GroupMessage.objects.exists()


def test_flooding_a_group_is_refused(people):
    for i in range(services.MESSAGES_PER_MINUTE):
        chat_message(people.alice, people.group_a1, f"第{i}条")
    with pytest.raises(ValidationFailed):
        chat_message(people.alice, people.group_a1, "再来一条")
    assert GroupMessage.objects.count() == services.MESSAGES_PER_MINUTE


def test_cursor_paging_backwards_and_since(people):
    sent = []
    with time_machine.travel("2026-03-01 09:00 +0800", tick=True) as traveller:
        for i in range(75):
            sent.append(chat_message(people.alice if i % 2 else people.bob, people.group_a1, f"消息{i}").pk)
            if i % 25 == 24:
                traveller.shift(120)  # stay under the flood brake
    page, more = selectors.messages_before(people.group_a1, limit=30)
    assert [m.pk for m in page] == sent[45:] and more
    page2, more2 = selectors.messages_before(people.group_a1, before=page[0].pk, limit=30)
    assert [m.pk for m in page2] == sent[15:45] and more2
    page3, more3 = selectors.messages_before(people.group_a1, before=page2[0].pk, limit=30)
    assert [m.pk for m in page3] == sent[:15] and not more3
    newer = selectors.messages_after(people.group_a1, after=sent[70])
    assert [m.pk for m in newer] == sent[71:]
    assert selectors.messages_after(people.group_a1, after=sent[-1]) == []


def test_unread_markers_move_forward_only(people):
    chat_message(people.alice, people.group_a1, "一")
    m2 = chat_message(people.alice, people.group_a1, "二")
    assert selectors.unread_groups(people.bob) == 1
    assert selectors.groups_for(people.bob).get(pk=people.group_a1.pk).unread == 2
    services.mark_read(actor=people.bob, group_id=people.group_a1.pk, last_id=m2.pk)
    services.mark_read(actor=people.bob, group_id=people.group_a1.pk, last_id=1)
    assert selectors.unread_groups(people.bob) == 0
    assert selectors.groups_for(people.bob).get(pk=people.group_a1.pk).unread == 0
    assert selectors.unread_groups(people.alice) == 0  # one's own messages are read


# --- @居委 mentions (CT-1, CT-5) ------------------------------------------------------

def test_resident_presses_at_committee_beside_a_message(people, mentions):
    message = chat_message(people.bob, people.group_a1, "3号楼电梯又坏了")
    mention = services.mention_message(actor=people.alice, message_id=message.pk)
    assert len(mentions) == 1
    event = mentions[0]
    assert event.mention_id == mention.pk
    assert event.source_type == "group_message" and event.board == "group_chat"
    assert event.source_id == message.pk
    assert event.actor_id == people.alice.pk and event.author_id == people.bob.pk
    assert event.community_id == people.tree.comm_a1.pk
    assert event.text == "3号楼电梯又坏了"
    assert event.url.endswith(f"/chats/{people.group_a1.pk}/#m{message.pk}")
    assert event.patrol_level is None and mention.patrol_level is None


@pytest.mark.parametrize(("who", "level"), [("staff", "committee"), ("sub_a", "subdistrict"), ("district", "district")])
def test_patrol_staff_mentions_carry_their_patrol_level(people, mentions, who, level):
    message = chat_message(people.bob, people.group_a1, "楼道堆放杂物")
    mention = services.mention_message(actor=getattr(people, who), message_id=message.pk)
    assert mention.patrol_level == level
    assert [e.patrol_level for e in mentions] == [level]


def test_pressing_twice_records_once(people, mentions):
    message = chat_message(people.bob, people.group_a1, "噪音扰民")
    services.mention_message(actor=people.alice, message_id=message.pk)
    with pytest.raises(Conflict):
        services.mention_message(actor=people.alice, message_id=message.pk)
    assert GroupMention.objects.count() == 1 and len(mentions) == 1


def test_nobody_mentions_outside_their_groups(people, mentions):
    message = chat_message(people.bob, people.group_a1, "噪音扰民")
    for outsider in (people.carol, people.dave, people.staff_b, people.rural_admin):
        with pytest.raises(NotFound):
            services.mention_message(actor=outsider, message_id=message.pk)
    sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, people.tree.sub_b)
    with pytest.raises(NotFound):
        services.mention_message(actor=sub_b, message_id=message.pk)
    assert not GroupMention.objects.exists() and mentions == []


def test_typing_at_committee_first_records_the_message(people, mentions):
    message = chat_message(people.alice, people.group_a1, "@居委 小区门口的井盖松动了")
    assert [(e.source_id, e.actor_id, e.author_id) for e in mentions] == [(message.pk, people.alice.pk, people.alice.pk)]


def test_a_hidden_message_cannot_be_mentioned(people, mentions):
    message = chat_message(people.bob, people.group_a1, "广告")
    services.hide_message(actor=people.staff, message_id=message.pk, reason="广告信息")
    with pytest.raises(ValidationFailed):
        services.mention_message(actor=people.alice, message_id=message.pk)
    assert mentions == []


# --- moderation --------------------------------------------------------------------------

def test_committee_hides_with_reason_author_is_told_and_it_is_restorable(people):
    message = chat_message(people.bob, people.group_a1, "卖房广告，联系我")
    with pytest.raises(ValidationFailed):
        services.hide_message(actor=people.staff, message_id=message.pk, reason=" ")
    services.hide_message(actor=people.staff, message_id=message.pk, reason="广告信息")
    message.refresh_from_db()
    assert message.is_hidden and message.hidden_reason == "广告信息" and message.body == "卖房广告，联系我"
    notice = Message.objects.get(recipient=people.bob)
    assert notice.kind == Message.Kind.SYSTEM and "广告信息" in notice.body
    with pytest.raises(Conflict):
        services.hide_message(actor=people.staff, message_id=message.pk, reason="再次")
    services.restore_message(actor=people.staff, message_id=message.pk)
    message.refresh_from_db()
    assert not message.is_hidden
    actions = list(GroupHistory.objects.filter(message=message).order_by("id").values_list("action", "detail"))
    assert actions == [("hidden", {"reason": "广告信息"}), ("restored", {"previous_reason": "广告信息"})]
    assert Message.objects.filter(recipient=people.bob).count() == 2


def test_only_the_committee_of_the_community_moderates(people):
    message = chat_message(people.bob, people.group_a1, "内容")
    with pytest.raises(PermissionRefused):
        services.hide_message(actor=people.alice, message_id=message.pk, reason="不喜欢")
    with pytest.raises(PermissionRefused):
        services.hide_message(actor=people.sub_a, message_id=message.pk, reason="巡查")
    with pytest.raises(NotFound):
        services.hide_message(actor=people.staff_b, message_id=message.pk, reason="越界")
    message.refresh_from_db()
    assert not message.is_hidden and not GroupHistory.objects.exists()


# --- committee groups and announcements -----------------------------------------------------

def test_committee_creates_a_group_of_its_residents_and_manages_members(people):
    group = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="老年活动群",
                                  member_ids=[people.alice.pk, people.carol.pk])
    assert set(selectors.members_of(group)) == {people.alice, people.carol}
    assert people.alice in [u for u in selectors.members_of(group)]
    assert group.pk in {g.pk for g in selectors.groups_for(people.carol)}
    assert group.pk not in {g.pk for g in selectors.groups_for(people.bob)}
    assert services.add_members(actor=people.staff, group_id=group.pk, user_ids=[people.bob.pk, people.alice.pk]) == 1
    services.remove_member(actor=people.staff, group_id=group.pk, user_id=people.alice.pk)
    assert set(selectors.members_of(group)) == {people.bob, people.carol}
    with pytest.raises(NotFound):
        policies.access_group(people.alice, group.pk)
    actions = list(GroupHistory.objects.filter(group=group).order_by("id").values_list("action", flat=True))
    assert actions == ["created", "member_added", "member_removed"]


def test_members_come_only_from_the_community(people):
    with pytest.raises(ValidationFailed):
        services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="串门群", member_ids=[people.dave.pk])
    with pytest.raises(NotFound):
        services.create_group(actor=people.staff_b, community_id=people.tree.comm_a1.pk, name="越界群")
    with pytest.raises(ValidationFailed):
        services.add_members(actor=people.staff, group_id=people.group_a1.pk, user_ids=[people.carol.pk])
    assert not GroupChat.objects.filter(kind=GroupChat.Kind.CUSTOM).exists()


def test_a_member_who_leaves_the_community_loses_the_group(people):
    group = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="楼组群", member_ids=[people.alice.pk])
    assert policies.access_group(people.alice, group.pk)[1].role == policies.MEMBER
    people.alice.role_grants.filter(role=Role.RESIDENT).delete()
    from shequtong.accounts import scope

    scope.forget(people.alice)
    with pytest.raises(NotFound):
        policies.access_group(people.alice, group.pk)
    with pytest.raises(NotFound):
        policies.access_group(people.alice, people.group_a1.pk)


def test_announcement_is_posted_into_the_conversation_and_can_be_withdrawn(people):
    with pytest.raises(PermissionRefused):
        services.set_announcement(actor=people.alice, group_id=people.group_a1.pk, text="我来发公告")
    group = services.set_announcement(actor=people.staff, group_id=people.group_a1.pk, text="周六上午检修水管")
    assert group.announcement == "周六上午检修水管" and group.announcement_by == people.staff
    notice = GroupMessage.objects.get(group=group)
    assert notice.kind == GroupMessage.Kind.ANNOUNCEMENT and notice.body == "周六上午检修水管"
    group = services.set_announcement(actor=people.staff, group_id=people.group_a1.pk, text="")
    assert group.announcement == "" and group.announcement_at is None
    assert GroupMessage.objects.filter(group=group).count() == 1
    with pytest.raises(ValidationFailed):
        services.mention_message(actor=people.alice, message_id=notice.pk)


def test_estate_group_members_are_its_residents(people, cast):
    extra = resident_of_estate(people.group_a1.estate)
    assert set(selectors.members_of(people.group_a1)) == {people.alice, people.bob, extra}
    # The committee of comm_a1 in the cast: its 社工 and its 书记, in the order they joined.
    assert list(selectors.staff_of(people.tree.comm_a1)) == [people.staff, cast.secretary_a]
    assert estate_group(people.group_a1.estate).pk == people.group_a1.pk


def test_the_data_migration_gives_every_existing_estate_its_group_once(tree):
    """Databases from before groups were created on membership changes get theirs from migration 0002."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("shequtong.chats.migrations.0002_estate_groups")
    estate_group(tree.estate(tree.comm_a1))  # one exists already: kept, not duplicated
    migration.create_estate_groups(apps, None)
    migration.create_estate_groups(apps, None)
    from shequtong.places.models import Estate

    assert sorted(GroupChat.objects.values_list("estate_id", flat=True)) == sorted(Estate.objects.values_list("pk", flat=True))
    names = {g.estate_id: g.name for g in GroupChat.objects.all()}
    assert all(names[e.pk] == services.estate_group_name(e, e.community) for e in Estate.objects.select_related("community"))


def test_a_bulk_loader_gives_every_estate_its_group(tree):
    from shequtong.places.models import Estate

    assert services.ensure_every_estate_group() == Estate.objects.count()
    assert services.ensure_every_estate_group() == 0
    assert GroupChat.objects.filter(kind=GroupChat.Kind.ESTATE).count() == Estate.objects.count()
