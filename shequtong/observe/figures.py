"""数据 (OB-2): the six themes of the observer's figures, per place, at every level of the tree.

Every theme is read for a *place* (the observer's whole scope, one subdistrict,
or one community) and a *period*, and answers with one table whose rows are the
place's children (subdistricts → communities → estates/村民小组), a total row,
and charts drawn from the same numbers. Each figure is a count or a sum
(``Count``/``Sum`` grouped by the child's key in one query per source table),
so the total is the sum of the rows and a ratio is computed from sums, never
averaged from averages.

Stock figures come from the rollups the services keep (``CommunityStats``:
residents and party members; ``Post.read_count``: reads); flow figures over a
period are grouped aggregates over the source rows, always filtered by the
observer's scope (``accounts.scope``) and the place, on indexed columns
(cases: subdistrict/community + created_at; memberships: community + status +
requested_at, reviewed_at; posts: community + board + created_at). 综合信息 and
思想阵地 read the daily boards rollup ``PostDay`` (posts, replies, and the reads of
the posts published each day) for the period's whole days and the source rows for
its last, running day (``_rollup_days``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequtong.accounts import households, population, scope
from shequtong.accounts.models import MemberDay, Membership, PopulationDay, PopulationStat, User
from shequtong.boards import rollups as board_rollups
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Ballot, Booking, Post, PostDay, Reply, Visibility, Vote
from shequtong.cases import overdue
from shequtong.cases.models import (
    CASES_BEFORE_TODAY,
    CASES_RAISED_BEFORE_TODAY,
    CASES_RESOLVED_BEFORE_TODAY,
    Case,
    CaseRating,
    Source,
    Status,
)
from shequtong.common import clock, versioned
from shequtong.common.categories import Category
from shequtong.common.counting import count_rows
from shequtong.common.errors import NotFound
from shequtong.places.models import Community, CommunityStats, Estate, Subdistrict

# --- periods and places ------------------------------------------------------------------

PERIODS: dict[str, tuple[int, Any]] = {
    "7": (7, _("近7天")),
    "30": (30, _("近30天")),
    "90": (90, _("近90天")),
    "365": (365, _("近一年")),
}
DEFAULT_PERIOD = "30"
DAY = 24 * 3600
ACTIVE_DAYS = (7, 30)  # 近7天活跃, 近30天活跃: signed in on one of the last N local days, today included
REVIEW_LIMITS = (24 * 3600, 72 * 3600)  # 新成员审核及时率: within 24 h and within 72 h
THOUGHT_BOARDS = (Board.PARTY, Board.NOTICE)  # 思想阵地: 党建园地 and 社区公告
COVERAGE_INDICATOR = households.INDICATOR  # 户覆盖率 target, percent (§3.2)


@dataclass(frozen=True)
class Period:
    code: str
    days: int
    label: str
    start: dt.datetime
    end: dt.datetime

    @property
    def trunc(self) -> type[TruncDate] | type[TruncWeek] | type[TruncMonth]:
        if self.days <= 31:
            return TruncDate
        return TruncWeek if self.days <= 120 else TruncMonth


def period_of(code: str | None) -> Period:
    code = code if code in PERIODS else DEFAULT_PERIOD
    days, label = PERIODS[code]
    end = clock.now()
    start = clock.day_start(clock.today() - dt.timedelta(days=days - 1))
    return Period(code, days, str(label), start, end)


@dataclass(frozen=True)
class Place:
    """Where the observer looks: their whole scope, a subdistrict, or a community (the rows are its children)."""

    scope: scope.Scope
    subdistrict: Subdistrict | None = None
    community: Community | None = None

    @property
    def level(self) -> str:
        if self.community is not None:
            return "community"
        return "subdistrict" if self.subdistrict is not None else "district"

    @property
    def child_label(self) -> str:
        if self.community is not None:
            return str(_("村民小组") if self.community.is_rural else _("小区"))
        return str(_("居村委") if self.subdistrict is not None else _("街镇"))

    @property
    def name(self) -> str:
        if self.community is not None:
            return self.community.name
        if self.subdistrict is not None:
            return self.subdistrict.name
        return str(_("全区")) if self.scope.everything else str(_("辖区"))

    def crumbs(self) -> list[dict[str, Any]]:
        """The breadcrumb back up: (label, query) from the top to here."""
        out: list[dict[str, Any]] = [{"label": str(_("全区")) if self.scope.everything else str(_("辖区")), "query": {}}]
        sub = self.community.subdistrict if self.community is not None else self.subdistrict
        if sub is not None:
            out.append({"label": sub.name, "query": {"subdistrict": sub.pk}})
        if self.community is not None:
            out.append({"label": self.community.name, "query": {"community": self.community.pk}})
        return out

    def children(self, by_estate: bool = True) -> list[tuple[int | None, str]]:
        if self.community is not None and not by_estate:
            return [(None, self.community.name)]  # a theme without estates: the community is its own row
        if self.community is not None:
            estates = [(e.pk, e.name) for e in Estate.objects.filter(community=self.community).order_by("id")]
            return [*estates, (None, str(_("未填小区/村民小组")))]
        if self.subdistrict is not None:
            return list(self.scope.communities().filter(subdistrict=self.subdistrict).order_by("id").values_list("id", "name"))
        return list(self.scope.subdistricts().values_list("id", "name"))

    def child_query(self, key: int | None) -> dict[str, int] | None:
        """The query string that opens a child as the next level (estates are the last level)."""
        if key is None or self.community is not None:
            return None
        return {"community": key} if self.subdistrict is not None else {"subdistrict": key}


def place_for(user: User, *, subdistrict_id: Any = None, community_id: Any = None, capability: str = "observe") -> Place:
    """The place the query names, checked against the observer's scope (NotFound alike for missing and outside).

    ``capability``: whose scope (a drill-down with an audience of its own, e.g. 评分's "patrol", passes its own).
    """
    s = scope.scope_for(user, capability)
    try:
        if community_id not in (None, ""):
            return Place(s, community=scope.community_in_scope(user, capability, int(community_id)))
        if subdistrict_id not in (None, ""):
            return Place(s, subdistrict=scope.subdistrict_in_scope(user, capability, int(subdistrict_id)))
    except (TypeError, ValueError):
        raise NotFound("该地区不存在或不在您的管辖范围内") from None
    return Place(s)


def grouped(place: Place, qs: QuerySet[Any], aggregates: dict[str, Any], *, estate_field: str | None = None,
            community_field: str = "community") -> dict[int | None, dict[str, int]]:
    """One grouped aggregate over ``qs`` inside the place: {child key: {name: value}}.

    The child key is the subdistrict (district level), the community
    (subdistrict level) or the estate (community level; rows of a model without
    an estate all count towards the community itself under the key None).
    """
    qs, key = _by_child(place, qs, estate_field=estate_field, community_field=community_field)
    if key is None:
        row = qs.aggregate(**aggregates)
        return {None: {k: _num(v) for k, v in row.items()}}
    out: dict[int | None, dict[str, int]] = {}
    for row in qs.order_by().values(key).annotate(**aggregates):
        k = row.pop(key)
        out[k] = {name: _num(v) for name, v in row.items()}
    return out


def _by_child(place: Place, qs: QuerySet[Any], *, estate_field: str | None = None,
              community_field: str = "community") -> tuple[QuerySet[Any], str | None]:
    """``qs`` inside the observer's scope and the place, and the field that names a row's child (None: one row)."""
    qs = place.scope.filter(qs, community_field)
    own_sub = _has_own_subdistrict(qs)
    sub_key = "subdistrict_id" if own_sub and community_field == "community" else f"{community_field}__subdistrict_id"
    if place.community is not None:
        qs = qs.filter(**{f"{community_field}_id": place.community.pk})
        key = estate_field
    elif place.subdistrict is not None:
        qs = qs.filter(**{sub_key: place.subdistrict.pk})
        key = f"{community_field}_id"
    else:
        key = sub_key
    return qs, key


def _has_own_subdistrict(qs: QuerySet[Any]) -> bool:
    try:
        f = qs.model._meta.get_field("subdistrict")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: the model reaches it through its community
        return False
    return getattr(f, "related_model", None) is Subdistrict


def _num(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return int(value)


def _seconds(end: str, start: str = "created_at") -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


# --- the table and the charts -------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # int | pct | hours | avg (one decimal)
    chart: bool = True


@dataclass
class Row:
    key: int | None
    name: str
    values: dict[str, Any]
    query: dict[str, int] | None = None

    def cells(self, columns: Iterable[Column]) -> list[Any]:
        return [self.values.get(c.key) for c in columns]


@dataclass
class Chart:
    id: str
    kind: str  # bar | line | pie
    title: str
    categories: list[str]
    series: list[dict[str, Any]]  # [{"name": ..., "data": [...]}]
    unit: str = ""
    target: tuple[str, float] | None = None  # an indicator drawn as a line across the chart: (label, value)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "categories": self.categories,
                "series": self.series, "unit": self.unit,
                "target": {"label": self.target[0], "value": self.target[1]} if self.target else None}

    @property
    def has_data(self) -> bool:
        return any(v for s in self.series for v in s["data"])

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The numbers behind the chart as a table: one row per category."""
        headers = [""] + [s["name"] for s in self.series]
        rows = [[c] + [s["data"][i] for s in self.series] for i, c in enumerate(self.categories)]
        return headers, rows


@dataclass
class Theme:
    code: str
    title: str
    place: Place
    period: Period | None
    columns: list[Column]
    rows: list[Row]
    total: Row
    charts: list[Chart] = field(default_factory=list)
    headline: list[tuple[str, Any, str]] = field(default_factory=list)  # (label, value, kind)
    notes: list[str] = field(default_factory=list)
    attention: str = ""  # the column the rows are sorted by, most first
    # A drill-down's leaves: where a row opens when it is not a next level (an app's list), links under the table,
    # and a template of the app's own (its review queue, its search) shown above the table.
    row_link: Callable[[Row], str | None] | None = None
    links_title: str = ""
    links: list[tuple[str, str, int]] = field(default_factory=list)
    extra_template: str = ""

    @property
    def shown_rows(self) -> list[Row]:
        return [r for r in self.rows if _has_figures(r, self.columns)]

    @property
    def folded_rows(self) -> list[Row]:
        return [r for r in self.rows if not _has_figures(r, self.columns)]


def _has_figures(row: Row, columns: list[Column]) -> bool:
    return any(row.values.get(c.key) for c in columns)


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _avg(total: int, n: int, scale: int = 1) -> float | None:
    """One decimal, half up as people round (and as the apps' pages write it with floatformat): 17 / 4 is 4.3,
    where round() would give 4.2 (half to even)."""
    if not n:
        return None
    return float((Decimal(total) / Decimal(n * scale)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _build(code: str, title: str, place: Place, period: Period | None, columns: list[Column],
           raw: dict[int | None, dict[str, int]], derive: Callable[[dict[str, int]], dict[str, Any]],
           attention: str, *, by_estate: bool = False, ascending: bool = False) -> tuple[list[Row], Row]:
    """Rows per child (raw sums → derived figures), sorted by what needs attention, and the total."""
    rows = []
    total_raw: dict[str, int] = {}
    for key, name in place.children(by_estate):
        values = raw.get(key, {})
        for k, v in values.items():
            total_raw[k] = total_raw.get(k, 0) + v
        rows.append(Row(key, name, derive(values), place.child_query(key)))
    def order(r: Row) -> tuple[int, float]:
        v = r.values.get(attention)
        if v is None:
            return (1, 0.0)
        return (0, float(v) if ascending else -float(v))

    rows.sort(key=order)
    return rows, Row(None, str(_("合计")), derive(total_raw))


def merge(*parts: dict[int | None, dict[str, int]]) -> dict[int | None, dict[str, int]]:
    out: dict[int | None, dict[str, int]] = {}
    for part in parts:
        for key, values in part.items():
            out.setdefault(key, {}).update(values)
    return out


def _per_child_chart(chart_id: str, title: str, rows: list[Row], series: list[tuple[str, str]], kind: str = "bar",
                     unit: str = "") -> Chart:
    shown = [r for r in rows if any(r.values.get(k) for k, _l in series)][:20]
    return Chart(chart_id, kind, title, [r.name for r in shown],
                 [{"name": label, "data": [r.values.get(k) or 0 for r in shown]} for k, label in series], unit)


Buckets = dict[dt.date, dict[str, int]]


def _trend_buckets(place: Place, period: Period, series: list[tuple[str, QuerySet[Any], str]], since: dt.datetime,
                   buckets: Buckets | None = None, *, until: dt.datetime | None = None) -> Buckets:
    """Add the rows of each (label, queryset, date field) from `since` to the period's end (or to before `until`)
    to their day (week, month)."""
    tz = timezone.get_current_timezone()
    buckets = {} if buckets is None else buckets
    for label, qs, fld in series:
        qs = place.scope.filter(qs)
        end = {f"{fld}__lt": until} if until is not None else {f"{fld}__lte": period.end}
        qs = _in_place(place, qs).filter(**{f"{fld}__gte": since}, **end)
        for row in qs.order_by().annotate(b=period.trunc(fld, tzinfo=tz)).values("b").annotate(n=count_rows()):
            b = row["b"].date() if isinstance(row["b"], dt.datetime) else row["b"]
            bucket = buckets.setdefault(b, {})
            bucket[label] = bucket.get(label, 0) + row["n"]
    return buckets


def _add_buckets(into: Buckets, more: Buckets) -> Buckets:
    """Add one part's trend buckets to another's (the kept days and today)."""
    for b, values in more.items():
        bucket = into.setdefault(b, {})
        for label, n in values.items():
            bucket[label] = bucket.get(label, 0) + n
    return into


def _trend_chart(buckets: Buckets, labels: list[str], chart_id: str, title: str) -> Chart:
    days = sorted(buckets)
    return Chart(chart_id, "line", title, [d.strftime("%m-%d") for d in days],
                 [{"name": label, "data": [buckets[d].get(label, 0) for d in days]} for label in labels])


def _place_key(place: Place) -> str:
    """The place and the observer's scope in a cache key (the same figures for everyone with the same both)."""
    s = place.scope
    scope_part = "all" if s.everything else hashlib.sha1(  # noqa: S324 - a cache key, not a secret
        f"{sorted(s.subdistrict_ids)}|{sorted(s.community_ids)}".encode()).hexdigest()[:16]
    where = (f"c{place.community.pk}" if place.community is not None
             else f"s{place.subdistrict.pk}" if place.subdistrict is not None else "d")
    return f"{scope_part}:{where}"


def _rollup_days(period: Period) -> tuple[dt.date, dt.date, dt.datetime]:
    """Split a period for a daily rollup: its whole local days before the last (first..last; none when the period
    starts on its last day), and the moment from which the source rows answer (the start of the day ``period.end``
    falls on, up to ``period.end``). The rollup's row of the running day is never read, so the figures equal a
    direct count over [start, end] even for rows written after ``end``."""
    first = timezone.localdate(period.start)
    if clock.day_start(first) != period.start:
        raise ValueError("a period starts at local midnight")
    last_day = timezone.localdate(period.end)
    return first, last_day - dt.timedelta(days=1), clock.day_start(last_day)


def _posts_from_rollup(place: Place, period: Period, days: QuerySet[Any], labels: tuple[str, str]) -> tuple[
        dict[int | None, dict[str, int]], Counter[str], Buckets]:
    """综合信息's whole days from ``PostDay`` in one scan: per child, per board, and per trend bucket.

    One grouped query by (child, board, bucket) — the bucket is the day, or the week or month it
    falls in, truncated in the database as ``period.trunc`` truncates the source rows' local days —
    summed here three ways. A bucket enters the trend only where its sum is not zero, so it appears
    exactly when a direct count finds a row in it.
    """
    qs, key = _by_child(place, days)
    bucket = _day_bucket(period)
    fields = [*([key] if key else []), "board", "b"]
    raw: dict[int | None, dict[str, int]] = {}
    by_board: Counter[str] = Counter()
    sums: dict[dt.date, Counter[str]] = {}
    for row in qs.order_by().annotate(b=bucket).values(*fields).annotate(
            p=Sum("posts"), a=Sum("mutual_aid"), r=Sum("replies")):
        child = raw.setdefault(row[key] if key else None, {"posts": 0, "mutual_aid": 0, "replies": 0})
        child["posts"] += row["p"]
        child["mutual_aid"] += row["a"]
        child["replies"] += row["r"]
        by_board[row["board"]] += row["p"]
        b = row["b"].date() if isinstance(row["b"], dt.datetime) else row["b"]
        sums.setdefault(b, Counter()).update({labels[0]: row["p"], labels[1]: row["r"]})
    buckets: Buckets = {}
    for b, c in sums.items():
        shown = {label: n for label, n in c.items() if n}
        if shown:
            buckets[b] = shown
    return raw, by_board, buckets


def _running_day(place: Place, period: Period, qs: QuerySet[Any], aggregates: dict[str, Any], counted: str, label: str,
                 *, by: str | None = None) -> tuple[dict[int | None, dict[str, int]], Counter[str], Buckets]:
    """The source rows ``qs`` (created on the running day) in one grouped scan by child and ``by``: the aggregates
    per child (as ``grouped``), the ``counted`` aggregate per value of ``by``, and the trend bucket of the running
    day under ``label`` (as ``_trend_buckets`` gives it: every row falls on that one local day, so its bucket is
    that day's, not truncated row by row; present only where a row falls)."""
    qs, key = _by_child(place, qs)
    fields = [*([key] if key else []), *([by] if by else [])]
    per_child: dict[int | None, dict[str, int]] = {}
    per_by: Counter[str] = Counter()
    n = 0
    for row in qs.order_by().values(*fields).annotate(**aggregates) if fields else [qs.aggregate(**aggregates)]:
        child = per_child.setdefault(row[key] if key else None, dict.fromkeys(aggregates, 0))
        for name in aggregates:
            child[name] += _num(row[name])
        if by:
            per_by[row[by]] += _num(row[counted])
        n += _num(row[counted])
    buckets: Buckets = {_bucket_of(period, timezone.localdate(period.end)): {label: n}} if n else {}
    return per_child, per_by, buckets


def _bucket_of(period: Period, day: dt.date) -> dt.date:
    """The trend bucket ``period.trunc`` puts a local day in: the day, its week's Monday or its month's first day."""
    if period.trunc is TruncDate:
        return day
    if period.trunc is TruncWeek:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def add(*parts: dict[int | None, dict[str, int]]) -> dict[int | None, dict[str, int]]:
    """Sum grouped figures of the same names (a rollup's part of a period and the source rows' part)."""
    out: dict[int | None, dict[str, int]] = {}
    for part in parts:
        for key, values in part.items():
            row = out.setdefault(key, {})
            for name, v in values.items():
                row[name] = row.get(name, 0) + v
    return out


def _day_bucket(period: Period) -> Any:
    """A daily rollup's ``day`` truncated as ``period.trunc`` truncates the source rows' local days."""
    return F("day") if period.trunc is TruncDate else period.trunc("day")


def _in_place(place: Place, qs: QuerySet[Any]) -> QuerySet[Any]:
    if place.community is not None:
        return qs.filter(community_id=place.community.pk)
    if place.subdistrict is not None:
        key = "subdistrict_id" if _has_own_subdistrict(qs) else "community__subdistrict_id"
        return qs.filter(**{key: place.subdistrict.pk})
    return qs


def _breakdown(place: Place, qs: QuerySet[Any], fld: str, choices: Any, chart_id: str, title: str, kind: str,
               series_label: str) -> Chart:
    """Counts by a choice field (status, source, category, board) over the place, in the choices' order."""
    qs = _in_place(place, place.scope.filter(qs))
    counts = dict(qs.order_by().values_list(fld).annotate(n=count_rows()))
    return _choices_chart(counts, choices, chart_id, title, kind, series_label)


def _raised(place: Place, period: Period, raised: QuerySet[Any], done: Q, label: str | None) -> tuple[
        dict[int | None, dict[str, int]], Counter[str], Counter[str], Counter[str], Buckets]:
    """The period's cases per child (count, responded, resolved and their seconds), per trend bucket (under
    ``label``; none without one), and by status, source and category: three index-only scans of ``case_period``
    with few groups each, so PostgreSQL hashes them in memory (six statements before, ~130 ms of a one-year page
    at full scale; one scan grouped by every key sorts 60,000 rows on disk, and the truncated day beside the sums
    doubles their cost)."""
    qs, key = _by_child(place, raised)
    tz = timezone.get_current_timezone()
    per_child = grouped(place, raised, {
        "cases": count_rows(),
        "responded": count_rows(filter=Q(first_response_at__isnull=False)),
        "resolved": count_rows(filter=done & Q(resolved_at__isnull=False)),
        "response_seconds": Sum(_seconds("first_response_at"), filter=Q(first_response_at__isnull=False)),
        "resolution_seconds": Sum(_seconds("resolved_at"), filter=done & Q(resolved_at__isnull=False)),
    })
    buckets: Buckets = {}
    if label is not None:
        for row in qs.order_by().annotate(b=period.trunc("created_at", tzinfo=tz)).values("b").annotate(n=count_rows()):
            b = row["b"].date() if isinstance(row["b"], dt.datetime) else row["b"]
            buckets[b] = {label: row["n"]}
    by_status: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for status, source, category, n in (qs.order_by().values_list("status", "source", "category")
                                        .annotate(n=count_rows())):
        by_status[status] += n
        by_source[source] += n
        by_category[category] += n
    return per_child, by_status, by_source, by_category, buckets


def _choices_chart(counts: dict[Any, int], choices: Any, chart_id: str, title: str, kind: str,
                   series_label: str) -> Chart:
    labels = [(v, str(lbl)) for v, lbl in choices]
    if kind == "pie":
        data: list[dict[str, Any]] = [{"name": lbl, "value": counts.get(v, 0)} for v, lbl in labels if counts.get(v)]
        return Chart(chart_id, "pie", title, [d["name"] for d in data], [{"name": series_label, "data": [d["value"] for d in data]}])
    return Chart(chart_id, kind, title, [lbl for _v, lbl in labels], [{"name": series_label, "data": [counts.get(v, 0) for v, _l in labels]}])


# --- the six themes (the specification's order, §3.5.2.10.1 (2)) ------------------------

def users(place: Place, period: Period) -> Theme:
    """宝山用户数据: residents and party members (rollup), new registrations, active in 7/30 days."""
    today = clock.today()
    d7, d30 = today - dt.timedelta(days=ACTIVE_DAYS[0] - 1), today - dt.timedelta(days=ACTIVE_DAYS[1] - 1)
    approved = Membership.objects.filter(status=Membership.Status.APPROVED)
    # Summed from the MemberDay rollup (per community, estate and local day), not 800,000 memberships:
    # active = signed in on one of the last 7 (30) local days, today included; new = requests made in the
    # period's days (a period runs from a local midnight to now, so its days are exactly its requests).
    members = MemberDay.objects.filter(day__gte=min(d30, period.start.date()))
    activity = grouped(place, members.filter(day__gte=d30), {
        "active_7": Sum("active", filter=Q(day__gte=d7)),
        "active_30": Sum("active"),
    }, estate_field="estate_id")
    # 新申请加入/新通过审核 and their trend: the period's days before today change only when a request of such a
    # day is reviewed, imported or merged (accounts.population touches MEMBERS_PAST_CHANGED then), so their sums
    # are kept until that happens (a one-year district view reads ~120,000 day rows); today's rows are read each time.
    first, last, running = _rollup_days(period)
    requested_label = str(_("新申请加入"))
    kept_new, kept_trend = versioned.remember(
        f"member-days:{_place_key(place)}:{period.trunc.__name__}:{first}:{last}", [population.MEMBERS_PAST_CHANGED],
        lambda: _requests_from_days(place, period, MemberDay.objects.filter(day__gte=first, day__lte=last,
                                                                            requested__gt=0)))
    today_rows = MemberDay.objects.filter(day__gte=running.date(), requested__gt=0)
    new = add(kept_new, grouped(place, today_rows, {
        "registered": Sum("requested"), "approved": Sum("approved"),
    }, estate_field="estate_id"))
    trend: Buckets = {b: {requested_label: n} for b, n in kept_trend.items()}
    for row in (_in_place(place, place.scope.filter(today_rows)).filter(day__lte=clock.today()).order_by()
                .annotate(b=_day_bucket(period)).values("b").annotate(n=Sum("requested"))):
        if row["n"]:
            _add_buckets(trend, {_as_date(row["b"]): {requested_label: row["n"]}})
    if place.community is not None:
        # Estates: the approved members of each estate (the rollup is per community).
        stock = grouped(place, approved, {"residents": count_rows()}, estate_field="estate_id")
    else:
        stock = grouped(place, CommunityStats.objects.all(), {"residents": Sum("residents"), "party_members": Sum("party_members")})
    columns = [
        Column("residents", str(_("实名居村民"))),
        *([] if place.community is not None else [Column("party_members", str(_("党员")))]),
        # Next to the residents, so a phone shows it without scrolling the table sideways.
        Column("coverage", str(_("户覆盖率")), "pct", chart=False),
        Column("registered", str(_("新申请加入"))),
        Column("approved", str(_("新通过审核"))),
        Column("active_7", str(_("近7天活跃"))),
        Column("active_30", str(_("近30天活跃"))),
        Column("active_rate", str(_("30天活跃率")), "pct", chart=False),
        Column("households", str(_("登记户数")), chart=False),
        Column("covered", str(_("已覆盖户数")), chart=False),
    ]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in (
            "residents", "party_members", "registered", "approved", "active_7", "active_30", "covered")}
        out["households"] = v.get("registered_households", 0)
        out["active_rate"] = _pct(out["active_30"], out["residents"])
        out["coverage"] = _pct(v.get("covered_registered", 0), out["households"])
        return out

    raw = merge(stock, activity, new, household_coverage(place))
    rows, total = _build("users", "", place, period, columns, raw, derive, "residents", by_estate=True)
    t = Theme("users", str(_("宝山用户数据")), place, period, columns, rows, total, attention="residents")
    t.headline = [(str(_("实名居村民")), total.values["residents"], "int"),
                  (str(_("近7天活跃")), total.values["active_7"], "int"),
                  (str(_("近30天活跃")), total.values["active_30"], "int"),
                  (str(_("30天活跃率")), total.values["active_rate"], "pct")]
    if place.community is None:
        t.headline.insert(1, (str(_("党员")), total.values["party_members"], "int"))
    t.headline.append((str(_("户覆盖率（目标{0}%）").format(COVERAGE_INDICATOR)), total.values["coverage"], "pct"))
    t.charts = [
        _per_child_chart("users-by-place", str(_("各{0}居村民与活跃").format(place.child_label)), rows,
                         [("residents", str(_("实名居村民"))), ("active_30", str(_("近30天活跃")))]),
        _coverage_chart(place, rows),
        _trend_chart(trend, [requested_label], "users-trend", str(_("新申请加入趋势"))),
    ]
    t.notes.append(str(_("近7天活跃、近30天活跃 = 最近7天、30天内（含今天）登录过的实名居村民。")))
    t.notes.append(str(_("户覆盖率 = 已有实名居村民的户数（小区/村民小组内不同的楼号+室号）÷ 各居村委登记的户数，"
                         "目标{0}%；未登记户数的小区不计入。").format(COVERAGE_INDICATOR)))
    return t


def _as_date(b: Any) -> dt.date:
    return b.date() if isinstance(b, dt.datetime) else b  # type: ignore[no-any-return]


def _requests_from_days(place: Place, period: Period, days: QuerySet[Any]) -> tuple[
        dict[int | None, dict[str, int]], dict[dt.date, int]]:
    """新申请加入 and 新通过审核 per child, and 新申请加入 per trend bucket, from ``MemberDay`` rows in one grouped
    scan (by child and bucket; summed here both ways). A bucket is kept only where its sum is not zero, so it
    appears exactly when a direct sum of the period's rows gives it a figure."""
    qs, key = _by_child(place, days, estate_field="estate_id")
    per_child: dict[int | None, dict[str, int]] = {}
    sums: dict[dt.date, int] = {}
    for row in (qs.order_by().annotate(b=_day_bucket(period)).values(*([key] if key else []), "b")
                .annotate(r=Sum("requested"), a=Sum("approved"))):
        child = per_child.setdefault(row[key] if key else None, {"registered": 0, "approved": 0})
        child["registered"] += _num(row["r"])
        child["approved"] += _num(row["a"])
        b = _as_date(row["b"])
        sums[b] = sums.get(b, 0) + _num(row["r"])
    return per_child, {b: n for b, n in sums.items() if n}


def household_coverage(place: Place) -> dict[int | None, dict[str, int]]:
    """Registered households and covered ones per child, from the estates' figures (788 rows district-wide).

    ``covered_registered`` counts only estates with a registered 户数, so the ratio never
    sets households of an unregistered estate against another's count.
    """
    return grouped(place, Estate.objects.all(), {
        "registered_households": Sum("households"),  # (an alias named like the column would shadow it in the filter)
        "covered": Sum("covered_households"),
        "covered_registered": Sum("covered_households", filter=Q(households__isnull=False)),
    }, estate_field="id")


def _coverage_chart(place: Place, rows: list[Row]) -> Chart:
    shown = [r for r in rows if r.values.get("coverage") is not None][:20]
    return Chart("users-coverage", "bar", str(_("各{0}户覆盖率").format(place.child_label)), [r.name for r in shown],
                 [{"name": str(_("户覆盖率")), "data": [r.values["coverage"] for r in shown]}], unit="%",
                 target=(str(_("目标{0}%").format(COVERAGE_INDICATOR)), COVERAGE_INDICATOR))


def posts(place: Place, period: Period) -> Theme:
    """综合信息: posts and replies by board and period, and their trend.

    The period's whole days come from the daily rollup ``PostDay`` (boards.rollups), its running
    day from the posts and replies themselves.
    """
    first, last, running = _rollup_days(period)
    days = PostDay.objects.filter(day__gte=first, day__lte=last)
    today = {"created_at__gte": running, "created_at__lte": period.end}
    posts_today = Post.objects.filter(visibility=Visibility.VISIBLE, **today)
    replies_today = Reply.objects.filter(visibility=Visibility.VISIBLE, **today)
    posted, replied = str(_("发帖")), str(_("回复"))
    # The closed days' sums change only when an older post or reply is hidden or restored or a bulk writer
    # runs (boards.rollups touches PAST_POSTS_CHANGED then): kept until then, so a one-year view (900,000
    # day rows at full scale) is summed once, not on every view. Exact: the running day is counted each time.
    from_days, by_board, buckets = versioned.remember(
        f"posts-days:{_place_key(place)}:{period.trunc.__name__}:{first}:{last}", [board_rollups.PAST_POSTS_CHANGED],
        lambda: _posts_from_rollup(place, period, days, (posted, replied)))
    by_board, buckets = Counter(by_board), {b: dict(v) for b, v in buckets.items()}  # the kept value stays as kept
    # The running day from the posts and replies themselves: one scan of each (grouped by child, and board for the
    # posts; the day's one trend bucket added here), not five (per child, per board and the trend, each over the
    # day's ~20,000 replies).
    posts_now, board_now, trend_now = _running_day(
        place, period, posts_today, {"posts": count_rows(), "mutual_aid": count_rows(filter=Q(is_mutual_aid=True))},
        "posts", posted, by="board")
    replies_now, _unused, replies_trend = _running_day(place, period, replies_today, {"replies": count_rows()},
                                                       "replies", replied)
    raw = add(from_days, posts_now, replies_now)
    columns = [Column("posts", str(_("发帖"))), Column("replies", str(_("回复"))), Column("mutual_aid", str(_("互助帖"))),
               Column("replies_per_post", str(_("帖均回复")), "avg", chart=False)]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in ("posts", "replies", "mutual_aid")}
        out["replies_per_post"] = _avg(out["replies"], out["posts"])
        return out

    rows, total = _build("posts", "", place, period, columns, raw, derive, "posts")
    t = Theme("posts", str(_("综合信息")), place, period, columns, rows, total, attention="posts")
    t.headline = [(str(_("发帖")), total.values["posts"], "int"), (str(_("回复")), total.values["replies"], "int"),
                  (str(_("帖均回复")), total.values["replies_per_post"], "avg")]
    by_board.update(board_now)
    _add_buckets(_add_buckets(buckets, trend_now), replies_trend)
    t.charts = [
        _choices_chart(by_board, Board.choices, "posts-by-board", str(_("各版块发帖")), "bar", posted),
        _trend_chart(buckets, [posted, replied], "posts-trend", str(_("发帖与回复趋势"))),
        _per_child_chart("posts-by-place", str(_("各{0}发帖与回复").format(place.child_label)), rows,
                         [("posts", str(_("发帖"))), ("replies", str(_("回复")))]),
    ]
    return t


def thought(place: Place, period: Period) -> Theme:
    """思想阵地: reach of 党建园地 and 社区公告 posts published in the period (reads: the posts' read counters).

    The period's whole days come from ``PostDay`` (its ``reads``: the readers of the posts published
    that day, kept when a read is counted), its running day from the posts' own counters.
    """
    first, last, running = _rollup_days(period)
    days = PostDay.objects.filter(board__in=THOUGHT_BOARDS, day__gte=first, day__lte=last)
    qs = Post.objects.filter(board__in=THOUGHT_BOARDS, visibility=Visibility.VISIBLE,
                             created_at__gte=running, created_at__lte=period.end)
    raw = merge(
        add(
            grouped(place, days, {
                "party_posts": Sum("posts", filter=Q(board=Board.PARTY)),
                "notice_posts": Sum("posts", filter=Q(board=Board.NOTICE)),
                "party_reads": Sum("reads", filter=Q(board=Board.PARTY)),
                "notice_reads": Sum("reads", filter=Q(board=Board.NOTICE)),
            }),
            grouped(place, qs, {
                "party_posts": count_rows(filter=Q(board=Board.PARTY)),
                "notice_posts": count_rows(filter=Q(board=Board.NOTICE)),
                "party_reads": Sum("read_count", filter=Q(board=Board.PARTY)),
                "notice_reads": Sum("read_count", filter=Q(board=Board.NOTICE)),
            }),
        ),
        _residents(place),
    )
    columns = [
        Column("party_posts", str(_("党建园地发布"))), Column("party_reads", str(_("党建园地阅读"))),
        Column("notice_posts", str(_("社区公告发布"))), Column("notice_reads", str(_("社区公告阅读"))),
        Column("reads_per_post", str(_("篇均阅读")), "avg", chart=False),
        Column("read_rate", str(_("阅读率")), "pct", chart=False),
    ]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in ("party_posts", "notice_posts", "party_reads", "notice_reads")}
        n, reads = out["party_posts"] + out["notice_posts"], out["party_reads"] + out["notice_reads"]
        out["reads_per_post"] = _avg(reads, n)
        # Read rate: reads over the reads possible (each resident reading each post once).
        out["read_rate"] = _pct(reads, n * v.get("residents", 0)) if n else None
        return out

    rows, total = _build("thought", "", place, period, columns, raw, derive, "party_posts")
    t = Theme("thought", str(_("思想阵地")), place, period, columns, rows, total, attention="party_posts")
    t.headline = [(str(_("发布")), total.values["party_posts"] + total.values["notice_posts"], "int"),
                  (str(_("阅读")), total.values["party_reads"] + total.values["notice_reads"], "int"),
                  (str(_("篇均阅读")), total.values["reads_per_post"], "avg"),
                  (str(_("阅读率")), total.values["read_rate"], "pct")]
    t.charts = [
        Chart("thought-split", "pie", str(_("阅读构成")), [str(Board.PARTY.label), str(Board.NOTICE.label)],
              [{"name": str(_("阅读")), "data": [total.values["party_reads"], total.values["notice_reads"]]}]),
        _per_child_chart("thought-by-place", str(_("各{0}阅读").format(place.child_label)), rows,
                         [("party_reads", str(_("党建园地阅读"))), ("notice_reads", str(_("社区公告阅读")))]),
    ]
    t.notes.append(str(_("阅读率 = 阅读次数 ÷（发布篇数 × 实名居村民数）；每人每篇只计一次。")))
    return t


