"""宝山圈 (OB-4) and the observer home: scoped items newest first, cursors, 最热, alerts, the place named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.cases.models import Case
from shequtong.common import clock
from shequtong.observe import feed

from ..factories import make_post
from .conftest import World

pytestmark = pytest.mark.django_db


def test_items_are_scoped_and_newest_first(world: World, tree):  # type: ignore[no-untyped-def]
    keys = [(i.kind, i.pk) for i in feed.items(world.sub_a)]
    assert ("post", world.post_a.pk) in keys and ("post", world.post_b.pk) not in keys
    assert ("post", world.hidden_a.pk) not in keys  # hidden by the committee
    ats = [i.at for i in feed.items(world.district)]
    assert ats == sorted(ats, reverse=True)
    assert ("post", world.post_b.pk) in [(i.kind, i.pk) for i in feed.items(world.district)]


def test_after_and_before_cursors(world: World, tree, cast):  # type: ignore[no-untyped-def]
    newest = feed.items(world.district)[0]
    assert feed.items(world.district, after=newest.at) == []
    newest = type(newest)(**{**newest.__dict__, "at": clock.now() - dt.timedelta(microseconds=1)})
    older = feed.items(world.district, before=newest.at)
    assert older and all(i.at < newest.at for i in older)
    post = make_post(cast.resident_a, tree.comm_a1, title="新的一条")
    assert [i.pk for i in feed.items(world.sub_a, after=newest.at) if i.kind == "post"] == [post.pk]
    assert feed.items(world.sub_b, after=newest.at) == []  # another subdistrict's observer


def test_fragment_answers_news_and_older_pages(client, world: World, tree, cast):  # type: ignore[no-untyped-def]
    client.force_login(world.sub_b)
    since = clock.now() - dt.timedelta(microseconds=1)  # the clock stands still in these tests
    make_post(cast.resident_a, tree.comm_a1, title="甲街道的新帖")
    html = client.get(reverse("observe:feed"), {"after": since.isoformat()}).content.decode()
    assert "甲街道的新帖" not in html and 'id="feed-poller"' in html
    client.force_login(world.sub_a)
    html = client.get(reverse("observe:feed"), {"after": since.isoformat()}).content.decode()
    assert "甲街道的新帖" in html and 'hx-swap-oob="afterbegin:#feed-list"' in html
    html = client.get(reverse("observe:feed"), {"before": (clock.now() + dt.timedelta(seconds=1)).isoformat()}).content.decode()
    assert "甲街道的新帖" in html
    assert client.get(reverse("observe:feed"), {"after": "garbage"}).status_code == 200


def test_with_the_live_process_the_feed_offers_its_stream_and_polls_rarely(client, world: World, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(world.sub_a)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="feed"' in html and "data-stream-url" not in html  # WSGI alone: poll
    settings.LIVE_PROCESS = True  # deploy/: an ASGI process serves the stream URLs
    html = client.get(reverse("web:home")).content.decode()
    assert f'data-stream-url="{reverse("observe:feed_stream")}"' in html and "every 30s" in html
    assert client.get(reverse("observe:feed_stream")).status_code == 404  # never from this WSGI process


def test_feed_refuses_residents(client, world: World):
    client.force_login(world.resident)
    assert client.get(reverse("observe:feed")).status_code == 403
    assert client.get(reverse("observe:feed_stream")).status_code in (403, 404)


def test_home_names_the_place_and_counts_alerts(client, world: World, tree):  # type: ignore[no-untyped-def]
    now = clock.now()
    Case.objects.create(community=tree.comm_a1, subdistrict_id=tree.sub_a.pk, source="mention", category="community",
                        title="老问题", content="两个月没解决", status="accepted", created_at=now - dt.timedelta(days=61),
                        updated_at=now, first_response_at=now - dt.timedelta(days=60))
    client.force_login(world.sub_a)
    html = client.get("/").content.decode()
    assert f"观察范围：{tree.sub_a.name}" in html
    alerts = feed.alerts(world.sub_a)
    expected = Case.objects.filter(subdistrict=tree.sub_a, status__in=("new", "accepted", "in_progress", "escalated"),
                                   created_at__lte=now - dt.timedelta(days=30), created_at__gt=now - dt.timedelta(days=90))
    assert dict((c, n) for c, _l, n in alerts["buckets"])["unresolved_1_3m"] == expected.count() >= 1
    assert feed.alerts(world.sub_b)["buckets"] != alerts["buckets"] or expected.count() == 0
    assert 'data-testid="feed"' in html
    client.force_login(world.district)
    assert "观察范围：宝山区全区" in client.get("/").content.decode()


def test_hot_tab_lists_the_weeks_busiest_posts(client, world: World, tree, cast):  # type: ignore[no-untyped-def]
    post = make_post(cast.resident_a, tree.comm_a1, title="热帖")
    type(post).objects.filter(pk=post.pk).update(reply_count=9)
    assert feed.hot(world.sub_a)[0].pk == post.pk
    client.force_login(world.sub_a)
    html = client.get("/", {"feed": "hot"}).content.decode()
    assert "热帖" in html and 'id="feed-poller"' not in html


def test_hot_is_ranked_ahead_by_the_worker_for_the_scopes_observers_hold(world: World, tree, cast,  # type: ignore[no-untyped-def]
                                                                      django_assert_num_queries):
    """The worker's 最热 ranking (feed.rank_hot) is the one a subdistrict's and the district's observers read."""
    post = make_post(cast.resident_a, tree.comm_a1, title="热帖")
    type(post).objects.filter(pk=post.pk).update(reply_count=9)
    assert feed.rank_hot() >= 3  # the district and each subdistrict
    for observer in (world.sub_a, world.district):
        feed.hot(observer)  # the observer's grants loaded once (per request in a page)
        with django_assert_num_queries(1):  # the posts by id: no ranking at request time
            got = feed.hot(observer)
        assert got[0].pk == post.pk
    # Out of scope, never: the ranking is kept per scope.
    assert post.pk not in [i.pk for i in feed.hot(world.sub_b)]
    assert all(i.pk != world.post_b.pk for i in feed.hot(world.sub_a))
