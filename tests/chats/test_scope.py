"""Membership and jurisdiction: nobody sees or touches a group outside their estate, community or scope."""

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.chats import policies, selectors, services
from shequtong.chats.models import GroupChat, GroupHistory, GroupMember, GroupMention, GroupMessage
from shequtong.common import hooks
from shequtong.common.errors import NotFound

from ..factories import chat_message

pytestmark = pytest.mark.django_db


def _ids(user):
    return {g.pk for g in selectors.groups_for(user)}


def test_a_resident_of_estate_a_never_sees_estate_b(people, client):
    chat_message(people.carol, people.group_a2, "A2的秘密")
    assert _ids(people.alice) == {people.group_a1.pk}
    assert _ids(people.carol) == {people.group_a2.pk}
    with pytest.raises(NotFound):
        policies.access_group(people.alice, people.group_a2.pk)
    client.force_login(people.alice)
    html = client.get(reverse("chats:list")).content.decode()
    assert people.group_a1.name in html and people.group_a2.name not in html
    assert client.get(reverse("chats:detail", args=[people.group_a2.pk])).status_code == 404
    assert client.get(reverse("chats:messages", args=[people.group_a2.pk]), {"after": 0}).status_code == 404
    assert "A2的秘密" not in client.get(reverse("chats:list")).content.decode()


def test_committee_sees_every_group_of_its_community_and_never_another(people):
    custom = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="志愿者群")
    assert _ids(people.staff) == {people.group_a1.pk, people.group_a2.pk, custom.pk}
    # The fixture grants staff_b's role directly; accounts.services.grant_role would
    # have published membership_changed, which creates every estate group of comm_b1.
    services.on_membership_changed(hooks.MembershipEvent(
        user_id=people.staff_b.pk, role=Role.COMMITTEE_STAFF, subdistrict_id=people.tree.sub_b.pk,
        community_id=people.tree.comm_b1.pk, estate_id=None, change="granted"))
    seen_by_b = _ids(people.staff_b)
    b_groups = set(GroupChat.objects.filter(community=people.tree.comm_b1).values_list("pk", flat=True))
    assert people.group_b1.pk in b_groups and len(b_groups) == 2  # both estates of comm_b1
    assert seen_by_b == b_groups
    for group in (people.group_a1, people.group_a2, custom):
        assert policies.access_group(people.staff, group.pk)[1].role == policies.STAFF
        with pytest.raises(NotFound):
            policies.access_group(people.staff_b, group.pk)
    assert {g.pk for g in selectors.managed_groups(people.staff_b)} == b_groups


def test_observers_read_groups_in_their_scope_only(people):
    assert policies.access_group(people.sub_a, people.group_a1.pk)[1].role == policies.OBSERVER
    assert policies.access_group(people.district, people.group_b1.pk)[1].role == policies.OBSERVER
    with pytest.raises(NotFound):
        policies.access_group(people.sub_a, people.group_b1.pk)
    with pytest.raises(NotFound):  # observes, but is not patrol staff
        policies.access_group(people.rural_admin, people.group_a1.pk)
    assert _ids(people.sub_a) == set()  # observers are not members of anything
    assert people.tree.comm_b1 not in list(selectors.observable_communities(people.sub_a))


def _snapshot():
    return (
        GroupMessage.objects.count(), GroupMention.objects.count(),
        GroupMessage.objects.filter(hidden_at__isnull=False).count(), GroupMember.objects.count(),
        list(GroupChat.objects.exclude(community__name="罗南新村居委").order_by("id").values_list("announcement", flat=True)),
        GroupHistory.objects.count(), GroupChat.objects.filter(kind="custom").count(),
    )


@pytest.fixture
def a1_world(people):
    message = chat_message(people.alice, people.group_a1, "电梯坏了")
    hidden = chat_message(people.bob, people.group_a1, "广告")
    services.hide_message(actor=people.staff, message_id=hidden.pk, reason="广告")
    custom = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name="楼组群", member_ids=[people.alice.pk])
    return people, message, hidden, custom


