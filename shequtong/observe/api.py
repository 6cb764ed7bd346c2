"""/api/v1/observe: 全局信息穿透 (OB-5) — the search page's selector and filters as JSON.

Observers only: the operation declares the page's "observe" capability;
results are limited to the caller's scope exactly as on the page. Bad input (end before start, an out-of-scope
subdistrict, a keyword without any word) is a 400 with the page's message.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import ValidationFailed

from . import selectors
from .forms import SearchForm

router = Router(tags=["observe"])


class SearchQuery(Schema):
    q: str = ""
    kind: str = ""
    board: str = ""
    status: str = ""
    date_from: str = ""
    date_to: str = ""
    subdistrict: str = ""
    community: str = ""
    page: int = 1


class HitOut(Schema):
    kind: str
    kind_label: str
    id: int
    title: str
    excerpt: str
    url: str
    created_at: dt.datetime
    community_id: int
    community: str
    subdistrict: str
    board: str
    board_label: str
    status: str
    status_label: str


class SearchOut(Schema):
    page: int
    has_next: bool
    # The words the keyword was cut into (for highlighting on the client).
    terms: list[str]
    results: list[HitOut]


@router.get("/search", response=SearchOut)
@access.capability("observe")
def search(request: AuthedRequest, params: Query[SearchQuery]) -> dict:
    """Posts, cases (with 人民信箱 letters) and 面对面 records in the caller's scope, newest first, 20 a page."""
    data = params.dict()
    page = max(1, data.pop("page") or 1)
    form = SearchForm({k: v for k, v in data.items() if v not in ("", None)}, user=request.user)
    if not form.is_valid():
        field, message = form.first_error()
        raise ValidationFailed(message, field=field)
    result = selectors.search(request.user, form.to_filters(), page=page, request=request)
    return {
        "page": result.number, "has_next": result.has_next, "terms": result.terms,
        "results": [
            {"kind": h.kind, "kind_label": h.kind_label, "id": h.pk, "title": h.title, "excerpt": h.excerpt,
             "url": h.url, "created_at": h.created_at, "community_id": h.community_id, "community": h.community_name,
             "subdistrict": h.subdistrict_name, "board": h.board, "board_label": h.board_label, "status": h.status,
             "status_label": h.status_label}
            for h in result.hits
        ],
    }
