"""The observer's room: 全局信息穿透 (OB-5) and 数据 (OB-2, six themes with charts, drill-down and export)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render

from shequtong.accounts import audit
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock, registry
from shequtong.common.pagination import page_number, query_without_page

from . import figures, selectors
from .forms import SearchForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _theme(request: AuthedRequest) -> figures.Theme:
    place = figures.place_for(request.user, subdistrict_id=request.GET.get("subdistrict"),
                              community_id=request.GET.get("community"))
    code = request.GET.get("theme") or "users"
    return figures.theme(code, place, figures.period_of(request.GET.get("period")))


def _query(t: figures.Theme, **extra: object) -> str:
    base: dict[str, object] = {"theme": t.code, "period": t.period.code if t.period else ""}
    base.update(extra)
    return urlencode(base)


@access.capability("observe")
def data(request: AuthedRequest) -> HttpResponse:
    """数据: one theme for one place and period; rows open the next level down (OB-2)."""
    t = _theme(request)
    here = {k: v for k, v in (("subdistrict", request.GET.get("subdistrict")), ("community", request.GET.get("community"))) if v}
    return render(request, "observe/data.html", {
        "t": t,
        "themes": [(code, label, _query(t, theme=code, **here)) for code, (label, _f) in figures.THEMES.items()],
        "periods": [(code, label, _query(t, period=code, **here)) for code, (_d, label) in figures.PERIODS.items()],
        "crumbs": [{"label": c["label"], "query": _query(t, **c["query"])} for c in t.place.crumbs()],
        "rows": [(r, _query(t, **r.query) if r.query else None) for r in t.shown_rows],
        "folded": t.folded_rows,
        "charts": {"charts": [c.as_json() for c in t.charts]},
        "chart_tables": [(c, *c.table()) for c in t.charts],
        "export_query": _query(t, **here),
        "now": clock.now(),
        "tiles": registry.tiles_for("data", request.user),
    })


@access.capability("observe")
def data_export(request: AuthedRequest) -> HttpResponse:
    """The theme as the page shows it, as XLSX (figures only, no personal data); the export is audit-logged."""
    t = _theme(request)
    body = figures.xlsx(t)
    audit.record("export", actor=request.user, request=request, detail={
        "what": f"observe_data:{t.code}", "place": t.place.name, "period": t.period.code if t.period else "",
    })
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="data-{t.code}-{clock.now():%Y%m%d-%H%M}.xlsx"'
    return response