def _page_requests(p, message, hidden, custom):
    g = p.group_a1.pk
    return [
        ("get", reverse("chats:detail", args=[g]), {}),
        ("get", reverse("chats:messages", args=[g]), {"after": 0}),
        ("get", reverse("chats:messages", args=[g]), {"before": hidden.pk + 1}),
        ("post", reverse("chats:send", args=[g]), {"body": "闯入"}),
        ("get", reverse("chats:stream", args=[g]), {}),
        ("get", reverse("chats:info", args=[g]), {}),
        ("get", reverse("chats:info", args=[custom.pk]), {}),
        ("post", reverse("chats:announcement", args=[g]), {"announcement": "越界公告"}),
        ("get", reverse("chats:members", args=[custom.pk]), {}),
        ("post", reverse("chats:members", args=[custom.pk]), {"user": [p.bob.pk]}),
        ("post", reverse("chats:remove_member", args=[custom.pk, p.alice.pk]), {}),
        ("post", reverse("chats:mention", args=[message.pk]), {}),
        ("post", reverse("chats:hide", args=[message.pk]), {"reason": "越界"}),
        ("post", reverse("chats:restore", args=[hidden.pk]), {}),
        ("get", reverse("chats:observe_community", args=[p.tree.comm_a1.pk]), {}),
    ]


@pytest.mark.parametrize("who", ["staff_b", "dave", "carol", "rural_admin"])
def test_every_page_refuses_people_outside_and_changes_nothing(client, a1_world, who):
    p, message, hidden, custom = a1_world
    outsider = getattr(p, who)
    client.force_login(outsider)
    before = _snapshot()
    for method, url, data in _page_requests(p, message, hidden, custom):
        response = getattr(client, method)(url, data)
        assert response.status_code in (403, 404), (who, method, url, response.status_code)
        assert "电梯坏了" not in response.content.decode()
    assert _snapshot() == before


def test_observer_pages_refuse_a_community_outside_the_subdistrict(client, people):
    client.force_login(people.sub_a)
    assert client.get(reverse("chats:observe_community", args=[people.tree.comm_b1.pk])).status_code == 404
    html = client.get(reverse("chats:observe")).content.decode()
    assert people.tree.comm_a1.name in html and people.tree.comm_b1.name not in html


def test_creating_a_group_lands_in_ones_own_community_whatever_is_posted(client, people):
    client.force_login(people.staff_b)
    client.post(reverse("chats:create"), {"name": "越界群", "community": people.tree.comm_a1.pk})
    group = GroupChat.objects.get(kind="custom")
    assert group.community == people.tree.comm_b1


def _api_requests(p, message, hidden, custom):
    g = p.group_a1.pk
    return [
        ("get", f"/api/v1/chats/groups/{g}", None),
        ("get", f"/api/v1/chats/groups/{g}/messages", None),
        ("get", f"/api/v1/chats/groups/{g}/messages?since=0", None),
        ("post", f"/api/v1/chats/groups/{g}/messages", {"body": "闯入"}),
        ("post", f"/api/v1/chats/messages/{message.pk}/mention", {}),
        ("post", f"/api/v1/chats/messages/{message.pk}/hide", {"reason": "越界"}),
        ("post", f"/api/v1/chats/messages/{hidden.pk}/restore", {}),
        ("post", "/api/v1/chats/groups", {"community_id": p.tree.comm_a1.pk, "name": "越界群"}),
        ("post", f"/api/v1/chats/groups/{custom.pk}/members", {"user_ids": [p.bob.pk]}),
        ("delete", f"/api/v1/chats/groups/{custom.pk}/members/{p.alice.pk}", None),
        ("put", f"/api/v1/chats/groups/{g}/announcement", {"text": "越界公告"}),
        ("get", f"/api/v1/chats/communities/{p.tree.comm_a1.pk}/groups", None),
    ]


@pytest.mark.parametrize("who", ["staff_b", "dave", "rural_admin"])
def test_every_api_operation_refuses_people_outside_and_changes_nothing(client, a1_world, who):
    p, message, hidden, custom = a1_world
    client.force_login(getattr(p, who))
    before = _snapshot()
    for method, url, body in _api_requests(p, message, hidden, custom):
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = getattr(client, method)(url, body, **kwargs) if body is not None else getattr(client, method)(url)
        assert response.status_code in (403, 404), (who, method, url, response.status_code, response.content)
        assert "电梯坏了" not in response.content.decode()
    listed = client.get("/api/v1/chats/groups").json()
    assert p.group_a1.pk not in {g["id"] for g in listed}
    assert _snapshot() == before
