"""common/prepared.py: a builder compiled once per shape gives what the plain queryset gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum, signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequtong.boards.models import Like, Post, Reply
from shequtong.common import prepared
from tests.factories import make_post, make_tree, resident_of

pytestmark = pytest.mark.django_db


@prepared.query
def _posts(community_id: int, board: str, *, start: int, stop: int) -> QuerySet[Post]:
    return (Post.objects.filter(community_id=community_id, board=board).select_related("author")
            .order_by("-created_at", "-id")[start:stop])


@prepared.query
def _since(community_id: int, since: dt.datetime) -> QuerySet[Post]:
    return Post.objects.filter(community_id=community_id, created_at__gte=since).order_by("id")


@prepared.query
def _titles(ids: list[int]) -> QuerySet[Post]:
    return Post.objects.filter(pk__in=ids).order_by("id").values_list("title", flat=True)


@prepared.query
def _with_replies(community_id: int) -> QuerySet[Post]:
    return (Post.objects.filter(community_id=community_id)
            .annotate(answered=Exists(Reply.objects.filter(post=OuterRef("pk")))).order_by("id"))


def _world() -> tuple[object, object, list[Post]]:
    tree = make_tree()
    alice, bob = resident_of(tree.comm_a1, "alice"), resident_of(tree.comm_b1, "bob")
    posts = [make_post(alice, tree.comm_a1, title=f"帖子{i}") for i in range(5)]
    posts.append(make_post(bob, tree.comm_b1, title="别处"))
    posts.append(Post.objects.create(community=tree.comm_a1, board="council", author=alice, title="议事", body="议一议",
                                created_at=timezone.now()))
    return tree, alice, posts


def test_rows_equal_the_plain_querysets_for_every_value_and_shape() -> None:
    tree, _, posts = _world()
    for community, board in ((tree.comm_a1, "neighbours"), (tree.comm_b1, "neighbours"), (tree.comm_a1, "council")):
        for start, stop in ((0, 3), (3, 10)):
            plain = list(_posts.build(community.pk, board, start=start, stop=stop))
            got = _posts(community.pk, board, start=start, stop=stop)
            assert [p.pk for p in got] == [p.pk for p in plain]
            assert [p.author.username for p in got] == [p.author.username for p in plain]  # select_related
    assert [p.title for p in _posts(tree.comm_b1.pk, "neighbours", start=0, stop=5)] == ["别处"]


def test_the_sql_is_compiled_once_per_shape_and_then_only_its_values_change() -> None:
    tree, _, _ = _world()
    _posts(tree.comm_a1.pk, "neighbours", start=0, stop=2)
    with CaptureQueriesContext(connection) as ctx:
        _posts(tree.comm_b1.pk, "neighbours", start=0, stop=2)
        _posts(tree.comm_a1.pk, "council", start=0, stop=2)
    assert len(ctx.captured_queries) == 2
    shapes = [k for k in _posts._templates if k[2] == (("start", 0), ("stop", 2))]
    assert len(shapes) == 1


def test_the_first_call_of_a_shape_runs_its_one_query_and_no_other() -> None:
    tree, _, _ = _world()
    with CaptureQueriesContext(connection) as ctx:
        rows = _posts(tree.comm_a1.pk, "neighbours", start=1, stop=3)
    assert len(rows) == 2
    assert len(ctx.captured_queries) == 1  # not one more with the stand-in values while preparing


def test_datetimes_lists_values_lists_and_subqueries() -> None:
    tree, _, posts = _world()
    cut = timezone.now() - dt.timedelta(minutes=1)
    Post.objects.filter(pk=posts[0].pk).update(created_at=cut - dt.timedelta(days=2))
    assert [p.pk for p in _since(tree.comm_a1.pk, cut)] == [p.pk for p in Post.objects.filter(
        community=tree.comm_a1, created_at__gte=cut).order_by("id")]
    assert _titles([posts[1].pk, posts[5].pk]) == ["帖子1", "别处"]
    assert _titles([posts[2].pk]) == ["帖子2"]
    assert _titles([]) == []
    Reply.objects.create(post=posts[3], community=tree.comm_a1, author=posts[3].author, body="好",
                         created_at=timezone.now())
    answered = {p.pk for p in _with_replies(tree.comm_a1.pk) if p.answered}
    assert answered == {posts[3].pk}


def test_a_builder_that_reads_the_clock_inside_is_refused() -> None:
    @prepared.query
    def recent(community_id: int) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id, created_at__gte=timezone.now() - dt.timedelta(days=1))

    tree, _, _ = _world()
    with pytest.raises(prepared.PreparedQueryError, match="clock"):
        recent(tree.comm_a1.pk)


def test_a_value_used_in_a_transformed_form_is_refused() -> None:
    @prepared.query
    def search(community_id: int, q: str) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id, title__icontains=q)

    tree, _, _ = _world()
    with pytest.raises(prepared.PreparedQueryError):
        search(tree.comm_a1.pk, "帖")


def test_a_value_that_changes_the_sql_must_be_shape() -> None:
    @prepared.query
    def by_board(community_id: int, board: str) -> QuerySet[Post]:
        qs = Post.objects.filter(community_id=community_id)
        return qs.filter(board=board) if board.startswith("n") else qs

    tree, _, _ = _world()
    with pytest.raises(prepared.PreparedQueryError):
        by_board(tree.comm_a1.pk, "neighbours")


def test_none_and_bools_are_shape() -> None:
    @prepared.query
    def tagged(community_id: int, tagged_by: int | None) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id, tagged_by_id=tagged_by).order_by("id")

    tree, alice, posts = _world()
    assert len(tagged(tree.comm_a1.pk, None)) == 6
    assert tagged(tree.comm_a1.pk, alice.pk) == []


def test_past_the_shape_limit_calls_run_as_plain_querysets(monkeypatch: pytest.MonkeyPatch) -> None:
    tree, _, _ = _world()

    @prepared.query
    def page(community_id: int, *, stop: int) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id).order_by("id")[:stop]

    monkeypatch.setattr(prepared, "MAX_SHAPES", 1)
    assert len(page(tree.comm_a1.pk, stop=2)) == 2
    assert len(page(tree.comm_a1.pk, stop=4)) == 4  # a new shape past the limit: still right
    assert len(page._templates) == 1


@prepared.count
def _count(community_id: int, *, visible_only: bool) -> QuerySet[Post]:
    # An annotated, joined list (the board's): Django counts it through a subquery or with joins.
    from shequtong.boards.selectors import _list_qs

    qs = Post.objects.filter(community_id=community_id)
    return _list_qs(qs.filter(visibility="visible") if visible_only else qs)


def test_counts_equal_the_plain_counts_and_compile_once() -> None:
    tree, _, posts = _world()
    Post.objects.filter(pk=posts[0].pk).update(visibility="hidden")
    for community in (tree.comm_a1, tree.comm_b1, tree.comm_a2):
        for visible_only in (True, False):
            assert _count(community.pk, visible_only=visible_only) == _count.build(
                community.pk, visible_only=visible_only).count()
    assert _count(tree.comm_a1.pk, visible_only=True) == 5
    with CaptureQueriesContext(connection) as ctx:
        assert _count(tree.comm_b1.pk, visible_only=False) == 1
    assert len(ctx.captured_queries) == 1
    assert Post.objects.count() == 7  # the ORM's own counts run as ever after a preparation


def test_a_count_of_nothing_is_zero_without_a_query() -> None:
    @prepared.count
    def of(ids: list[int]) -> QuerySet[Post]:
        return Post.objects.filter(pk__in=ids)

    _world()
    with CaptureQueriesContext(connection) as ctx:
        assert of([]) == 0
    assert ctx.captured_queries == []
    assert of([Post.objects.first().pk]) == 1  # type: ignore[union-attr]


@prepared.aggregate
def _tallies(community_id: int, since: dt.datetime) -> tuple[QuerySet[Post], dict[str, Any]]:
    # Conditional counts and a sum over one community's posts, as a list's chips count them.
    return Post.objects.filter(community_id=community_id), {
        "recent": Count("id", filter=Q(created_at__gte=since)),
        "neighbours": Count("id", filter=Q(board="neighbours")),
        "ids": Sum("id"),
    }


def test_aggregates_equal_the_plain_aggregate_and_compile_once() -> None:
    tree, _, posts = _world()
    cut = timezone.now() - dt.timedelta(minutes=1)
    Post.objects.filter(pk__in=[posts[0].pk, posts[1].pk]).update(created_at=cut - dt.timedelta(days=2))
    for community in (tree.comm_a1, tree.comm_b1, tree.comm_a2):
        qs, aggregates = _tallies.build(community.pk, cut)
        assert _tallies(community.pk, cut) == qs.aggregate(**aggregates)
    assert _tallies(tree.comm_a1.pk, cut) == {"recent": 4, "neighbours": 5, "ids": sum(p.pk for p in posts[:5]) + posts[6].pk}
    assert _tallies(tree.comm_a2.pk, cut) == {"recent": 0, "neighbours": 0, "ids": None}  # no rows: Django's values
    with CaptureQueriesContext(connection) as ctx:
        assert _tallies(tree.comm_b1.pk, cut - dt.timedelta(days=3))["recent"] == 1
    assert len(ctx.captured_queries) == 1
    assert len(_tallies._templates) == 1
    assert Post.objects.aggregate(n=Count("id"))["n"] == 7  # the ORM's own aggregates run as ever after a preparation


def test_an_aggregate_of_nothing_gives_the_empty_values_without_a_query() -> None:
    @prepared.aggregate
    def of(ids: list[int]) -> tuple[QuerySet[Post], dict[str, Any]]:
        return Post.objects.filter(pk__in=ids), {"n": Count("id"), "top": Max("id")}

    _, _, posts = _world()
    with CaptureQueriesContext(connection) as ctx:
        assert of([]) == {"n": 0, "top": None}
    assert ctx.captured_queries == []
    assert of([posts[0].pk, posts[2].pk]) == {"n": 2, "top": posts[2].pk}


def test_an_aggregate_reading_the_clock_inside_is_refused() -> None:
    @prepared.aggregate
    def recent(community_id: int) -> tuple[QuerySet[Post], dict[str, Any]]:
        return Post.objects.filter(community_id=community_id), {
            "n": Count("id", filter=Q(created_at__gte=timezone.now() - dt.timedelta(days=1)))}

    tree, _, _ = _world()
    with pytest.raises(prepared.PreparedQueryError, match="clock"):
        recent(tree.comm_a1.pk)


def test_a_big_integer_column_the_backend_wraps_its_values_for() -> None:
    """PostgreSQL's backend sends a BigIntegerField's value as psycopg's Int8: the slot wraps alike."""
    from shequtong.follows import selectors as follow_selectors
    from shequtong.follows.models import Favourite

    tree, alice, posts = _world()
    Favourite.objects.create(user=alice, target_type="post", target_id=posts[1].pk, created_at=timezone.now())
    assert follow_selectors.is_favourite(alice, "post", posts[1].pk) is True
    assert follow_selectors.is_favourite(alice, "post", posts[2].pk) is False


