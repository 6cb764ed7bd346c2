"""One pagination helper for every list page (20 rows a page by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property


def paginate(request: HttpRequest, items: Any, *, per_page: int = 20,
             window: Callable[[int, int], list[Any]] | None = None, count_from: Any = None) -> Page:
    """The requested page (Django's `get_page` rules), with no COUNT query when the page is the last.

    The page's rows are read with one row more than a page holds. If that extra row is absent,
    this is the last page and the total is known (rows before it + rows on it), so the
    paginator's `count` is set instead of asked of the database: most lists (a post's replies,
    a person's letters and cases) fit on one page. Otherwise, and for a page past the end,
    Django's paginator counts as usual.

    ``window(start, stop)``, when given, reads the rows ``items[start:stop]`` would give, faster
    (a prepared query, common/prepared.py); ``items`` is then only counted, or read for a page
    past the end. ``items`` may be a function giving the queryset: it is then built only if so
    (building a list's queryset costs more than its prepared rows).

    ``count_from``: a function giving the total (``prepared.count``), or the same rows as ``items`` without what only displays them (the selector's
    filtered queryset before ``select_related``, ``defer`` and annotations), for the total.
    Django's ``count()`` drops an unused annotation but keeps the joins it made, so a list
    annotated through a relation (``author_level``) would count through ``JOIN``s; its bare
    filter is an index scan.
    """
    if callable(items):
        items = _Later(items)
    paginator = Paginator(items, per_page) if count_from is None else CountingPaginator(items, per_page, count_from)
    number = page_number(request)
    start = (number - 1) * per_page
    rows = window(start, start + per_page + 1) if window is not None else list(items[start:start + per_page + 1])
    if len(rows) > per_page:
        return Page(rows[:per_page], number, paginator)
    if rows or number == 1:
        paginator.__dict__["count"] = start + len(rows)  # Paginator.count is a cached_property
        return Page(rows, number, paginator)
    return paginator.get_page(number)  # past the end: Django's last page


class _Later:
    """The rows of ``paginate(items=function)``: the function is called when they are first needed."""

    ordered = None  # Paginator's check for an unordered list: the function's queryset is ordered

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._items: Any = None

    def _get(self) -> Any:
        if self._items is None:
            self._items = self._build()
        return self._items

    def count(self) -> int:
        items = self._get()
        return int(items.count()) if hasattr(items, "count") and not isinstance(items, list) else len(items)

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, key: Any) -> Any:
        return self._get()[key]


class CountingPaginator(Paginator):
    """A paginator whose total is counted from another queryset of the same rows (`paginate(count_from=)`, APIs)."""

    def __init__(self, object_list: Any, per_page: int, count_from: Any) -> None:
        super().__init__(object_list, per_page)
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        # A queryset of the same rows, or a function giving their number (a prepared count).
        return int(self.count_from() if callable(self.count_from) else self.count_from.count())


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pager links that keep filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def page_number(request: HttpRequest) -> int:
    """`?page=` as a number from 1 (anything else is page 1), for lists paged without a total count."""
    raw = request.GET.get("page", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1
