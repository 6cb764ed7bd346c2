"""/api/v1/inbox: the same 信箱 actions and permissions as the pages."""

import json

import pytest

from shequtong.inbox import services
from shequtong.inbox.models import Message

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_send_read_reply_and_list_through_the_api(client, folks):
    client.force_login(folks.alice)
    people = client.get("/api/v1/inbox/recipients").json()
    assert {p["id"] for p in people} == {folks.staff.pk, folks.secretary.pk}
    assert "孙丽华" not in json.dumps(people, ensure_ascii=False)
    sent = client.post("/api/v1/inbox/letters", {"recipient_id": folks.staff.pk, "subject": "路灯", "body": "坏了"}, content_type=JSON)
    assert sent.status_code == 201 and sent.json()["mine"] is True
    root_id = sent.json()["id"]
    client.force_login(folks.staff)
    assert client.get("/api/v1/inbox/unread").json() == {"count": 1}
    opened = client.get(f"/api/v1/inbox/messages/{root_id}").json()
    assert opened["message"]["read"] is True and [m["id"] for m in opened["thread"]] == [root_id]
    assert client.get("/api/v1/inbox/unread").json() == {"count": 0}
    reply = client.post(f"/api/v1/inbox/messages/{root_id}/replies", {"body": "已修好"}, content_type=JSON)
    assert reply.status_code == 201 and reply.json()["thread_id"] == root_id
    client.force_login(folks.alice)
    letters = client.get("/api/v1/inbox/messages?box=letter").json()
    assert [m["body"] for m in letters] == ["已修好"] and letters[0]["read"] is False
    assert [m["subject"] for m in client.get("/api/v1/inbox/messages?box=sent").json()] == ["路灯"]


def test_every_inbox_operation_refuses_outsiders_and_changes_nothing(client, folks):
    letter = services.send_letter(actor=folks.alice, recipient_id=folks.staff.pk, subject="私事", body="私密内容")
    for outsider in (folks.dave, folks.bob, folks.staff_b):
        client.force_login(outsider)
        assert client.get(f"/api/v1/inbox/messages/{letter.pk}").status_code == 404
        assert client.post(f"/api/v1/inbox/messages/{letter.pk}/replies", {"body": "插话"}, content_type=JSON).status_code == 404
        listed = json.dumps(client.get("/api/v1/inbox/messages").json(), ensure_ascii=False)
        assert "私密内容" not in listed
    client.force_login(folks.dave)
    assert client.post("/api/v1/inbox/letters", {"recipient_id": folks.alice.pk, "subject": "x", "body": "y"},
                       content_type=JSON).status_code == 404
    assert client.get("/api/v1/inbox/recipients?q=王").json() == []
    assert Message.objects.count() == 1
    letter.refresh_from_db()
    assert letter.read_at is None