def test_in_service_a_refused_builder_still_answers_through_the_plain_orm(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.TESTING = False

    @prepared.query
    def search(community_id: int, q: str) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id, title__icontains=q).order_by("id")

    tree, _, _ = _world()
    assert [p.title for p in search(tree.comm_a1.pk, "帖子1")] == ["帖子1"]
    assert [p.title for p in search(tree.comm_a1.pk, "帖子")][:2] == ["帖子0", "帖子1"]
    assert "prepared query refused" in caplog.text


# --- Writes -------------------------------------------------------------------------------


@prepared.update
def _add_likes(post_id: int, delta: int) -> tuple[QuerySet[Post], dict[str, object]]:
    return Post.objects.filter(pk=post_id), {"like_count": F("like_count") + delta}


@prepared.update
def _retitle(community_id: int, title: str, at: dt.datetime) -> tuple[QuerySet[Post], dict[str, object]]:
    return Post.objects.filter(community_id=community_id), {"title": title, "updated_at": at}


@prepared.delete
def _unlike(post_id: int, user_id: int) -> QuerySet[Like]:
    return Like.objects.filter(post_id=post_id, user_id=user_id)


def test_updates_change_what_the_plain_update_changes_and_compile_once() -> None:
    tree, alice, posts = _world()
    first, second = posts[0], posts[1]
    assert _add_likes(first.pk, 3) == 1
    with CaptureQueriesContext(connection) as ctx:
        assert _add_likes(second.pk, 2) == 1
        assert _add_likes(first.pk, -1) == 1
        assert _add_likes(10**9, 1) == 0  # no such row
    assert len(ctx.captured_queries) == 3
    assert len(_add_likes._templates) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.like_count, second.like_count) == (2, 2)
    at = timezone.now().replace(microsecond=0)
    assert _retitle(tree.comm_b1.pk, "改过的标题", at) == 1
    moved = Post.objects.get(community=tree.comm_b1)
    assert (moved.title, moved.updated_at) == ("改过的标题", at)
    assert not Post.objects.filter(community=tree.comm_a1, title="改过的标题").exists()


