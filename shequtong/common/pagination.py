"""One pagination helper for every list page (20 rows a page by default)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, items: Any, *, per_page: int = 20) -> Page:
    paginator = Paginator(items, per_page)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pager links that keep filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def page_number(request: HttpRequest) -> int:
    """`?page=` as a number from 1 (anything else is page 1), for lists paged without a total count."""
    raw = request.GET.get("page", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1
