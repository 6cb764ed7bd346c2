"""The observer's room: 全局信息穿透 (OB-5) and 数据 (OB-2, six themes with charts, drill-down and export)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequtong.accounts import audit, scope
from shequtong.accounts import services as account_services
from shequtong.accounts.typing import AuthedRequest
from shequtong.chats import live
from shequtong.common import access, clock, registry
from shequtong.common.pagination import page_number, query_without_page

from . import drills, feed, figures, selectors
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


def _theme(request: AuthedRequest, default: str = "users") -> figures.Theme:
    code = request.GET.get("theme") or default
    # A drill with an audience of its own (评分: "patrol") is refused to the other observers, here and in the export,
    # and read in that capability's scope.
    capability = drills.CAPABILITIES.get(code, "observe")
    if not access.has_capability(request.user, capability):
        raise PermissionDenied
    place = figures.place_for(request.user, subdistrict_id=request.GET.get("subdistrict"),
                              community_id=request.GET.get("community"), capability=capability)
    period_of = drills.period_of if code in drills.DRILLS else figures.period_of
    return figures.theme(code, place, period_of(request.GET.get("period")))


def _query(t: figures.Theme, **extra: object) -> str:
    base: dict[str, object] = {"theme": t.code, "period": t.period.code if t.period else ""}
    base.update(extra)
    return urlencode(base)


@access.capability("observe")
def data(request: AuthedRequest) -> HttpResponse:
    """数据: one theme for one place and period; rows open the next level down (OB-2)."""
    return _data_page(request, figures.THEMES, "users", str(_("数据")))


@access.capability("observe")
def pivot(request: AuthedRequest) -> HttpResponse:
    """数据透视 (OB-6): population portrait, case handling, deliberation and interaction per place."""
    return _data_page(request, figures.PIVOTS, "portrait", str(_("数据透视")))


@access.capability("observe")
def drill(request: AuthedRequest, code: str) -> HttpResponse:
    """An app's observer drill-down (人民信箱, 面对面) on the one drill-down component: `?subdistrict=`, `?community=`."""
    if code not in drills.DRILLS or code in drills.CAPABILITIES:
        raise Http404
    return _drill_page(request, code)


@access.capability("patrol")
def ratings(request: AuthedRequest) -> HttpResponse:
    """问题跟踪's 评分 on the drill-down component, for its own audience: the case patrol (街镇/区 observers),
    not every observer (the 系统管理员 holds "observe" but not "patrol")."""
    return _drill_page(request, "ratings")


def _drill_page(request: AuthedRequest, code: str) -> HttpResponse:
    extra = drills.EXTRAS.get(code)
    return _data_page(request, {code: drills.DRILLS[code]}, code, str(drills.DRILLS[code][0]),
                      periods={**drills.PERIODS, **{k: label for k, (_d, label) in figures.PERIODS.items()}},
                      extra=extra(request.user) if extra else None)