def _residents(place: Place) -> dict[int | None, dict[str, int]]:
    return grouped(place, CommunityStats.objects.all(), {"residents": Sum("residents")})


def cases(place: Place, period: Period) -> Theme:
    """问题解决: cases raised in the period by status, source and category; response and resolution times;
    overdue now; ratings; the 即时回应 indicator (every case answered, target 100%)."""
    now = clock.now()
    done = Q(status__in=(Status.RESOLVED, Status.CLOSED))
    raised_label, resolved_label = str(_("新增问题")), str(_("已解决"))
    # The cases raised before today change only when one of them is saved (cases.apps touches
    # CASES_BEFORE_TODAY then): their figures are kept until that happens, today's are counted each time.
    # The trend's days before today are kept apart, under keys that handling a case does not touch
    # (CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY): on a one-year page they are the two
    # longest scans, and handling cases is what the committees do all day.
    _first, _last, running = _rollup_days(period)
    where = f"{_place_key(place)}:{period.trunc.__name__}:{period.start.date()}:{running.date()}"

    def before_today() -> tuple[Any, ...]:
        before = Case.objects.filter(created_at__gte=period.start, created_at__lt=running)
        return _raised(place, period, before, done, None)[:4]

    def trend_before_today(label: str, qs: QuerySet[Any], fld: str) -> Callable[[], Buckets]:
        return lambda: _trend_buckets(place, period, [(label, qs, fld)], period.start, until=running)

    kept = versioned.remember(f"cases-before-today:{where}", [CASES_BEFORE_TODAY], before_today)
    raised_days = versioned.remember(f"cases-raised-days:{where}", [CASES_RAISED_BEFORE_TODAY],
                                     trend_before_today(raised_label, Case.objects.all(), "created_at"))
    resolved_days = versioned.remember(f"cases-resolved-days:{where}", [CASES_RESOLVED_BEFORE_TODAY],
                                       trend_before_today(resolved_label, Case.objects.filter(done), "resolved_at"))
    today = _raised(place, period, Case.objects.filter(created_at__gte=running, created_at__lte=period.end), done,
                    raised_label)
    per_child = add(kept[0], today[0])
    by_status, by_source, by_category = (Counter(kept[i]) + Counter(today[i]) for i in (1, 2, 3))
    buckets = _add_buckets(_add_buckets({}, raised_days), resolved_days)
    buckets = _add_buckets(buckets, today[4])
    buckets = _trend_buckets(place, period, [(resolved_label, Case.objects.filter(done), "resolved_at")], running,
                             buckets)
    raw = merge(
        per_child,
        grouped(place, Case.objects.filter(status__in=overdue.OPEN), {
            "open": count_rows(), "overdue": count_rows(filter=overdue.any_q(now)),
        }),
        grouped(place, CaseRating.objects.filter(created_at__gte=period.start, created_at__lte=period.end),
                {"ratings": count_rows(), "stars": Sum("stars")}),
    )
    columns = [
        Column("cases", str(_("新增问题"))), Column("resolved", str(_("已解决"))), Column("open", str(_("未解决"))),
        Column("overdue", str(_("逾期"))), Column("overdue_share", str(_("逾期占比")), "pct", chart=False),
        Column("response_rate", str(_("即时回应率")), "pct", chart=False),
        Column("avg_response_hours", str(_("平均首次回应(小时)")), "avg", chart=False),
        Column("avg_resolution_hours", str(_("平均解决(小时)")), "avg", chart=False),
        Column("ratings", str(_("评价数"))), Column("avg_stars", str(_("平均评分")), "avg", chart=False),
    ]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in ("cases", "responded", "resolved", "open", "overdue", "ratings")}
        out["overdue_share"] = _pct(out["overdue"], out["open"])
        out["response_rate"] = _pct(out["responded"], out["cases"])
        out["avg_response_hours"] = _avg(v.get("response_seconds", 0), out["responded"], 3600)
        out["avg_resolution_hours"] = _avg(v.get("resolution_seconds", 0), out["resolved"], 3600)
        out["avg_stars"] = _avg(v.get("stars", 0), out["ratings"])
        return out

    rows, total = _build("cases", "", place, period, columns, raw, derive, "overdue")
    tv = total.values
    t = Theme("cases", str(_("问题解决")), place, period, columns, rows, total, attention="overdue")
    t.headline = [(str(_("新增问题")), tv["cases"], "int"), (str(_("已解决")), tv["resolved"], "int"),
                  (str(_("逾期")), tv["overdue"], "int"), (str(_("即时回应率")), tv["response_rate"], "pct"),
                  (str(_("平均评分")), tv["avg_stars"], "avg")]
    t.charts = [
        _choices_chart(by_status, Status.choices, "cases-status", str(_("按状态")), "pie", str(_("问题数"))),
        _choices_chart(by_source, Source.choices, "cases-source", str(_("按来源")), "bar", str(_("问题数"))),
        _choices_chart(by_category, Category.choices, "cases-category", str(_("按问题标签")), "bar", str(_("问题数"))),
        _trend_chart(buckets, [str(_("新增问题")), str(_("已解决"))], "cases-trend", str(_("新增与解决趋势"))),
        _per_child_chart("cases-by-place", str(_("各{0}未解决与逾期").format(place.child_label)), rows,
                         [("open", str(_("未解决"))), ("overdue", str(_("逾期")))]),
    ]
    t.notes.append(str(_("即时回应率 = 已有首次回应的问题 ÷ 新增问题（目标100%）；逾期与未解决为当前数，不限时段。")))
    return t


