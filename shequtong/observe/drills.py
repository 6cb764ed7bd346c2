"""The apps' observer drill-downs on observe's one drill-down component (figures.Theme + observe/_drill.html).

人民信箱 (letters, LB-5), 我与群众面对面 (visits, FV-5) and 问题跟踪's 评分 (ratings, CT-7) were each
a page per level with its own scope look-up and template; here each is a theme like 数据's: the observer's place
(scope-checked by figures.place_for), one row per child place with its figures, sorted
by what needs attention, zero rows folded, the breadcrumb back, a chart and an XLSX.
The apps' lists (a community's letters, the visit records, a community's rated cases) stay the leaves
the rows open.

A drill is read in the scope of its audience's capability (CAPABILITIES; "observe" unless named):
评分 belongs to the case patrol ("patrol": subdistrict and district observers, not the 系统管理员),
as the page it replaced did.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.common import clock
from shequtong.common.categories import Category
from shequtong.common.counting import count_rows

from .figures import (
    Chart,
    Column,
    Period,
    Place,
    Theme,
    _avg,
    _build,
    _by_child,
    _in_place,
    _pct,
    _per_child_chart,
    grouped,
    merge,
)

ALL_TIME = "all"


def period_all() -> Period:
    """全部: the drill-downs' default (the pages they replace counted every letter)."""
    return Period(ALL_TIME, 0, str(_("全部")), clock.day_start(dt.date(2000, 1, 1)), clock.now())


# --- 人民信箱 ----------------------------------------------------------------------------

def letters(place: Place, period: Period) -> Theme:
    """Letters per subdistrict → community (the daily rollup ``LetterStat``) → estate (the letters themselves)."""
    from shequtong.letters.models import Letter

    community = place.community
    if community is not None:
        rows_qs = Letter.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
        raw = grouped(place, rows_qs, {"letters": count_rows()}, estate_field="estate_id")
        by_category = _letter_categories(place, period)
    else:
        raw, writing, by_category = _letters_from_stats(place, period)
        if place.subdistrict is None:
            counts = {r["subdistrict_id"]: {"communities": r["n"]} for r in
                      place.scope.communities().order_by().values("subdistrict_id").annotate(n=count_rows())}
            raw = merge(raw, writing, counts)
    total_letters = sum(v.get("letters", 0) for v in raw.values())
    columns = [
        *([Column("communities", str(_("居村委"))), Column("writing", str(_("提出问题的居村委")))]
          if place.level == "district" else []),
        Column("letters", str(_("问题/建议"))),
        Column("share", str(_("占比")), "pct", chart=False),
    ]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in ("communities", "writing", "letters")}
        out["share"] = _pct(out["letters"], total_letters)
        return out

    rows, total = _build("letters", "", place, period, columns, raw, derive, "letters", by_estate=True)
    t = Theme("letters", str(_("人民信箱")), place, period, columns, rows, total, attention="letters")
    t.headline = [(str(_("问题/建议")), total.values["letters"], "int"), (place.child_label, len(rows), "int")]
    t.charts = [_per_child_chart("letters-by-place", str(_("各{0}问题/建议").format(place.child_label)), rows,
                                 [("letters", str(_("问题/建议")))])]
    t.charts.append(Chart("letters-by-category", "bar", str(_("按问题分类")), [str(c.label) for c in Category],
                          [{"name": str(_("问题/建议")), "data": [by_category.get(c.value, 0) for c in Category]}]))
    here = f"?subdistrict={place.subdistrict.pk}" if place.subdistrict is not None else ""
    if community is None:
        t.links_title = str(_("按问题分类（点击查看各街镇分布）"))
        t.links = [(str(c.label), reverse("letters:observe_category", args=[c.value]) + here, by_category.get(c.value, 0))
                   for c in Category]
    else:
        t.links_title = str(_("本居村委的问题/建议"))
        t.links = [(str(_("查看全部问题/建议")), reverse("letters:observe_community", args=[community.pk]),
                    total.values["letters"])]
        # An estate opens its letters (estate=0: the letters without one, letters.selectors.NO_ESTATE).
        t.row_link = lambda r: reverse("letters:observe_community", args=[community.pk]) + f"?estate={r.key or 0}"
    return t