def test_an_update_that_joins_another_table_is_refused() -> None:
    tree, alice, _ = _world()

    @prepared.update
    def _by_author_name(username: str) -> tuple[QuerySet[Post], dict[str, object]]:
        return Post.objects.filter(author__username=username), {"like_count": 0}

    with pytest.raises(prepared.PreparedQueryError, match="its own table"):
        _by_author_name(alice.username)


def test_deletes_remove_only_the_rows_asked_for() -> None:
    tree, alice, posts = _world()
    bob = resident_of(tree.comm_a1, "bob2")
    for user in (alice, bob):
        Like.objects.create(post=posts[0], community=tree.comm_a1, user=user, created_at=timezone.now())
    assert _unlike(posts[0].pk, alice.pk) == 1
    assert _unlike(posts[0].pk, alice.pk) == 0
    assert list(Like.objects.values_list("user_id", flat=True)) == [bob.pk]


def test_a_delete_that_would_cascade_is_refused() -> None:
    _world()

    @prepared.delete
    def _posts_of(community_id: int) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id)

    with pytest.raises(prepared.PreparedQueryError, match="cascade"):
        _posts_of(1)


def test_a_delete_signal_connected_later_sends_the_call_through_the_orm() -> None:
    tree, alice, posts = _world()
    Like.objects.create(post=posts[0], community=tree.comm_a1, user=alice, created_at=timezone.now())
    _unlike(posts[0].pk, alice.pk)  # prepared without receivers
    Like.objects.create(post=posts[0], community=tree.comm_a1, user=alice, created_at=timezone.now())
    seen: list[int] = []

    def receiver(sender: object, instance: Like, **kwargs: object) -> None:
        seen.append(instance.user_id)

    signals.post_delete.connect(receiver, sender=Like)
    try:
        assert _unlike(posts[0].pk, alice.pk) == 1
    finally:
        signals.post_delete.disconnect(receiver, sender=Like)
    assert seen == [alice.pk]