def council(place: Place, period: Period) -> Theme:
    """自治共治: 议事厅 topics and where they stand, votes and ballots, services booked."""
    in_period = {"created_at__gte": period.start, "created_at__lte": period.end}
    topics = Post.objects.filter(board=Board.COUNCIL, visibility=Visibility.VISIBLE, **in_period)
    stage = Post.Stage
    raw = merge(
        grouped(place, topics, {
            "topics": count_rows(),
            "conventions": count_rows(filter=Q(stage=stage.CONVENTION)),
            "projects": count_rows(filter=Q(stage=stage.PROJECT)),
        }),
        grouped(place, Vote.objects.filter(opened_at__gte=period.start, opened_at__lte=period.end), {"votes": count_rows()}),
        grouped(place, Ballot.objects.filter(**in_period), {"ballots": count_rows()}),
        grouped(place, Booking.objects.filter(**in_period), {
            "bookings": count_rows(), "bookings_confirmed": count_rows(filter=Q(status=Booking.Status.CONFIRMED)),
        }),
    )
    columns = [Column("topics", str(_("议题"))), Column("votes", str(_("发起投票"))), Column("ballots", str(_("投票人次"))),
               Column("conventions", str(_("形成公约"))), Column("projects", str(_("立项"))),
               Column("bookings", str(_("服务预约"))), Column("bookings_confirmed", str(_("预约已确认")))]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        return {c.key: v.get(c.key, 0) for c in columns}

    rows, total = _build("council", "", place, period, columns, raw, derive, "topics")
    tv = total.values
    t = Theme("council", str(_("自治共治")), place, period, columns, rows, total, attention="topics")
    t.headline = [(str(_("议题")), tv["topics"], "int"), (str(_("投票人次")), tv["ballots"], "int"),
                  (str(_("形成公约")), tv["conventions"], "int"), (str(_("服务预约")), tv["bookings"], "int")]
    t.charts = [
        _breakdown(place, topics, "stage", stage.choices, "council-stage", str(_("议题阶段")), "bar", str(_("议题"))),
        _per_child_chart("council-by-place", str(_("各{0}议事与服务").format(place.child_label)), rows,
                         [("topics", str(_("议题"))), ("ballots", str(_("投票人次"))), ("bookings", str(_("服务预约")))]),
    ]
    return t