def _data_page(request: AuthedRequest, themes: dict[str, Any], default: str, heading: str,
               periods: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> HttpResponse:
    code = request.GET.get("theme") or default
    if code not in themes:
        raise Http404
    t = _theme(request, default)
    here = {k: v for k, v in (("subdistrict", request.GET.get("subdistrict")), ("community", request.GET.get("community"))) if v}
    if periods is None:
        periods = {k: label for k, (_d, label) in figures.PERIODS.items()}
    return render(request, "observe/data.html", {
        "t": t,
        "themes": [(code, label, _query(t, theme=code, **here)) for code, (label, _f) in themes.items()],
        "heading": heading, "is_pivot": themes is figures.PIVOTS,
        "periods": [(code, label, _query(t, period=code, **here)) for code, label in periods.items()],
        "crumbs": [{"label": c["label"], "query": _query(t, **c["query"])} for c in t.place.crumbs()],
        "rows": [(r, _row_href(t, r)) for r in t.shown_rows],
        "folded": [(r, _row_href(t, r)) for r in t.folded_rows],
        "is_drill": len(themes) == 1, "extra": extra or {},
        "charts": {"charts": [c.as_json() for c in t.charts]},
        "chart_tables": [(c, *c.table()) for c in t.charts],
        "export_query": _query(t, **here),
        "now": clock.now(),
        "tiles": [] if len(themes) == 1 else registry.tiles_for("data", request.user),
    })


def _row_href(t: figures.Theme, r: figures.Row) -> str | None:
    """A row opens the next level of the same page, or (a drill-down's last level) the app's list."""
    if t.row_link is not None and (href := t.row_link(r)):
        return href
    return "?" + _query(t, **r.query) if r.query else None


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


# --- 宝山圈 (OB-4) ----------------------------------------------------------------------

POLL_SECONDS = 1.5  # embedded mode: the page asks for news this often
POLL_SECONDS_WITH_STREAM = 30  # with Redis under ASGI the stream says when; polling is the safety net


def feed_streams(request: HttpRequest) -> bool:
    """Offer Server-Sent Events only with Redis and an ASGI process for the stream: chats' rule."""
    return feed.enabled() and live.offered(request)


def feed_context(request: AuthedRequest, tab: str) -> dict[str, object]:
    """The 宝山圈 block of the observer home: the tab's items, the cursors, how the page hears of news."""
    tab = tab if tab in ("latest", "hot", "following") else "latest"
    items = {"hot": feed.hot, "following": feed.followed}.get(tab, feed.items)(request.user)
    streams = feed_streams(request)
    return {
        "feed_tab": tab, "feed_items": items,
        "feed_after": items[0].cursor if items and tab == "latest" else clock.now().isoformat(),
        "feed_before": items[-1].cursor if len(items) >= feed.PAGE and tab != "hot" else "",
        "feed_poll": POLL_SECONDS_WITH_STREAM if streams else POLL_SECONDS,
        "feed_stream_url": reverse("observe:feed_stream") if streams else "",
    }


@access.capability("observe")
def feed_fragment(request: AuthedRequest) -> HttpResponse:
    """`?after=T`: items newer than T (the live poller); `?before=T`: the next older page (infinite scroll),
    of 我关注的 with `&feed=following`."""
    before = feed.parse_cursor(request.GET.get("before"))
    if before is not None:
        tab = "following" if request.GET.get("feed") == "following" else "latest"
        items = (feed.followed if tab == "following" else feed.items)(request.user, before=before)
        return render(request, "observe/_feed_older.html", {
            "feed_items": items, "feed_before": items[-1].cursor if len(items) >= feed.PAGE else "", "feed_tab": tab})
    after = feed.parse_cursor(request.GET.get("after")) or clock.now()
    items = feed.items(request.user, after=after)
    return render(request, "observe/_feed_poll.html", {
        "feed_items": items, "feed_after": items[0].cursor if items else after.isoformat(),
        "feed_poll": POLL_SECONDS_WITH_STREAM if feed_streams(request) else POLL_SECONDS})


@access.capability("observe")
async def feed_stream(request: HttpRequest) -> StreamingHttpResponse:
    """Server-Sent Events for the observer's subdistricts (Redis, ASGI); each event means "poll now"."""
    if not (feed.enabled() and live.served(request)):
        raise Http404
    user = await request.auser()
    channels = await sync_to_async(feed.channels_for)(user)  # type: ignore[arg-type]
    response = StreamingHttpResponse(feed.events(channels), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def observer_home(request: AuthedRequest, tiles: object) -> HttpResponse:
    """The observer version's 首页: whose area this is, what needs action, and 宝山圈 (web.views.home calls it)."""
    return render(request, "observe/home.html", {
        "place_name": feed.place_name(request.user),
        "totals": selectors.totals(request.user),
        "alerts": feed.alerts(request.user),
        "tiles": tiles,
        "offer_elder_mode": account_services.offers_elder_mode(request.user),
        **feed_context(request, request.GET.get("feed", "latest")),
    })


@access.capability("observe")
def me(request: AuthedRequest) -> HttpResponse:
    """我的 for observers (OB-3): what they act on first (overdue cases and waiting reviews in their area),
    their own content, personal settings one level down, and the system-admin tools in their own section."""
    return render(request, "observe/me.html", {
        "place_name": feed.place_name(request.user),
        "alerts": feed.alerts(request.user),
        "tiles": registry.tiles_for("me", request.user),
        "admin_tiles": registry.tiles_for("admin", request.user),
        "grants": scope.grants_of(request.user),
    })
