"""common/pagination.py: the page and its total with as few queries as the page allows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from shequtong.boards.models import Post
from shequtong.common.pagination import paginate
from tests.factories import make_post, make_tree, resident_of

pytestmark = pytest.mark.django_db


def _posts(n: int) -> QuerySet[Post]:
    tree = make_tree()
    alice = resident_of(tree.comm_a1, "alice")
    for i in range(n):
        make_post(alice, tree.comm_a1, title=f"帖子{i}")
    return Post.objects.order_by("id")


def _page(query: str, items: Any, **kwargs: Any) -> Any:
    return paginate(RequestFactory().get("/", {"page": query} if query else {}), items, per_page=5, **kwargs)


def test_a_last_page_knows_its_total_without_a_count() -> None:
    qs = _posts(7)
    with CaptureQueriesContext(connection) as ctx:
        page = _page("2", qs)
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (2, 7, 2)
        assert [p.title for p in page] == ["帖子5", "帖子6"]
    assert len(ctx.captured_queries) == 1  # the rows; no COUNT


def test_a_full_page_counts_and_a_page_past_the_end_is_the_last() -> None:
    qs = _posts(12)
    page = _page("1", qs)
    assert (len(page.object_list), page.paginator.count, page.has_next()) == (5, 12, True)
    past = _page("9", qs)
    assert (past.number, [p.title for p in past]) == (3, ["帖子10", "帖子11"])
    assert _page("abc", qs).number == 1


def test_items_given_as_a_function_are_built_only_when_needed() -> None:
    qs = _posts(12)
    built: list[int] = []

    def items() -> QuerySet[Post]:
        built.append(1)
        return qs

    def window(start: int, stop: int) -> list[Post]:
        return list(qs[start:stop])

    page = _page("3", items, window=window)  # the last page: its rows say the total
    assert (page.paginator.count, [p.title for p in page], built) == (12, ["帖子10", "帖子11"], [])
    page = _page("1", items, window=window, count_from=lambda: qs.count())
    assert (page.paginator.num_pages, built) == (3, [])  # counted by count_from
    page = _page("1", items, window=window)
    assert page.paginator.count == 12 and built == [1]  # counted from the items
    past = _page("9", items, window=window)
    assert (past.number, [p.title for p in past]) == (3, ["帖子10", "帖子11"])