def reviews(place: Place, period: Period) -> Theme:
    """新成员审核及时率: requests reviewed in the period within 24 h and 72 h; requests waiting now."""
    now = clock.now()
    h24, h72 = REVIEW_LIMITS
    raw = merge(
        grouped(place, Membership.objects.filter(reviewed_at__gte=period.start, reviewed_at__lte=period.end), {
            "reviewed": count_rows(),
            "within_24h": count_rows(filter=Q(review_seconds__lte=h24)),
            "within_72h": count_rows(filter=Q(review_seconds__lte=h72)),
        }, estate_field="estate_id"),
        grouped(place, Membership.objects.filter(status=Membership.Status.PENDING), {
            "pending": count_rows(),
            "waiting_over_24h": count_rows(filter=Q(requested_at__lte=now - dt.timedelta(seconds=h24))),
        }, estate_field="estate_id"),
    )
    columns = [Column("reviewed", str(_("已审核"))), Column("within_24h", str(_("24小时内"))),
               Column("within_72h", str(_("72小时内"))), Column("rate_24h", str(_("24小时及时率")), "pct", chart=False),
               Column("rate_72h", str(_("72小时及时率")), "pct", chart=False), Column("pending", str(_("待审核"))),
               Column("waiting_over_24h", str(_("等待超24小时")))]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in ("reviewed", "within_24h", "within_72h", "pending", "waiting_over_24h")}
        out["rate_24h"] = _pct(out["within_24h"], out["reviewed"])
        out["rate_72h"] = _pct(out["within_72h"], out["reviewed"])
        return out

    rows, total = _build("reviews", "", place, period, columns, raw, derive, "waiting_over_24h", by_estate=True)
    tv = total.values
    t = Theme("reviews", str(_("新成员审核及时率")), place, period, columns, rows, total, attention="waiting_over_24h")
    t.headline = [(str(_("24小时及时率")), tv["rate_24h"], "pct"), (str(_("72小时及时率")), tv["rate_72h"], "pct"),
                  (str(_("已审核")), tv["reviewed"], "int"), (str(_("等待超24小时")), tv["waiting_over_24h"], "int")]
    t.charts = [
        Chart("reviews-split", "pie", str(_("审核用时")),
              [str(_("24小时内")), str(_("24-72小时")), str(_("超过72小时"))],
              [{"name": str(_("已审核")), "data": [tv["within_24h"], tv["within_72h"] - tv["within_24h"],
                                                 tv["reviewed"] - tv["within_72h"]]}]),
        _per_child_chart("reviews-by-place", str(_("各{0}24小时及时率").format(place.child_label)), rows,
                         [("rate_24h", str(_("24小时及时率"))), ("rate_72h", str(_("72小时及时率")))], unit="%"),
    ]
    return t