def test_create_saves_what_the_orm_saves_sends_the_signals_and_compiles_once() -> None:
    tree, alice, posts = _world()
    sent: list[tuple[str, bool]] = []

    def before(sender: object, instance: Reply, **kwargs: object) -> None:
        sent.append(("pre", instance._state.adding))

    def after(sender: object, instance: Reply, created: bool, **kwargs: object) -> None:
        sent.append(("post", created))

    signals.pre_save.connect(before, sender=Reply)
    signals.post_save.connect(after, sender=Reply)
    try:
        at = timezone.now()
        reply = prepared.create(Reply, post=posts[0], community=tree.comm_a1, author=alice, body="  你好\u200b ",
                                created_at=at)
        with CaptureQueriesContext(connection) as ctx:
            second = prepared.create(Reply, post=posts[0], community=tree.comm_a1, author=alice, body="第二条",
                                     created_at=at)
    finally:
        signals.pre_save.disconnect(before, sender=Reply)
        signals.post_save.disconnect(after, sender=Reply)
    assert len(ctx.captured_queries) == 1
    assert sent == [("pre", True), ("post", True)] * 2
    assert reply.pk and second.pk and second.pk > reply.pk
    assert not reply._state.adding and reply._state.db == "default"
    stored = Reply.objects.get(pk=reply.pk)
    plain = Reply.objects.create(post=posts[0], community=tree.comm_a1, author=alice, body="  你好\u200b ",
                                 created_at=at)
    # The project's pre_save text cleaning and the fields' defaults apply as they do for the ORM.
    assert stored.body == Reply.objects.get(pk=plain.pk).body
    assert (stored.is_hidden, stored.created_at) == (plain.is_hidden, at)


def test_create_refuses_a_second_insert_of_the_same_key_like_the_orm() -> None:
    tree, alice, posts = _world()
    prepared.create(Like, post=posts[0], community=tree.comm_a1, user=alice, created_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.create(Like, post=posts[0], community=tree.comm_a1, user=alice, created_at=timezone.now())
    assert Like.objects.count() == 1
