"""社区达人 levels beside names (posts, replies, chat messages) without a query per row; reading earns on a POST only."""

from __future__ import annotations

import pytest

from shequtong.boards import services as board_services
from shequtong.boards.models import Read
from shequtong.points import services
from shequtong.points.models import Action, PointsEntry

from ..factories import chat_message, estate_group, make_post

pytestmark = pytest.mark.django_db


def _reputation(cast, user, n):  # type: ignore[no-untyped-def]
    services.credit(user_id=user.pk, reputation=n, beans=0, reason="测试等级", community_id=cast.a.pk)


def test_opening_a_post_writes_nothing_and_the_page_sends_the_read_receipt(cast, client) -> None:
    post = make_post(cast.resident_a, cast.a)
    client.force_login(cast.party_member_a)
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'data-read-receipt="/boards/posts/{post.pk}/read/"' in page
    assert not Read.objects.exists() and not PointsEntry.objects.filter(user=cast.party_member_a).exists()
    assert client.get(f"/boards/posts/{post.pk}/read/").status_code == 405  # the receipt is a POST
    assert client.post(f"/boards/posts/{post.pk}/read/").status_code == 204
    assert client.post(f"/boards/posts/{post.pk}/read/").status_code == 204  # counted once
    assert Read.objects.filter(post=post).count() == 1
    assert PointsEntry.objects.filter(user=cast.party_member_a, action=Action.READ).count() == 1
    post.refresh_from_db()
    assert post.read_count == 1
    # Read already: the page no longer asks for a receipt.
    assert "data-read-receipt" not in client.get(post.get_absolute_url()).content.decode()
    # Observers are not counted, and someone outside the community gets a 404.
    client.force_login(cast.subdistrict_observer)
    assert "data-read-receipt" not in client.get(post.get_absolute_url()).content.decode()
    client.force_login(cast.resident_b)
    assert client.post(f"/boards/posts/{post.pk}/read/").status_code == 404
    assert Read.objects.filter(post=post).count() == 1


def test_the_daily_read_cap_holds_through_the_receipt(cast, client) -> None:
    cap = services.EARN_RULES[Action.READ].daily_cap
    posts = [make_post(cast.resident_a, cast.a, title=f"帖子{i}") for i in range(cap + 2)]
    client.force_login(cast.party_member_a)
    for p in posts:
        client.post(f"/boards/posts/{p.pk}/read/")
    assert Read.objects.filter(user=cast.party_member_a).count() == cap + 2
    assert PointsEntry.objects.filter(user=cast.party_member_a, action=Action.READ).count() == cap


def test_levels_show_beside_names_on_posts_replies_and_chat(cast, client, django_assert_max_num_queries) -> None:
    _reputation(cast, cast.resident_a, 600)        # 社区达人
    _reputation(cast, cast.party_member_a, 2500)   # 社区专家
    post = make_post(cast.resident_a, cast.a, title="小区绿化建议")
    board_services.reply_to(actor=cast.party_member_a, post_id=post.pk, body="赞成")
    client.force_login(cast.party_member_a)
    board = client.get("/boards/b/neighbours/").content.decode()
    assert "小区绿化建议" in board and '<span class="tag tag--level">社区达人</span>' in board
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="author-level">社区达人<' in page and '<span class="tag tag--level">社区专家</span>' in page
    # More posts by more people: the board page's query count does not grow.
    client.get("/boards/b/neighbours/")
    with django_assert_max_num_queries(60) as few:
        client.get("/boards/b/neighbours/")
    for i in range(8):
        make_post(cast.party_member_a if i % 2 else cast.resident_a, cast.a, title=f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "社区专家" in client.get("/boards/b/neighbours/").content.decode()
    group = estate_group(cast.a.estates.order_by("pk").first())
    chat_message(cast.resident_a, group, "大家好")
    client.force_login(cast.resident_a)
    chat = client.get(f"/chats/{group.pk}/").content.decode()
    assert "大家好" in chat and '<span class="tag tag--level">社区达人</span>' in chat