THEMES: dict[str, tuple[Any, Callable[[Place, Period], Theme]]] = {
    "users": (_("宝山用户数据"), users),
    "posts": (_("综合信息"), posts),
    "thought": (_("思想阵地"), thought),
    "cases": (_("问题解决"), cases),
    "council": (_("自治共治"), council),
    "reviews": (_("新成员审核及时率"), reviews),
}


def theme(code: str, place: Place, period: Period) -> Theme:
    from .drills import DRILLS

    found = THEMES.get(code) or PIVOTS.get(code) or DRILLS.get(code)
    if found is None:
        raise NotFound("没有这个数据主题")
    t = found[1](place, period)
    t.code = code  # 数据透视 shows some themes under its own names
    return t


# --- the theme as a workbook (what the page shows, sheet by sheet) ----------------------

def cell(value: Any, kind: str) -> Any:
    """A figure as the page and the workbook show it (None: no basis for a ratio)."""
    if value is None:
        return "—"
    return value


def xlsx(t: Theme) -> bytes:
    from shequtong.common.export import XlsxWriter

    period = t.period.label if t.period else ""
    title = f"{t.title}"
    w = XlsxWriter(title[:31], [t.place.name, period])
    w.append([])
    w.append([t.place.child_label, *[c.label for c in t.columns]])
    for r in t.rows:
        w.append([r.name, *[cell(v, c.kind) for v, c in zip(r.cells(t.columns), t.columns, strict=True)]])
    w.append([t.total.name, *[cell(v, c.kind) for v, c in zip(t.total.cells(t.columns), t.columns, strict=True)]])
    for chart in t.charts:
        headers, rows = chart.table()
        w.add_sheet(re.sub(r"[\[\]:*?/\\]", "、", chart.title), headers)  # characters a sheet name may not hold
        for row in rows:
            w.append(row)
    return w.getvalue()


