"""The observer's room: 全局信息穿透 (OB-5) and 数据 (OB-2, six themes with charts, drill-down and export)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

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
        "rows": [(r, "?" + _query(t, **r.query) if r.query else None) for r in t.shown_rows],
        "folded": [(r, "?" + _query(t, **r.query) if r.query else None) for r in t.folded_rows],
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


def _overview_href(place: figures.Place, row: figures.Row) -> str | None:
    if not row.query:
        return None
    if "community" in row.query:
        return reverse("web:observe_community", args=[row.query["community"]])
    return reverse("web:observe_subdistrict", args=[row.query["subdistrict"]])


def _overview(request: AuthedRequest, place: figures.Place) -> HttpResponse:
    t = figures.overview(place)
    crumbs = [{"label": str(place.crumbs()[0]["label"]), "href": reverse("web:observe")}]
    sub = place.community.subdistrict if place.community is not None else place.subdistrict
    if sub is not None:
        crumbs.append({"label": sub.name, "href": reverse("web:observe_subdistrict", args=[sub.pk])})
    if place.community is not None:
        crumbs.append({"label": place.community.name, "href": ""})
    return render(request, "observe/overview.html", {
        "t": t, "crumbs": crumbs, "community": place.community,
        "panel": figures.community_panel(request.user, place.community) if place.community is not None else None,
        "rows": [(r, _overview_href(place, r)) for r in t.shown_rows],
        "folded": [(r, _overview_href(place, r)) for r in t.folded_rows],
        "tiles": registry.tiles_for("observe", request.user) if place.level == "district" else [],
        "data_query": urlencode({k: v.pk for k, v in (("subdistrict", place.subdistrict), ("community", place.community)) if v}),
    })


@access.capability("observe")
def overview(request: AuthedRequest) -> HttpResponse:
    """观察 (OB-1): the observer's subdistricts with their figures, most overdue first."""
    return _overview(request, figures.place_for(request.user))


@access.capability("observe")
def overview_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    return _overview(request, figures.place_for(request.user, subdistrict_id=subdistrict_id))


@access.capability("observe")
def overview_community(request: AuthedRequest, community_id: int) -> HttpResponse:
    """A community: its own work (cases, letters, rating, reviews) and its estates/村民小组."""
    return _overview(request, figures.place_for(request.user, community_id=community_id))
