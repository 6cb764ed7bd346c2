"""Groups residents create among neighbours of their estate (§3.4.1 item 2.11, PC-10).

Invisible outside the estate; the committee sees and moderates them like any other group;
observers read but do not post; @居委 works there too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.chats import selectors, services
from shequtong.chats.models import GroupChat, GroupHistory, GroupMember
from shequtong.common.errors import NotFound, PermissionRefused, ValidationFailed

from ..factories import resident_of_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(people):
    estate_id = people.group_a1.estate_id
    return services.create_resident_group(actor=people.alice, estate_id=estate_id, name="5号楼邻里群",
                                          member_ids=[people.bob.pk])


def test_a_resident_creates_a_group_in_her_estate_and_invites_a_neighbour(people, group):
    assert group.kind == GroupChat.Kind.RESIDENT and group.estate_id == people.group_a1.estate_id
    assert group.community_id == people.tree.comm_a1.pk and group.created_by_id == people.alice.pk
    assert set(GroupMember.objects.filter(group=group).values_list("user_id", flat=True)) == {people.alice.pk, people.bob.pk}
    assert GroupHistory.objects.filter(group=group, action="created", actor=people.alice).exists()
    neighbour = resident_of_estate(people.group_a1.estate, real_name="钱多多")
    assert neighbour in selectors.member_candidates(group, "钱多多")
    assert people.carol not in selectors.member_candidates(group)  # another estate of the same community
    assert services.add_members(actor=people.alice, group_id=group.pk, user_ids=[neighbour.pk]) == 1
    services.send_message(actor=neighbour, group_id=group.pk, body="谢谢邀请")
    assert group in selectors.groups_for(neighbour)
    # The estate's own group is still the one estate group (a residents' group does not take its place).
    assert GroupChat.objects.filter(estate_id=group.estate_id, kind=GroupChat.Kind.ESTATE).count() == 1


def test_only_the_estates_residents_may_be_invited_and_only_by_the_creator(people, group):
    with pytest.raises(ValidationFailed):
        services.add_members(actor=people.alice, group_id=group.pk, user_ids=[people.carol.pk])
    with pytest.raises(PermissionRefused):
        services.add_members(actor=people.bob, group_id=group.pk, user_ids=[people.alice.pk])
    with pytest.raises(NotFound):
        services.create_resident_group(actor=people.alice, estate_id=people.group_a2.estate_id, name="别人的小区")
    with pytest.raises(NotFound):
        services.create_resident_group(actor=people.staff, estate_id=people.group_a1.estate_id, name="居委不走这条路")
    with pytest.raises(ValidationFailed):
        services.create_resident_group(actor=people.alice, estate_id=people.group_a1.estate_id, name="x")
    assert GroupMember.objects.filter(group=group).count() == 2


def test_invisible_outside_its_estate(people, group):
    # A resident of another estate of the same community, and of another community, find nothing.
    for outsider in (people.carol, people.dave, people.staff_b):
        assert group not in selectors.groups_for(outsider)
        with pytest.raises(NotFound):
            services.send_message(actor=outsider, group_id=group.pk, body="路过")
        with pytest.raises(NotFound):
            services.add_members(actor=outsider, group_id=group.pk, user_ids=[])
    # Even someone listed stops seeing it once not a resident of the estate any more.
    GroupMember.objects.create(group=group, user=people.carol, added_at=group.created_at)
    with pytest.raises(NotFound):
        services.send_message(actor=people.carol, group_id=group.pk, body="我搬走了")


def test_the_committee_sees_and_moderates_it_and_mentions_work(people, group, mentions):
    assert group in selectors.groups_for(people.staff)
    message = services.send_message(actor=people.bob, group_id=group.pk, body="@居委 5号楼电梯又停了")
    assert [(m.source_type, m.community_id) for m in mentions] == [("group_message", people.tree.comm_a1.pk)]
    other = services.send_message(actor=people.alice, group_id=group.pk, body="有人卖保健品吗")
    services.mention_message(actor=people.staff, message_id=other.pk)
    assert len(mentions) == 2
    services.hide_message(actor=people.staff, message_id=other.pk, reason="广告")
    with pytest.raises(PermissionRefused):
        services.hide_message(actor=people.alice, message_id=message.pk, reason="我是群主")
    services.add_members(actor=people.staff, group_id=group.pk, user_ids=[])
    services.remove_member(actor=people.staff, group_id=group.pk, user_id=people.bob.pk)
    with pytest.raises(NotFound):
        services.send_message(actor=people.bob, group_id=group.pk, body="还在吗")


def test_observers_see_but_do_not_post(people, group):
    services.send_message(actor=people.alice, group_id=group.pk, body="大家好")
    assert group in selectors.community_groups(people.sub_a, people.tree.comm_a1)
    with pytest.raises(PermissionRefused):
        services.send_message(actor=people.sub_a, group_id=group.pk, body="观察员发言")
    with pytest.raises(PermissionRefused):
        services.add_members(actor=people.district, group_id=group.pk, user_ids=[people.bob.pk])
    with pytest.raises(NotFound):
        services.send_message(actor=people.rural_admin, group_id=group.pk, body="x")


def test_pages(client, people):
    client.force_login(people.alice)
    assert 'data-testid="create-resident-group"' in client.get(reverse("chats:list")).content.decode()
    response = client.post(reverse("chats:create_resident"), {"name": "遛娃群", "estate": people.group_a1.estate_id,
                                                                "idempotency_key": "group-key-1"})
    assert response.status_code == 302
    client.post(reverse("chats:create_resident"), {"name": "遛娃群", "estate": people.group_a1.estate_id,
                                                   "idempotency_key": "group-key-1"})
    group = GroupChat.objects.get(kind=GroupChat.Kind.RESIDENT)
    members = reverse("chats:members", args=[group.pk])
    page = client.get(members + "?q=李建国").content.decode()
    assert "邀请邻居" in page and people.bob.display_name in page
    client.post(members, {"user": [people.bob.pk]})
    assert GroupMember.objects.filter(group=group, user=people.bob).exists()
    client.force_login(people.bob)
    assert client.get(members).status_code == 403
    client.force_login(people.carol)
    assert client.get(reverse("chats:detail", args=[group.pk])).status_code == 404
    client.force_login(people.sub_a)
    page = client.get(reverse("chats:detail", args=[group.pk])).content.decode()
    assert "遛娃群" in page
    assert client.post(reverse("chats:send", args=[group.pk]), {"body": "x"}).status_code == 403
    client.force_login(people.staff)
    assert client.get(reverse("chats:create_resident")).status_code == 403