# --- 观察 (OB-1): the base figures of each place, and a community's own work ---------------

def overview(place: Place, period: Period | None = None) -> Theme:
    """Communities, residents and party members per subdistrict → community → estate/村民小组, and per
    community its open and overdue cases, letters this month, average rating and review timeliness (30 days)."""
    now = clock.now()
    month_start = clock.today().replace(day=1)
    since = now - dt.timedelta(days=30)
    at_estates = place.community is not None
    parts = [
        grouped(place, Membership.objects.filter(reviewed_at__gte=since), {
            "reviewed": count_rows(), "within_24h": count_rows(filter=Q(review_seconds__lte=REVIEW_LIMITS[0])),
        }, estate_field="estate_id"),
        grouped(place, Membership.objects.filter(status=Membership.Status.PENDING), {"pending": count_rows()},
                estate_field="estate_id"),
    ]
    if at_estates:
        parts.append(grouped(place, Membership.objects.filter(status=Membership.Status.APPROVED),
                             {"residents": count_rows()}, estate_field="estate_id"))
    else:
        from shequtong.cases.models import RatingStat
        from shequtong.letters.models import LetterStat

        parts += [
            grouped(place, CommunityStats.objects.all(), {"residents": Sum("residents"), "party_members": Sum("party_members")}),
            grouped(place, Case.objects.filter(status__in=overdue.OPEN), {
                "open": count_rows(), "overdue": count_rows(filter=overdue.any_q(now))}),
            grouped(place, LetterStat.objects.filter(day__gte=month_start), {"letters_month": Sum("letters")}),
            grouped(place, RatingStat.objects.all(), {"ratings": Sum("ratings"), "stars": Sum("stars_total")}),
        ]
        if place.subdistrict is None:
            parts.append(_communities_per_subdistrict(place))
    columns = [
        *([Column("communities", str(_("居村委")))] if place.level == "district" else []),
        Column("residents", str(_("居村民"))),
        *([] if at_estates else [Column("party_members", str(_("党员"))), Column("open", str(_("未解决问题"))),
                                 Column("overdue", str(_("逾期"))), Column("letters_month", str(_("本月来信"))),
                                 Column("avg_stars", str(_("平均评分")), "avg", chart=False)]),
        Column("rate_24h", str(_("审核及时率")), "pct", chart=False),
        Column("pending", str(_("待审核"))),
    ]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.get(k, 0) for k in (
            "communities", "residents", "party_members", "open", "overdue", "letters_month", "pending", "reviewed", "ratings")}
        out["avg_stars"] = _avg(v.get("stars", 0), out["ratings"])
        out["rate_24h"] = _pct(v.get("within_24h", 0), out["reviewed"])
        return out

    attention = "pending" if at_estates else "overdue"
    rows, total = _build("overview", "", place, period, columns, merge(*parts), derive, attention, by_estate=True)
    t = Theme("overview", str(_("观察")), place, period, columns, rows, total, attention=attention)
    return t


