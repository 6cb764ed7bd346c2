"""Board pages: each board for the right roles, rural lists, flat query counts, and the jurisdiction wall."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shequtong.boards import services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Like, Mention, Post, PostImage, Reply
from shequtong.common import registry

from ..factories import image_upload, make_post, resident_of

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_resident_home_shows_board_tiles_and_rural_home_lacks_urban_boards(client, tree, people):
    html = login(client, people.resident).get("/").content.decode()
    for label in ("社区公告", "党建园地", "左邻右舍", "议事厅", "社区服务", "警民直通车", "家庭医生", "物业之窗", "爱宝山"):
        assert f'tile__label">{label}<' in html
    html = login(client, people.villager).get("/").content.decode()
    # Issue 18: a village without a 物业 or 业委会 has no 物业之窗 (tests/rural/test_village_version.py).
    assert 'tile__label">社区公告<' in html and 'tile__label">物业之窗<' not in html
    assert 'tile__label">左邻右舍<' not in html and 'tile__label">议事厅<' not in html


def test_rural_board_index_differs_and_names_the_guide(client, tree, people):
    urban = login(client, people.resident).get(reverse("boards:index")).content.decode()
    rural = login(client, people.villager).get(reverse("boards:index")).content.decode()
    assert "左邻右舍" in urban and "议事厅" in urban
    assert "左邻右舍" not in rural and "议事厅" not in rural and "乡愁乡音" not in rural
    notice = client.get(reverse("boards:board", args=["notice"])).content.decode()
    assert "办事指南" in notice and "居务公开" not in notice
    assert client.get(reverse("boards:board", args=["neighbours"])).status_code == 404
    urban_notice = login(client, people.resident).get(reverse("boards:board", args=["notice"])).content.decode()
    assert "居务公开" in urban_notice


def test_committee_home_has_board_tiles_and_me_page_has_my_tiles(client, tree, people):
    assert 'tile__label">社区公告<' in login(client, people.staff).get("/").content.decode()
    me = login(client, people.resident).get(reverse("accounts:me")).content.decode()
    for label in ("我的发布", "我的回复", "我的预约", "我的投票"):
        assert label in me
    assert any(t["label"] == "版块观察" for t in registry.tiles_for("observe", people.sub_observer))


def test_new_button_on_top_only_for_publishers(client, tree, people):
    html = login(client, people.staff).get(reverse("boards:board", args=["notice"])).content.decode()
    assert 'data-testid="new-post"' in html
    assert html.index('data-testid="new-post"') < html.index('class="list"')
    html = login(client, people.resident).get(reverse("boards:board", args=["notice"])).content.decode()
    assert 'data-testid="new-post"' not in html
    # The create page refuses a resident on 社区公告 and creates nothing.
    response = client.post(reverse("boards:new", args=["notice"]), {"title": "假公告", "body": "x"})
    assert response.status_code == 302 and not Post.objects.exists()


def test_resident_posts_mutual_aid_with_image_and_filter(client, tree, people, tags):
    login(client, people.resident)
    response = client.post(reverse("boards:new", args=["neighbours"]), {
        "title": "求借轮椅", "body": "家里老人腿受伤，想借轮椅用两周。", "is_mutual_aid": "on", "category": "social",
        "images": [image_upload("chair.png")],
    })
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.is_mutual_aid and post.category == "social" and PostImage.objects.filter(post=post).count() == 1
    assert len(tags) == 1
    make_post(people.neighbour, tree.comm_a1, title="小区健身器材坏了")
    aid = client.get(reverse("boards:board", args=["neighbours"]) + "?filter=aid").content.decode()
    assert "求借轮椅" in aid and "健身器材" not in aid
    everything = client.get(reverse("boards:board", args=["neighbours"])).content.decode()
    assert "求借轮椅" in everything and "健身器材" in everything
    image = PostImage.objects.get()
    r = client.get(reverse("boards:image", args=[image.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert login(client, people.outsider).get(reverse("boards:image", args=[image.pk])).status_code == 404


def test_bad_image_is_refused_on_the_page(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, people.resident)
    response = client.post(reverse("boards:new", args=["neighbours"]), {
        "title": "t", "body": "b", "images": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")],
    })
    assert response.status_code == 200 and "图片" in response.content.decode() and not Post.objects.exists()


def test_keyword_search_and_pagination(client, tree, people):
    for i in range(23):
        make_post(people.resident, tree.comm_a1, title=f"第{i}条 {'停车' if i % 2 else '绿化'}")
    login(client, people.neighbour)
    page1 = client.get(reverse("boards:board", args=["neighbours"])).content.decode()
    assert page1.count('data-testid="post-item"') == 20 and "第 1 / 2 页" in page1
    page2 = client.get(reverse("boards:board", args=["neighbours"]) + "?page=2").content.decode()
    assert page2.count('data-testid="post-item"') == 3
    found = client.get(reverse("boards:board", args=["neighbours"]) + "?q=停车").content.decode()
    assert found.count('data-testid="post-item"') == 11 and "绿化" not in found


@pytest.mark.parametrize("board", ["neighbours", "notice", "council", "services"])
def test_board_list_query_count_is_flat(client, tree, people, django_assert_max_num_queries, board):
    author = {"notice": people.staff}.get(board, people.resident)

    def fill(n):
        for _ in range(n):
            p = make_post(author, tree.comm_a1, board, image_files=[image_upload()])
            services.reply_to(actor=people.staff, post_id=p.pk, body="收到")
            services.toggle_like(actor=people.neighbour, post_id=p.pk)

    fill(2)
    login(client, people.neighbour)
    url = reverse("boards:board", args=[board])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    fill(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_post_detail_and_my_pages_query_counts_are_flat(client, tree, people, django_assert_max_num_queries):
    post = make_post(people.resident, tree.comm_a1)
    for _ in range(3):
        services.reply_to(actor=people.neighbour, post_id=post.pk, body="+1")
    login(client, people.staff)
    url = post.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for _ in range(20):
        services.reply_to(actor=people.neighbour, post_id=post.pk, body="+1")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    login(client, people.neighbour)
    for kind in ("posts", "replies", "bookings", "votes"):
        with django_assert_max_num_queries(15):
            assert client.get(reverse("boards:mine", args=[kind])).status_code == 200


def test_reply_like_and_mention_through_the_page(client, tree, people, mentions):
    post = make_post(people.resident, tree.comm_a1)
    login(client, people.neighbour)
    client.post(reverse("boards:reply", args=[post.pk]), {"body": "我来帮忙"})
    client.post(reverse("boards:like", args=[post.pk]))
    post.refresh_from_db()
    assert post.reply_count == 1 and post.like_count == 1
    client.post(reverse("boards:like", args=[post.pk]))
    assert Like.objects.count() == 0
    client.post(reverse("boards:reply", args=[post.pk]), {"body": "路灯还没修，麻烦看看", "mention": "1"})
    assert Mention.objects.get().source_type == "reply" and len(mentions) == 1
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="mention"' in html and "@居委" in html


def test_rural_button_says_village_committee(client, tree, people):
    post = make_post(people.village_staff, tree.comm_a2, Board.NOTICE)
    html = login(client, people.villager).get(post.get_absolute_url()).content.decode()
    assert "@村委" in html and "@居委" not in html


def test_patrol_buttons_for_staff_and_observers_not_residents(client, tree, people, mentions, tags):
    post = make_post(people.resident, tree.comm_a1)
    r = services.reply_to(actor=people.neighbour, post_id=post.pk, body="电梯又坏了")
    resident_html = login(client, people.neighbour).get(post.get_absolute_url()).content.decode()
    assert "添加问题标签" not in resident_html and 'data-testid="mention-reply"' not in resident_html
    for user in (people.staff, people.sub_observer, people.district):
        html = login(client, user).get(post.get_absolute_url()).content.decode()
        assert "添加问题标签" in html and 'data-testid="mention-reply"' in html
    login(client, people.sub_observer).post(reverse("boards:mention_reply", args=[r.pk]))
    client.post(reverse("boards:tag", args=[post.pk]), {"category": "construction"})
    assert mentions[-1].patrol_level == "subdistrict" and tags[-1].patrol_level == "subdistrict"
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="tag-form"' not in html and "建设管理" in html


def test_observer_browses_read_only(client, tree, people):
    post = make_post(people.resident, tree.comm_a1)
    login(client, people.sub_observer)
    assert "友谊一村居委" in client.get(reverse("boards:observe")).content.decode()
    html = client.get(reverse("boards:community_board", args=[tree.comm_a1.pk, "neighbours"])).content.decode()
    assert post.title in html and 'data-testid="new-post"' not in html and "只读" in html
    detail = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="reply-form"' not in detail and 'data-testid="like"' not in detail
    client.post(reverse("boards:reply", args=[post.pk]), {"body": "观察者回复"})
    client.post(reverse("boards:like", args=[post.pk]))
    assert not Reply.objects.exists() and not Like.objects.exists()
    post.refresh_from_db()
    assert post.read_count == 0
    # Another subdistrict's community is outside the scope.
    assert client.get(reverse("boards:community", args=[tree.comm_b1.pk])).status_code == 404
    assert "罗南新村居委" not in client.get(reverse("boards:observe")).content.decode()


def test_committee_hides_reply_author_told_and_others_cannot_see_it(client, tree, people):
    post = make_post(people.resident, tree.comm_a1)
    r = services.reply_to(actor=people.neighbour, post_id=post.pk, body="加微信买便宜药")
    login(client, people.staff).post(reverse("boards:hide_reply", args=[r.pk]), {"reason": "广告"})
    r.refresh_from_db()
    assert r.is_hidden
    assert "加微信买便宜药" not in login(client, people.resident).get(post.get_absolute_url()).content.decode()
    staff_html = login(client, people.staff).get(post.get_absolute_url()).content.decode()
    assert "加微信买便宜药" in staff_html and "该回复已被隐藏" in staff_html and "管理记录" in staff_html
    log = client.get(reverse("boards:log")).content.decode()
    assert "广告" in log
    inbox = login(client, people.neighbour).get(reverse("inbox:list")).content.decode()
    assert "您的回复已被隐藏" in inbox


def test_vote_and_booking_pages(client, tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL, title="增设快递柜")
    login(client, people.staff).post(reverse("boards:open_vote", args=[topic.pk]), {
        "question": "是否增设？", "options": "同意\n不同意", "deadline": "2099-01-01T10:00",
    })
    topic.refresh_from_db()
    assert topic.stage == "voting"
    option = topic.vote.options.first()
    login(client, people.neighbour).post(reverse("boards:ballot", args=[topic.pk]), {"option": option.pk})
    client.post(reverse("boards:ballot", args=[topic.pk]), {"option": option.pk})
    option.refresh_from_db()
    assert option.ballot_count == 1
    assert "增设快递柜" in client.get(reverse("boards:mine", args=["votes"])).content.decode()
    offer = make_post(people.resident, tree.comm_a1, Board.SERVICES, title="上门修水管")
    client.post(reverse("boards:book", args=[offer.pk]), {"note": "厨房漏水"})
    booking = offer.offer.bookings.get()
    login(client, people.resident).post(reverse("boards:decide_booking", args=[booking.pk]), {"decision": "confirm"})
    booking.refresh_from_db()
    assert booking.status == "confirmed"


# Every board URL, for the "outside the jurisdiction" wall: a resident and the committee
# of another community get 404 (or 403 for capability-guarded pages) and nothing changes.
def _urls(post, reply, booking):
    return [
        ("get", reverse("boards:post", args=[post.pk]), {}),
        ("get", reverse("boards:community", args=[post.community_id]), {}),
        ("get", reverse("boards:community_board", args=[post.community_id, "neighbours"]), {}),
        ("get", reverse("boards:image", args=[post.images.first().pk]), {}),
        ("post", reverse("boards:reply", args=[post.pk]), {"body": "x"}),
        ("post", reverse("boards:like", args=[post.pk]), {}),
        ("post", reverse("boards:tag", args=[post.pk]), {"category": "safety"}),
        ("post", reverse("boards:hide_post", args=[post.pk]), {"reason": "x"}),
        ("post", reverse("boards:restore_post", args=[post.pk]), {}),
        ("post", reverse("boards:open_vote", args=[post.pk]), {"question": "q", "options": "a\nb", "deadline": "2099-01-01T10:00"}),
        ("post", reverse("boards:ballot", args=[post.pk]), {"option": 1}),
        ("post", reverse("boards:close_vote", args=[post.pk]), {"outcome": "project"}),
        ("post", reverse("boards:book", args=[post.pk]), {}),
        ("post", reverse("boards:mention_reply", args=[reply.pk]), {}),
        ("post", reverse("boards:hide_reply", args=[reply.pk]), {"reason": "x"}),
        ("post", reverse("boards:restore_reply", args=[reply.pk]), {}),
        ("post", reverse("boards:decide_booking", args=[booking.pk]), {"decision": "confirm"}),
        ("post", reverse("boards:cancel_booking", args=[booking.pk]), {}),
    ]


@pytest.mark.parametrize("who", ["outsider", "outsider_staff", "sub_b_observer"])
def test_every_board_url_refuses_outside_the_jurisdiction(client, tree, people, who):
    post = make_post(people.resident, tree.comm_a1, image_files=[image_upload()])
    reply = services.reply_to(actor=people.neighbour, post_id=post.pk, body="原回复")
    offer = make_post(people.resident, tree.comm_a1, Board.SERVICES)
    booking = services.book_service(actor=people.neighbour, post_id=offer.pk)
    login(client, getattr(people, who))
    before = (Reply.objects.count(), Like.objects.count(), Mention.objects.count(), list(Post.objects.values_list("visibility", "category", "stage")))
    for method, url, data in _urls(post, reply, booking):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (url, response.status_code)
    after = (Reply.objects.count(), Like.objects.count(), Mention.objects.count(), list(Post.objects.values_list("visibility", "category", "stage")))
    assert before == after
    booking.refresh_from_db()
    assert booking.status == "pending"


def test_a_new_resident_of_another_community_sees_only_their_own_boards(client, tree, people):
    make_post(people.resident, tree.comm_a1, title="友谊一村的事")
    other = resident_of(tree.comm_b1)
    html = login(client, other).get(reverse("boards:board", args=["neighbours"])).content.decode()
    assert "友谊一村的事" not in html and "这里还没有内容" in html


def test_observer_community_page_links_to_its_boards(client, tree, people):
    html = login(client, people.sub_observer).get(reverse("web:observe_community", args=[tree.comm_a1.pk])).content.decode()
    assert reverse("boards:community", args=[tree.comm_a1.pk]) in html
    assert client.get(reverse("boards:community", args=[tree.comm_a1.pk])).status_code == 200


def test_social_org_of_the_community_opens_the_posts_its_board_lists_show(client, tree, people):
    # The workbench tiles lead a social organisation to its community's board lists; the posts
    # listed there must open too (they were a 404, and so were their images).
    from shequtong.accounts.roles import Role

    from ..factories import make_with_role

    post = make_post(people.resident, tree.comm_a1, image_files=[image_upload()])
    org = make_with_role(Role.SOCIAL_ORG, tree.comm_a1)
    login(client, org)
    assert post.title in client.get(reverse("boards:board", args=["neighbours"])).content.decode()
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get(reverse("boards:image", args=[post.images.first().pk])).status_code == 200
    other = make_post(resident_of(tree.comm_b1), tree.comm_b1)
    assert client.get(other.get_absolute_url()).status_code == 404


def _counts_of(captured, table):
    """The COUNT statements a request ran over `table` (the pager's total)."""
    return [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(*)") and f'FROM "{table}"' in q["sql"]]


def test_board_pager_counts_from_the_posts_alone(client, tree, people):
    """Issue 11: the total is counted from the board's filter, without the author join the list needs
    (an index-only scan of post_board_list on PostgreSQL), and stays right for hidden posts, 互助 and keyword search."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    posts = [make_post(people.resident, tree.comm_a1, title=f"第{i}条 {'停车' if i % 2 else '绿化'}",
                       is_mutual_aid=bool(i % 2)) for i in range(45)]  # 22 停车 (互助), 23 绿化
    services.hide_post(actor=people.staff, post_id=posts[1].pk, reason="广告")   # a 停车 post
    services.hide_post(actor=people.staff, post_id=posts[2].pk, reason="广告")   # a 绿化 post
    url = reverse("boards:board", args=["neighbours"])
    for user, query, total in [
        (people.neighbour, "", 43), (people.neighbour, "?q=停车", 21), (people.neighbour, "?filter=aid", 21),
        (people.staff, "", 45), (people.staff, "?q=停车", 22),
    ]:
        login(client, user)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url + query).content.decode()
        assert f"共 {total} 条" in html, (user, query)
        counts = _counts_of(ctx.captured_queries, "boards_post")
        assert len(counts) == 1 and "JOIN" not in counts[0], counts
    # The API's total is the same count.
    login(client, people.neighbour)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/api/v1/boards/posts", {"board": "neighbours", "q": "停车"}).json()
    assert page["count"] == 21 and len(page["items"]) == 20
    counts = _counts_of(ctx.captured_queries, "boards_post")
    assert len(counts) == 1 and "JOIN" not in counts[0], counts


def test_reply_pager_counts_from_the_replies_alone(client, tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post = make_post(people.resident, tree.comm_a1)
    replies = [services.reply_to(actor=people.neighbour, post_id=post.pk, body=f"+{i}") for i in range(53)]
    services.hide_reply(actor=people.staff, reply_id=replies[0].pk, reason="广告")
    for user, total in [(people.neighbour, 52), (people.staff, 53)]:
        login(client, user)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(post.get_absolute_url()).content.decode()
        assert f"回复（{total}）" in html
        counts = _counts_of(ctx.captured_queries, "boards_reply")
        assert len(counts) == 1 and "JOIN" not in counts[0], counts
        # A page past the end is the last page, as Django's get_page gives it (here from the prepared rows).
        shown = [re.findall(r">\+(\d+)<", client.get(post.get_absolute_url() + f"?page={n}").content.decode())
                 for n in (2, 9)]
        assert shown[0] == shown[1] and "52" in shown[1] and "3" not in shown[1]


def test_my_posts_pager_counts_from_the_posts_alone(client, tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(21):
        make_post(people.resident, tree.comm_a1, title=f"第{i}条")
    make_post(people.neighbour, tree.comm_a1, title="别人的")
    login(client, people.resident)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("boards:mine", args=["posts"])).content.decode()
    assert "共 21 条" in html
    counts = _counts_of(ctx.captured_queries, "boards_post")
    assert len(counts) == 1 and "JOIN" not in counts[0], counts
