"""/api/v1/chats: the same actions and permissions as the pages."""

import json

import pytest

from shequtong.chats.models import GroupMention, GroupMessage

from ..factories import chat_message

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_list_my_groups_and_read_messages_with_cursors(client, people):
    ids = [chat_message(people.alice if i % 2 else people.bob, people.group_a1, f"第{i}条").pk for i in range(7)]
    client.force_login(people.alice)
    groups = client.get("/api/v1/chats/groups").json()
    assert [g["id"] for g in groups] == [people.group_a1.pk]
    assert groups[0]["last_message_id"] == ids[-1]
    page = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages?limit=3").json()
    assert [m["id"] for m in page["items"]] == ids[4:] and page["has_more"] and page["next_before"] == ids[4]
    older = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages?limit=3&before={ids[4]}").json()
    assert [m["id"] for m in older["items"]] == ids[1:4]
    newer = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages?since={ids[4]}").json()
    assert [m["id"] for m in newer["items"]] == ids[5:] and newer["next_since"] == ids[-1]
    assert client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages?since=1&before=3").status_code == 400
    body = json.dumps(page, ensure_ascii=False)
    assert people.bob.real_name not in body and "李*国" in body


def test_send_and_mention_through_the_api(client, people, mentions):
    client.force_login(people.alice)
    response = client.post(f"/api/v1/chats/groups/{people.group_a1.pk}/messages", {"body": "路灯不亮"}, content_type=JSON)
    assert response.status_code == 201
    message_id = response.json()["id"]
    client.force_login(people.bob)
    first = client.post(f"/api/v1/chats/messages/{message_id}/mention", {}, content_type=JSON)
    assert first.status_code == 201 and first.json()["patrol_level"] is None
    assert client.post(f"/api/v1/chats/messages/{message_id}/mention", {}, content_type=JSON).status_code == 409
    assert [(e.source_id, e.actor_id) for e in mentions] == [(message_id, people.bob.pk)]
    detail = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}").json()
    assert detail["role"] == "member" and detail["can_send"] and detail["mention_label"] == "@居委"
    items = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages").json()["items"]
    assert items[0]["mentioned_by_me"] is True


def test_observer_reads_and_patrols_but_cannot_send(client, people, mentions):
    message = chat_message(people.bob, people.group_a1, "违章搭建")
    client.force_login(people.district)
    listed = client.get(f"/api/v1/chats/communities/{people.tree.comm_a1.pk}/groups").json()
    assert people.group_a1.pk in {g["id"] for g in listed}
    assert client.get(f"/api/v1/chats/groups/{people.group_a1.pk}").json()["role"] == "observer"
    assert client.post(f"/api/v1/chats/groups/{people.group_a1.pk}/messages", {"body": "x"}, content_type=JSON).status_code == 403
    assert client.post(f"/api/v1/chats/messages/{message.pk}/mention", {}, content_type=JSON).json()["patrol_level"] == "district"
    assert GroupMessage.objects.count() == 1 and GroupMention.objects.count() == 1


def test_committee_moderates_and_manages_groups_through_the_api(client, people):
    message = chat_message(people.bob, people.group_a1, "广告")
    client.force_login(people.staff)
    hidden = client.post(f"/api/v1/chats/messages/{message.pk}/hide", {"reason": "广告信息"}, content_type=JSON).json()
    assert hidden["hidden"] and hidden["hidden_reason"] == "广告信息" and hidden["body"] == "广告"
    client.force_login(people.alice)
    seen = client.get(f"/api/v1/chats/groups/{people.group_a1.pk}/messages").json()["items"][0]
    assert seen["hidden"] and seen["body"] == "" and seen["hidden_reason"] is None
    client.force_login(people.staff)
    assert client.post(f"/api/v1/chats/messages/{message.pk}/restore", {}, content_type=JSON).json()["hidden"] is False
    created = client.post("/api/v1/chats/groups", {"community_id": people.tree.comm_a1.pk, "name": "志愿者群",
                                                   "member_ids": [people.alice.pk]}, content_type=JSON)
    assert created.status_code == 201
    gid = created.json()["id"]
    assert client.post(f"/api/v1/chats/groups/{gid}/members", {"user_ids": [people.carol.pk]}, content_type=JSON).json() == {"added": 1}
    assert client.delete(f"/api/v1/chats/groups/{gid}/members/{people.alice.pk}").status_code == 204
    put = client.put(f"/api/v1/chats/groups/{gid}/announcement", {"text": "周六集合"}, content_type=JSON)
    assert put.json()["announcement"] == "周六集合"
    client.force_login(people.carol)
    assert gid in {g["id"] for g in client.get("/api/v1/chats/groups").json()}