def _communities_per_subdistrict(place: Place) -> dict[int | None, dict[str, int]]:
    qs = place.scope.communities()
    return {row["subdistrict_id"]: {"communities": row["n"], "rural": row["rural"]}
            for row in qs.order_by().values("subdistrict_id").annotate(
                n=count_rows(), rural=count_rows(filter=Q(kind=Community.Kind.RURAL)))}


def community_panel(user: User, community: Community) -> dict[str, Any]:
    """The community's own figures for its 观察 page: the row its subdistrict's 观察 shows for it.

    Counted for this community alone (a scope of just it, when the observer's scope covers it): every figure
    of that row is grouped per community, so the row is the same without summing its ~80 neighbours too."""
    observer_scope = scope.scope_for(user, "observe")
    own = (scope.Scope(community_ids=frozenset({community.pk})) if observer_scope.covers_community(community)
           else observer_scope)
    parent = Place(own, subdistrict=community.subdistrict)
    t = overview(parent)
    row = next((r for r in t.rows if r.key == community.pk), None)
    return {"columns": t.columns, "values": row.values if row else {}}


# --- 数据透视 (OB-6): population portrait and staff–resident interaction -------------------

AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("age_0_17", "0-17岁", 0, 18), ("age_18_34", "18-34岁", 18, 35), ("age_35_59", "35-59岁", 35, 60),
    ("age_60_79", "60-79岁", 60, 80), ("age_80", "80岁及以上", 80, None),
)


def _born_between(low: int, high: int | None) -> Q:
    """Aged at least `low` and under `high` today: born after today−high years, on or before today−low years."""
    today = clock.today()

    def years_ago(n: int) -> dt.date:
        try:
            return today.replace(year=today.year - n)
        except ValueError:  # 29 February
            return today.replace(year=today.year - n, day=28)

    q = Q(user__birth_date__lte=years_ago(low))
    if high is not None:
        q &= Q(user__birth_date__gt=years_ago(high))
    return q


def _years_ago(today: dt.date, n: int) -> dt.date:
    try:
        return today.replace(year=today.year - n)
    except ValueError:  # 29 February
        return today.replace(year=today.year - n, day=28)


