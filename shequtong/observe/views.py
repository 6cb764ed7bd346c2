"""全局信息穿透 (OB-5): the observer's search page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.pagination import page_number, query_without_page

from . import selectors
from .forms import SearchForm


@access.capability("observe")
def search(request: AuthedRequest) -> HttpResponse:
    """The form first; results once any filter was sent (an empty keyword lists the newest content)."""
    params = request.GET.copy()
    params.pop("page", None)
    form = SearchForm(params or None, user=request.user)
    result = None
    if form.is_bound and form.is_valid():
        result = selectors.search(request.user, form.to_filters(), page=page_number(request), request=request)
    return render(request, "observe/search.html", {
        "form": form, "result": result, "keep_query": query_without_page(request),
        "max_pages": selectors.MAX_PAGES, "max_results": selectors.MAX_PAGES * selectors.PER_PAGE,
        "filtered": bool(form.is_bound and any(form.data.get(k) for k in form.fields if k != "q")),
    })
