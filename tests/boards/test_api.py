"""/api/v1/boards: same permissions and services as the pages."""

from __future__ import annotations

import pytest

from shequtong.boards import services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Ballot, Booking, Like, Mention, Post, Reply

from ..factories import make_post

pytestmark = pytest.mark.django_db

API = "/api/v1/boards"


def login(client, user):
    client.force_login(user)
    return client


def test_boards_list_differs_for_rural(client, tree, people):
    urban = [b["code"] for b in login(client, people.resident).get(f"{API}/boards").json()]
    rural = {b["code"]: b for b in login(client, people.villager).get(f"{API}/boards").json()}
    assert "neighbours" in urban and "council" in urban
    assert "neighbours" not in rural and "council" not in rural and rural["affairs"]["label"] == "办事指南"


def test_post_list_read_reply_like_mention_through_api(client, tree, people, mentions):
    login(client, people.resident)
    r = client.post(f"{API}/posts", {"board": "neighbours", "title": "求助：找猫", "body": "橘猫走丢了", "is_mutual_aid": True},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    post_id = r.json()["id"]
    assert r.json()["author"] == "王*红" and r.json()["is_mutual_aid"] is True
    login(client, people.neighbour)
    page = client.get(f"{API}/posts", {"board": "neighbours", "mutual_aid": True}).json()
    assert page["count"] == 1 and page["items"][0]["id"] == post_id
    assert client.get(f"{API}/posts", {"board": "neighbours", "q": "狗"}).json()["count"] == 0
    assert client.get(f"{API}/posts/{post_id}").json()["read_count"] == 0  # a GET writes nothing
    assert client.post(f"{API}/posts/{post_id}/read").status_code == 204
    assert client.post(f"{API}/posts/{post_id}/read").status_code == 204
    assert client.get(f"{API}/posts/{post_id}").json()["read_count"] == 1
    rep = client.post(f"{API}/posts/{post_id}/replies", {"body": "在3号楼看到过", "mention": True}, content_type="application/json")
    assert rep.status_code == 201 and mentions[-1].source_id == rep.json()["id"]
    assert client.post(f"{API}/posts/{post_id}/like").json() == {"liked": True, "like_count": 1}
    assert client.post(f"{API}/posts/{post_id}/like").json() == {"liked": False, "like_count": 0}
    m = client.post(f"{API}/mentions", {"post_id": post_id}, content_type="application/json")
    assert m.status_code == 201 and m.json()["source_type"] == "post" and m.json()["patrol_level"] is None
    staff = login(client, people.staff).post(f"{API}/mentions", {"post_id": post_id, "reply_id": rep.json()["id"]},
                                              content_type="application/json")
    assert staff.json()["patrol_level"] == "committee"
    assert client.get(f"{API}/posts/{post_id}/replies").json()[0]["body"] == "在3号楼看到过"


def test_api_refuses_wrong_roles_with_codes(client, tree, people):
    login(client, people.resident)
    r = client.post(f"{API}/posts", {"board": "notice", "title": "t", "body": "b"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.post(f"{API}/posts", {"board": "police", "title": "t", "body": "b"}, content_type="application/json")
    assert r.status_code == 403
    login(client, people.villager)
    r = client.post(f"{API}/posts", {"board": "council", "title": "t", "body": "b"}, content_type="application/json")
    assert r.status_code == 404
    assert not Post.objects.exists()


def test_vote_and_booking_through_api(client, tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    r = login(client, people.staff).post(f"{API}/posts/{topic.pk}/vote", {
        "question": "是否同意？", "options": ["同意", "不同意"], "deadline": "2099-01-01T00:00:00+08:00",
    }, content_type="application/json")
    assert r.status_code == 201
    option_id = r.json()["options"][0]["id"]
    login(client, people.neighbour)
    assert client.post(f"{API}/posts/{topic.pk}/ballots", {"option_id": option_id}, content_type="application/json").status_code == 201
    again = client.post(f"{API}/posts/{topic.pk}/ballots", {"option_id": option_id}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert client.get(f"{API}/posts/{topic.pk}/vote").json()["my_option_id"] == option_id
    offer = make_post(people.resident, tree.comm_a1, Board.SERVICES)
    b = client.post(f"{API}/posts/{offer.pk}/bookings", {"note": "周六"}, content_type="application/json")
    assert b.status_code == 201 and b.json()["status"] == "pending"
    assert client.post(f"{API}/bookings/{b.json()['id']}/decision", {"confirm": True}, content_type="application/json").status_code == 403
    d = login(client, people.resident).post(f"{API}/bookings/{b.json()['id']}/decision", {"confirm": True}, content_type="application/json")
    assert d.json()["status"] == "confirmed"


def test_every_endpoint_outside_the_jurisdiction_is_404_and_changes_nothing(client, tree, people):
    post = make_post(people.resident, tree.comm_a1)
    reply = services.reply_to(actor=people.neighbour, post_id=post.pk, body="原回复")
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    vote = services.open_vote(actor=people.staff, post_id=topic.pk, question="q", options=["a", "b"],
                              deadline=__import__("shequtong.common.clock", fromlist=["now"]).now().replace(year=2099))
    offer = make_post(people.resident, tree.comm_a1, Board.SERVICES)
    booking = services.book_service(actor=people.neighbour, post_id=offer.pk)
    opt = vote.options.first().pk
    calls = [
        ("get", f"{API}/boards?community_id={tree.comm_a1.pk}", None),
        ("get", f"{API}/posts?board=neighbours&community_id={tree.comm_a1.pk}", None),
        ("get", f"{API}/posts/{post.pk}", None),
        ("get", f"{API}/posts/{post.pk}/replies", None),
        ("post", f"{API}/posts", {"board": "neighbours", "title": "t", "body": "b", "community_id": tree.comm_a1.pk}),
        ("post", f"{API}/posts/{post.pk}/replies", {"body": "x"}),
        ("post", f"{API}/posts/{post.pk}/like", {}),
        ("post", f"{API}/mentions", {"post_id": post.pk, "reply_id": reply.pk}),
        ("post", f"{API}/posts/{post.pk}/tag", {"category": "safety"}),
        ("get", f"{API}/posts/{topic.pk}/vote", None),
        ("post", f"{API}/posts/{topic.pk}/ballots", {"option_id": opt}),
        ("post", f"{API}/posts/{topic.pk}/vote/close", {"outcome": "project"}),
        ("post", f"{API}/posts/{offer.pk}/bookings", {}),
        ("post", f"{API}/bookings/{booking.pk}/decision", {"confirm": True}),
        ("post", f"{API}/posts/{post.pk}/hide", {"reason": "x"}),
        ("post", f"{API}/posts/{post.pk}/restore", {}),
        ("post", f"{API}/replies/{reply.pk}/hide", {"reason": "x"}),
        ("post", f"{API}/replies/{reply.pk}/restore", {}),
    ]
    counts = lambda: (Post.objects.count(), Reply.objects.count(), Like.objects.count(), Mention.objects.count(),  # noqa: E731
                      Ballot.objects.count(), list(Booking.objects.values_list("status", flat=True)),
                      list(Post.objects.order_by("id").values_list("visibility", "category", "stage")))
    before = counts()
    for who in (people.outsider, people.outsider_staff, people.sub_b_observer):
        login(client, who)
        for method, url, data in calls:
            r = client.get(url) if method == "get" else client.post(url, data, content_type="application/json")
            assert r.status_code == 404, (who, url, r.status_code, r.content)
    assert counts() == before