def _portrait_from_rollup(place: Place) -> dict[int | None, dict[str, int]]:
    """The portrait per subdistrict or community from ``PopulationStat`` (community, sex, birth year).

    A birth year gives the age to within one year: aged ``today.year − year`` once the
    birthday has passed, one less before. The rollup counts each year at one of the two
    (whichever makes fewer exceptions today); the residents born in a band's boundary year
    whose birthday says otherwise are summed from ``PopulationDay`` (per community and birth
    date; an index-only range scan over at most half a year of five birth years) and moved
    to their band.
    """
    today = clock.today()
    passed_assumed = (dt.date(today.year, 12, 31) - today) < (today - dt.date(today.year, 1, 1))
    shift = 0 if passed_assumed else 1  # base age = today.year − year − shift
    aggregates: dict[str, Any] = {"residents": Sum("people"),
                                  "male": Sum("people", filter=Q(sex=User.Sex.MALE)),
                                  "female": Sum("people", filter=Q(sex=User.Sex.FEMALE))}
    for key, _l, low, high in AGE_BANDS:
        q = Q(birth_year__gte=1, birth_year__lte=today.year - low - shift)
        if high is not None:
            q &= Q(birth_year__gt=today.year - high - shift)
        aggregates[key] = Sum("people", filter=q)
    raw = grouped(place, PopulationStat.objects.all(), aggregates)
    # The exceptions: born in the boundary year of band `key` (aged exactly `low` this year) on the other side of
    # the birthday from what the base assumed.
    exceptions: dict[str, Q] = {}
    for key, _l, low, _h in AGE_BANDS:
        year, birthday = today.year - low, _years_ago(today, low)
        if passed_assumed:  # counted aged `low`; birthday still to come: one band down
            exceptions[key] = Q(birth_date__gt=birthday, birth_date__lte=dt.date(year, 12, 31))
        else:  # counted aged `low` − 1; birthday passed: one band up
            exceptions[key] = Q(birth_date__gte=dt.date(year, 1, 1), birth_date__lte=birthday)
    any_exception = Q()
    for q in exceptions.values():
        any_exception |= q
    moved = grouped(place, PopulationDay.objects.filter(any_exception),
                    {key: Sum("people", filter=q) for key, q in exceptions.items()})
    keys = [k for k, _l, _lo, _hi in AGE_BANDS]
    for child, counts in moved.items():
        values = raw.setdefault(child, {})
        for i, key in enumerate(keys):
            n = counts.get(key, 0)
            below = keys[i - 1] if i else None  # under the youngest band: not born yet, in no band
            src, dst = (key, below) if passed_assumed else (below, key)
            if src is not None:
                values[src] = values.get(src, 0) - n
            if dst is not None:
                values[dst] = values.get(dst, 0) + n
    return raw


def portrait(place: Place, period: Period) -> Theme:
    """人口画像: the approved residents of each place by age band and sex, from the stored birth date and sex
    (the subdistrict and community rows from the rollup ``PopulationStat``; a community's estates directly)."""
    if place.community is None:
        # Kept for the day until a population row changes (accounts.population touches POPULATION_CHANGED on every
        # write of the two tables): summing 78,000 rollup rows under eight filters took ~25 ms a view.
        raw = versioned.remember(f"portrait:{_place_key(place)}:{clock.today()}", [population.POPULATION_CHANGED],
                                 lambda: _portrait_from_rollup(place))
    else:
        approved = Membership.objects.filter(status=Membership.Status.APPROVED)
        aggregates: dict[str, Any] = {"residents": count_rows(),
                                      "male": count_rows(filter=Q(user__sex=User.Sex.MALE)),
                                      "female": count_rows(filter=Q(user__sex=User.Sex.FEMALE))}
        aggregates.update({key: count_rows(filter=_born_between(low, high)) for key, _l, low, high in AGE_BANDS})
        raw = grouped(place, approved, aggregates, estate_field="estate_id")
    columns = [Column("residents", str(_("实名居村民"))), Column("male", str(_("男"))), Column("female", str(_("女"))),
               Column("sex_ratio", str(_("性别比(女=100)")), "avg", chart=False),
               *[Column(key, label) for key, label, _lo, _hi in AGE_BANDS],
               Column("elder_share", str(_("60岁及以上占比")), "pct", chart=False)]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {c.key: v.get(c.key, 0) for c in columns if c.kind == "int"}
        out["sex_ratio"] = _avg(out["male"] * 100, out["female"])
        out["elder_share"] = _pct(out["age_60_79"] + out["age_80"], out["residents"])
        return out

    rows, total = _build("portrait", "", place, period, columns, raw, derive, "residents", by_estate=True)
    tv = total.values
    t = Theme("portrait", str(_("人口画像")), place, None, columns, rows, total, attention="residents")
    t.headline = [(str(_("实名居村民")), tv["residents"], "int"), (str(_("性别比(女=100)")), tv["sex_ratio"], "avg"),
                  (str(_("60岁及以上占比")), tv["elder_share"], "pct")]
    t.charts = [
        Chart("portrait-age", "bar", str(_("年龄结构")), [label for _k, label, _lo, _hi in AGE_BANDS],
              [{"name": str(_("人数")), "data": [tv[k] for k, _l, _lo, _hi in AGE_BANDS]}]),
        Chart("portrait-sex", "pie", str(_("性别比例")), [str(_("男")), str(_("女")), str(_("未登记"))],
              [{"name": str(_("人数")), "data": [tv["male"], tv["female"], tv["residents"] - tv["male"] - tv["female"]]}]),
        _per_child_chart("portrait-by-place", str(_("各{0}年龄结构").format(place.child_label)), rows,
                         [(k, label) for k, label, _lo, _hi in AGE_BANDS]),
    ]
    t.notes.append(str(_("按实名认证时登记的出生日期与性别统计（当前数，不限时段）；工作情况系统未登记，暂不统计。")))
    return t


def interaction(place: Place, period: Period) -> Theme:
    """社工与居民互动: 面对面 visits recorded, cases first answered, replies by the committee, in the period."""
    from shequtong.visits.models import Visit

    in_period = {"created_at__gte": period.start, "created_at__lte": period.end}
    raw = merge(
        grouped(place, Visit.objects.exclude(status="draft").filter(**in_period), {"visits": count_rows()}),
        grouped(place, Case.objects.filter(first_response_at__gte=period.start, first_response_at__lte=period.end),
                {"responses": count_rows()}),
        grouped(place, Case.objects.filter(resolved_at__gte=period.start, resolved_at__lte=period.end),
                {"resolutions": count_rows()}),
    )
    columns = [Column("visits", str(_("面对面走访"))), Column("responses", str(_("问题首次回应"))),
               Column("resolutions", str(_("问题解决")))]

    def derive(v: dict[str, int]) -> dict[str, Any]:
        return {c.key: v.get(c.key, 0) for c in columns}

    rows, total = _build("interaction", "", place, period, columns, raw, derive, "visits")
    tv = total.values
    t = Theme("interaction", str(_("社工与居民互动")), place, period, columns, rows, total, attention="visits")
    t.headline = [(c.label, tv[c.key], "int") for c in columns]
    t.charts = [_per_child_chart("interaction-by-place", str(_("各{0}互动").format(place.child_label)), rows,
                                 [(c.key, c.label) for c in columns])]
    t.notes.append(str(_("按居村委统计；按社工个人统计尚未提供。")))
    return t


PIVOTS: dict[str, tuple[Any, Callable[[Place, Period], Theme]]] = {
    "portrait": (_("人口画像"), portrait),
    "handling": (_("问题处置"), cases),
    "deliberation": (_("居村民议事"), council),
    "interaction": (_("社工与居民互动"), interaction),
}