def _letters_from_stats(place: Place, period: Period) -> tuple[
        dict[int | None, dict[str, int]], dict[int | None, dict[str, int]], dict[str, int]]:
    """A subdistrict's or the district's letters from ``LetterStat`` in one grouped scan (by child, community and
    category; three scans of the all-time rollup before, ~70 ms at full scale): the letters per child (days up to
    today), the communities that wrote per subdistrict (district level) and the letters per category (every day
    from the period's start)."""
    from shequtong.letters.models import LetterStat

    today = clock.today()
    qs, key = _by_child(place, LetterStat.objects.filter(day__gte=period.start.date()))
    assert key is not None  # a subdistrict's communities or the district's subdistricts
    fields = list(dict.fromkeys([key, "community_id", "category"]))
    raw: dict[int | None, dict[str, int]] = {}
    per_community: dict[tuple[Any, Any], int] = {}
    by_category: dict[str, int] = {}
    for row in qs.order_by().values(*fields).annotate(shown=Sum("letters", filter=Q(day__lte=today)),
                                                       n=Sum("letters")):
        if row["shown"] is not None:
            child = raw.setdefault(row[key], {"letters": 0})
            child["letters"] += row["shown"]
            pair = (row[key], row["community_id"])
            per_community[pair] = per_community.get(pair, 0) + row["shown"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + (row["n"] or 0)
    writing: dict[int | None, dict[str, int]] = {}
    for (child_key, _community), n in per_community.items():
        w = writing.setdefault(child_key, {"writing": 0})
        w["writing"] += 1 if n else 0
    return raw, writing, by_category


def _letter_categories(place: Place, period: Period) -> dict[str, int]:
    """A community's letters per category, from the letters themselves."""
    from shequtong.letters.models import Letter

    qs: Any = place.scope.filter(Letter.objects.filter(community=place.community, created_at__gte=period.start,
                                                       created_at__lte=period.end))
    return dict(qs.order_by().values_list("category").annotate(n=count_rows()))


# --- 我与群众面对面 -------------------------------------------------------------------------

VISIT_COLUMNS = (("published", _("记录总数（已通过/已归档）")), ("archived", _("已归档")), ("problems", _("现场问题")),
                 ("cases", _("记录到问题跟踪")))


def visits(place: Place, period: Period) -> Theme:
    """Published 面对面 records per subdistrict → community (the ``VisitStats`` rollup); a community opens its records."""
    from shequtong.visits.models import VisitStats

    raw = grouped(place, VisitStats.objects.all(), {k: Sum(k) for k, _l in VISIT_COLUMNS})
    columns = [Column(k, str(label)) for k, label in VISIT_COLUMNS]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        return {k: v.get(k, 0) for k, _l in VISIT_COLUMNS}

    rows, total = _build("visits", "", place, None, columns, raw, derive, "published")
    t = Theme("visits", str(_("我与群众面对面")), place, None, columns, rows, total, attention="published")
    t.headline = [(str(label), total.values[k], "int") for k, label in VISIT_COLUMNS]
    t.charts = [_per_child_chart("visits-by-place", str(_("各{0}面对面记录").format(place.child_label)), rows,
                                 [("published", str(_("记录数"))), ("problems", str(_("现场问题")))])]
    list_url = reverse("visits:observe_list")
    if place.subdistrict is not None or place.community is not None:
        # A community's row opens its records (the community has no finer figures).
        t.row_link = lambda r: f"{list_url}?community={r.key}" if r.key is not None else None
    where = (f"?community={place.community.pk}" if place.community is not None
             else f"?subdistrict={place.subdistrict.pk}" if place.subdistrict is not None else "")
    t.links_title = str(_("面对面记录"))
    t.links = [(str(_("查看全部记录")), list_url + where, total.values["published"])]
    t.extra_template = "visits/_observe_extra.html"
    return t


def visits_extra(user: Any) -> dict[str, Any]:
    """What the 面对面 page keeps above its table: the records waiting for this observer's review, the search."""
    from shequtong.visits import selectors as visit_selectors
    from shequtong.visits.models import PUBLISHED_STATUSES, Status, VisitType

    return {"to_review": list(visit_selectors.upper_review_queue(user)[:20]), "types": VisitType.choices,
            "statuses": [(s, Status(s).label) for s in PUBLISHED_STATUSES], "list_url": reverse("visits:observe_list")}


# --- 评分 (问题跟踪, CT-7) -------------------------------------------------------------------

STARS = (1, 2, 3, 4, 5)


def ratings(place: Place, period: Period) -> Theme:
    """Case ratings per subdistrict → community, lowest average first; a community opens its rated cases.

    Over all time from the ``RatingStat`` rollup (kept by ``rate_case``: count, star total, ratings per star);
    for a picked period from the ratings themselves, since the rollup keeps no days.
    """
    from shequtong.cases.models import CaseRating, RatingStat

    if period.code == ALL_TIME:
        raw = grouped(place, RatingStat.objects.all(), {"ratings": Sum("ratings"), "stars": Sum("stars_total")})
    else:
        raw = grouped(place, CaseRating.objects.filter(created_at__gte=period.start, created_at__lte=period.end),
                      {"ratings": count_rows(), "stars": Sum("stars")})
    columns = [Column("average", str(_("平均评分")), "avg", chart=False), Column("ratings", str(_("评价数")))]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        n = v.get("ratings", 0)
        return {"ratings": n, "average": _avg(v.get("stars", 0), n)}

    # Lowest average first: the places whose residents are least satisfied need attention.
    rows, total = _build("ratings", "", place, period, columns, raw, derive, "average", ascending=True)
    t = Theme("ratings", str(_("评分")), place, period, columns, rows, total, attention="average")
    by_stars = _star_counts(place, period)
    low = by_stars.get(1, 0) + by_stars.get(2, 0)
    t.headline = [(str(_("平均评分")), total.values["average"], "avg"), (str(_("评价数")), total.values["ratings"], "int"),
                  (str(_("1–2星评价")), low, "int")]
    t.charts = [
        Chart("ratings-stars", "bar", str(_("星级分布")), [str(_("{0}星").format(n)) for n in STARS],
              [{"name": str(_("评价数")), "data": [by_stars.get(n, 0) for n in STARS]}]),
        _per_child_chart("ratings-by-place", str(_("各{0}平均评分").format(place.child_label)), rows,
                         [("average", str(_("平均评分")))]),
    ]
    list_url = reverse("cases:ratings")
    community = place.community
    if community is not None:
        # The community is its own row (cases have no estate): it opens the community's rated cases.
        t.row_link = lambda r: f"{list_url}?community={community.pk}"
        where = f"?community={community.pk}"
    elif place.subdistrict is not None:
        t.row_link = lambda r: f"{list_url}?community={r.key}" if r.key is not None else None
        where = f"?all=1&subdistrict={place.subdistrict.pk}"
    else:
        where = "?all=1"
    # The list holds every rating (all time), so its count is the rollup's whatever period the table shows.
    all_time = total.values["ratings"] if period.code == ALL_TIME else _ratings_all_time(place)
    t.links_title = str(_("每个问题的评分及反馈"))
    t.links = [(str(_("查看全部评价及反馈")), list_url + where, all_time)]
    return t


def _star_counts(place: Place, period: Period) -> dict[int, int]:
    from shequtong.cases.models import STAR_FIELDS, CaseRating, RatingStat

    if period.code == ALL_TIME:
        sums = _in_place(place, place.scope.filter(RatingStat.objects.all())).aggregate(**{f: Sum(f) for f in STAR_FIELDS})
        return {n: sums[f] or 0 for n, f in enumerate(STAR_FIELDS, 1)}
    qs = CaseRating.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
    qs = _in_place(place, place.scope.filter(qs))
    return dict(qs.order_by().values_list("stars").annotate(n=count_rows()))


def _ratings_all_time(place: Place) -> int:
    from shequtong.cases.models import RatingStat

    return sum(v.get("ratings", 0) for v in grouped(place, RatingStat.objects.all(), {"ratings": Sum("ratings")}).values())


DRILLS: dict[str, tuple[Any, Any]] = {
    "letters": (_("人民信箱"), letters),
    "visits": (_("我与群众面对面"), visits),
    "ratings": (_("评分"), ratings),
}
# Whose scope a drill is read in, when not "observe" (the page and its export check it: observe.views._theme).
CAPABILITIES: dict[str, str] = {"ratings": "patrol"}
# Page context a drill keeps beside its table, read for the observer (not the place).
EXTRAS: dict[str, Any] = {"visits": visits_extra}
# The drill-downs count over all time unless a period is picked.
PERIODS: dict[str, Any] = {ALL_TIME: _("全部")}


def period_of(code: str | None) -> Period:
    from .figures import PERIODS as DATA_PERIODS
    from .figures import period_of as data_period

    return data_period(code) if code in DATA_PERIODS else period_all()
