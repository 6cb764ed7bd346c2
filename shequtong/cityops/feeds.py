"""The figures the city operations centre shows (spec §4.2.4; CO-1..CO-4), computed from the source rows.

Each feed is a plain dict that validates against its JSON Schema in `schemas/`
(tests/cityops/test_contract.py). Everything is aggregated: no name, phone, ID
number or address leaves here; free text (titles, steps, results, feedback) goes
through `masking.mask_text`, and counts that could single out a person (health
archives) below `CITYOPS_MIN_COUNT` are suppressed (null, with `suppressed: true`).

A window is a period of whole days ending now, optionally one subdistrict (the
街镇城运中心版). The API caches each answer for `CITYOPS_CACHE_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Q, QuerySet, Sum

from shequtong.boards.models import Post
from shequtong.cases import overdue
from shequtong.cases import rollups as case_rollups
from shequtong.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseRating,
    CaseStep,
    Source,
    Status,
)
from shequtong.common import clock, masking
from shequtong.common.categories import Category
from shequtong.epidemic.models import ArchiveState, HealthArchive, HealthWarning, Report, ReportKind
from shequtong.follows import selectors as follow_selectors
from shequtong.letters.models import Letter
from shequtong.places.models import CommunityStats, Subdistrict

VERSION = "1"
CAROUSEL_SIZE = 20
TOP_TERMS = 20
TEXT_LIMIT = 200
PATROL_LEVELS = (("committee", "居村委", Source.PATROL_COMMITTEE), ("subdistrict", "街镇", Source.PATROL_SUBDISTRICT),
                 ("district", "区", Source.PATROL_DISTRICT))


@dataclass(frozen=True)
class Window:
    since: dt.datetime
    until: dt.datetime
    days: int
    subdistrict_id: int | None = None

    def q(self, field: str = "created_at") -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def place(self, qs: QuerySet[Any], field: str = "subdistrict_id") -> QuerySet[Any]:
        return qs.filter(**{field: self.subdistrict_id}) if self.subdistrict_id else qs

    def header(self) -> dict[str, Any]:
        return {"version": VERSION, "generated_at": clock.now().isoformat(),
                "period": {"from": self.since.isoformat(), "to": self.until.isoformat(), "days": self.days},
                "subdistrict_id": self.subdistrict_id}


def window(days: int = 30, subdistrict_id: int | None = None) -> Window:
    now = clock.now()
    return Window(since=now - dt.timedelta(days=days), until=now, days=days, subdistrict_id=subdistrict_id)


_LONG_DIGITS = re.compile(r"\d{7,}")


def _text(value: str | None) -> str:
    """Free text for a public screen: masked, and any long run of digits masked too.

    `mask_text` recognises whole phone and ID numbers; a title cut from a letter's text may end
    in a truncated one ("联系电话1381234567…") that it cannot recognise, so runs of seven or more
    digits keep only their first three and last two.
    """
    text = masking.mask_text((value or "").strip())
    text = _LONG_DIGITS.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 5) + m.group()[-2:], text)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _subdistricts(w: Window) -> list[Subdistrict]:
    qs = Subdistrict.objects.order_by("id")
    return list(qs.filter(pk=w.subdistrict_id) if w.subdistrict_id else qs)


def _per_subdistrict(w: Window, counts: dict[int, int]) -> list[dict[str, Any]]:
    return [{"id": s.pk, "name": s.name, "count": counts.get(s.pk, 0)} for s in _subdistricts(w)]


def _counts(qs: QuerySet[Any], field: str) -> dict[Any, int]:
    # COUNT(*), not COUNT(id): a covering index (case_open, case_period) answers without the table.
    return {row[field]: row["n"] for row in qs.order_by().values(field).annotate(n=Count("*"))}


def _category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else "未分类"


# --- CO-1 人民信箱 ---------------------------------------------------------------------------------

def letters(w: Window) -> dict[str, Any]:
    qs = w.place(Letter.objects.filter(w.q()))
    by_sub: Counter[int] = Counter()
    by_cat: Counter[str] = Counter()
    for sub, category, n in qs.order_by().values_list("subdistrict_id", "category").annotate(n=Count("*")):
        by_sub[sub] += n
        by_cat[category] += n
    sub_rows = (Letter.subcategories.through.objects.filter(letter__in=qs.values("pk")).order_by()
                .values("subcategory__category", "subcategory__name").annotate(n=Count("*")))
    subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sub_rows:
        subs[row["subcategory__category"]].append({"name": row["subcategory__name"], "count": row["n"]})
    categories = [{"category": code, "label": str(label), "count": by_cat.get(code, 0),
                   "subcategories": sorted(subs.get(code, []), key=lambda r: (-r["count"], r["name"]))}
                  for code, label in Category.choices]
    return {**w.header(), "total": sum(by_sub.values()),
            "all_time_total": w.place(Letter.objects.all()).count(),
            "subdistricts": _per_subdistrict(w, by_sub), "categories": categories,
            "carousel": _carousel(qs)}


def _carousel(qs: QuerySet[Letter]) -> list[dict[str, Any]]:
    rows = list(qs.select_related("case", "case__rating", "community", "subdistrict")
                .only("pk", "title", "category", "created_at", "community__name", "subdistrict__name",
                      "case__status", "case__resolved_at", "case__grid_result", "case__rating__stars",
                      "case__rating__feedback")
                .order_by("-created_at", "-pk")[:CAROUSEL_SIZE])
    case_ids = [r.case_id for r in rows if r.case_id]
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=case_ids).exclude(kind=CaseEvent.Kind.REMINDER).order_by("created_at", "pk"):
        events[e.case_id].append(e)
    out = []
    for letter in rows:
        case = letter.case
        steps = events.get(letter.case_id or 0, [])
        results = [e.note for e in steps if e.kind in (CaseEvent.Kind.RESOLVED, CaseEvent.Kind.GRID_RESULT) and e.note]
        rating = getattr(case, "rating", None) if case else None
        out.append({
            "id": letter.pk, "title": _text(letter.title), "category_label": _category_label(letter.category),
            "subdistrict": letter.subdistrict.name, "community": letter.community.name,
            "created_at": letter.created_at.isoformat(),
            "status": case.status if case else "", "status_label": str(case.get_status_display()) if case else "",
            "history": [{"step": str(e.get_kind_display()), "at": e.created_at.isoformat(), "note": _text(e.note)}
                        for e in steps],
            "result": _text(results[-1]) if results else None,
            "rating": rating.stars if rating else None,
            "feedback": _text(rating.feedback) if rating and rating.feedback else None,
        })
    return out


# --- CO-2 问题跟踪 ---------------------------------------------------------------------------------
# Read from the case rollups (cases/rollups.py), so the feed costs the same on a district's four
# years of cases as on a village's: the cases' counts through one covering index, the handling flow
# from CaseStep (one row a move, exact medians), the words from CaseTermStat plus the days it has
# not counted yet.

def cases(w: Window) -> dict[str, Any]:
    now = clock.now()
    by_status: Counter[str] = Counter()
    by_sub: Counter[int] = Counter()
    open_by_sub: Counter[int] = Counter()
    by_source: Counter[str] = Counter()
    by_cat: Counter[str] = Counter()
    rows = (w.place(Case.objects.filter(w.q())).order_by().values_list("subdistrict_id", "status", "source", "category")
            .annotate(n=Count("*")))
    for sub, status, source, category, n in rows:
        by_status[status] += n
        by_sub[sub] += n
        by_source[source] += n
        by_cat[category] += n
        if status in OPEN_STATUSES:
            open_by_sub[sub] += n
    overdue_by_sub = _counts(w.place(Case.objects.filter(overdue.any_q(now))), "subdistrict_id")
    subdistricts = [{**row, "open": open_by_sub.get(row["id"], 0), "overdue": overdue_by_sub.get(row["id"], 0)}
                    for row in _per_subdistrict(w, by_sub)]
    ranked = sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    categories = [{"category": code or "", "label": _category_label(code), "count": n} for code, n in ranked]
    terms = case_rollups.top_terms(w.since, w.until, w.subdistrict_id, TOP_TERMS)
    return {
        **w.header(), "total": sum(by_status.values()),
        "statuses": [{"status": code, "label": str(label), "count": by_status.get(code, 0)}
                     for code, label in Status.choices],
        "flow": _flow(w),
        "subdistricts": subdistricts,
        "sources": [{"source": code, "label": str(label), "count": by_source.get(code, 0)}
                    for code, label in Source.choices],
        "categories": categories,
        "patrol_levels": [{"level": level, "label": label, "count": by_source.get(source, 0)}
                          for level, label, source in PATROL_LEVELS],
        "concerns": {"categories": categories[:5], "terms": [{"term": t, "count": n} for t, n in terms]},
    }


class _Median(Aggregate):
    """PostgreSQL's exact median (interpolated between the middle two, as statistics.median)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _flow(w: Window) -> list[dict[str, Any]]:
    """Each status transition of the window's cases: how often, and the median hours spent before it.

    The moves and their waits are the CaseStep rollup's (kept by the case services); a case counts
    in the window it was raised in, with every move it has made since.
    """
    steps = w.place(CaseStep.objects.filter(w.q("case_created_at"))).order_by()
    moves: dict[tuple[str, str], tuple[int, float]] = {}
    if connection.vendor == "postgresql":
        for a, b, n, median in steps.values_list("status_from", "status_to").annotate(n=Count("*"), m=_Median("seconds")):
            moves[(a, b)] = (n, median)
    else:
        waits: dict[tuple[str, str], list[float]] = defaultdict(list)
        for a, b, seconds in steps.values_list("status_from", "status_to", "seconds"):
            waits[(a, b)].append(seconds)
        moves = {k: (len(v), statistics.median(v)) for k, v in waits.items()}
    labels = dict(Status.choices)
    return [{"from": a, "from_label": str(labels.get(a, a)), "to": b, "to_label": str(labels.get(b, b)),
             "count": n, "median_hours": round(median / 3600, 1)}
            for (a, b), (n, median) in sorted(moves.items(), key=lambda kv: (-kv[1][0], kv[0]))]


# --- CO-3 治慧中心 -------------------------------------------------------------------------------

def overview(w: Window) -> dict[str, Any]:
    """The headline figures of the observer 数据 themes, and the problems residents care most about."""
    residents = w.place(CommunityStats.objects.all()).aggregate(n=Sum("residents"))["n"] or 0
    cases_qs = w.place(Case.objects.filter(w.q()))
    resolved = cases_qs.filter(status__in=(Status.RESOLVED, Status.CLOSED)).count()
    total_cases = cases_qs.count()
    responded = cases_qs.filter(first_response_at__isnull=False,
                                first_response_at__lte=clock.now()).count()
    ratings = w.place(CaseRating.objects.filter(w.q())).aggregate(n=Count("pk"), avg=Avg("stars"))
    posts = w.place(Post.objects.filter(w.q()), "community__subdistrict_id")
    headline = {
        "residents": residents,
        "posts": posts.count(),
        "letters": w.place(Letter.objects.filter(w.q())).count(),
        "cases": total_cases,
        "cases_resolved": resolved,
        "resolution_rate": round(resolved / total_cases, 3) if total_cases else None,
        "response_rate": round(responded / total_cases, 3) if total_cases else None,
        "overdue_open": w.place(Case.objects.filter(overdue.any_q())).count(),
        "rating_average": round(float(ratings["avg"]), 2) if ratings["n"] else None,
        "ratings": ratings["n"],
    }
    return {**w.header(), "headline": headline, "most_followed_open": _most_followed_open(w),
            "most_liked_resolved": _most_liked_resolved(w)}


def _case_row(case: Case, score: int) -> dict[str, Any]:
    return {"id": case.pk, "title": _text(case.title), "subdistrict": case.subdistrict.name,
            "community": case.community.name, "status_label": str(case.get_status_display()),
            "category_label": _category_label(case.category), "created_at": case.created_at.isoformat(),
            "score": score}


TOP_N = 10


def top_open_cases(w: Window, scores: dict[int, int]) -> list[dict[str, Any]]:
    """The TOP_N open cases of the window's place with the highest score, highest first (then newest).

    `scores` maps a case id to a count (ids may include closed or other places' cases: they are
    left out here). "Top-10 most-followed open problems" passes the counts of people following
    each case (关注, follows.selectors).
    """
    return _top(w.place(Case.objects.filter(status__in=OPEN_STATUSES)), scores)


def _most_followed_open(w: Window) -> list[dict[str, Any]]:
    """Open problems with the most people following them (关注, OB-7): the 200 most-followed, ranked."""
    open_ids = w.place(Case.objects.filter(status__in=OPEN_STATUSES)).values("pk")
    return top_open_cases(w, dict(follow_selectors.most_followed("case", open_ids, 200)))


def _most_liked_resolved(w: Window) -> list[dict[str, Any]]:
    qs = w.place(Case.objects.filter(status__in=(Status.RESOLVED, Status.CLOSED)).filter(w.q("resolved_at")))
    return _top(qs, _post_likes(qs))


def _post_likes(qs: QuerySet[Case]) -> dict[int, int]:
    """Case id → likes of the post it came from, for the 200 most-liked such posts among `qs`."""
    from_posts = qs.filter(origin_type="post", origin_id__isnull=False)
    likes = dict(Post.objects.filter(pk__in=from_posts.values("origin_id"), like_count__gt=0)
                 .order_by("-like_count", "-pk").values_list("pk", "like_count")[:200])
    return {pk: likes[origin] for pk, origin in from_posts.filter(origin_id__in=list(likes)).values_list("pk", "origin_id")
            if origin is not None}


def _top(qs: QuerySet[Case], scores: dict[int, int]) -> list[dict[str, Any]]:
    ranked = sorted(((n, pk) for pk, n in scores.items() if n > 0), reverse=True)
    ids = [pk for _n, pk in ranked]
    rows: list[Case] = []
    for i in range(0, len(ids), 200):  # the best-scored first: usually the first chunk has them all
        chunk = ids[i:i + 200]
        found = {c.pk: c for c in qs.filter(pk__in=chunk).select_related("subdistrict", "community")}
        rows += [found[pk] for pk in chunk if pk in found]
        if len(rows) >= TOP_N:
            break
    return [_case_row(c, scores[c.pk]) for c in rows[:TOP_N]]


# --- CO-4 疫情防控 -------------------------------------------------------------------------------

def _suppressed(n: int) -> int | None:
    return None if 0 < n < settings.CITYOPS_MIN_COUNT else n


def epidemic(w: Window) -> dict[str, Any]:
    reports = w.place(Report.objects.filter(w.q()))
    clues = _counts(reports.filter(kind=ReportKind.CLUE), "subdistrict_id")
    helps = _counts(reports.filter(kind=ReportKind.HELP), "subdistrict_id")
    archives = w.place(HealthArchive.objects.all())
    by_state: dict[int, dict[str, int]] = defaultdict(dict)
    for row in archives.order_by().values("subdistrict_id", "state").annotate(n=Count("pk")):
        by_state[row["subdistrict_id"]][row["state"]] = row["n"]
    warnings = _counts(w.place(HealthWarning.objects.filter(w.q())), "subdistrict_id")
    rows = []
    any_suppressed = False
    for s in _subdistricts(w):
        states = {state: _suppressed(by_state[s.pk].get(state, 0)) for state in ArchiveState.values}
        total = sum(by_state[s.pk].values())
        any_suppressed |= any(v is None for v in states.values()) or _suppressed(total) is None
        rows.append({"id": s.pk, "name": s.name, "clues": clues.get(s.pk, 0), "help_requests": helps.get(s.pk, 0),
                     "archives": _suppressed(total), "archive_states": states,
                     "warnings": _suppressed(warnings.get(s.pk, 0))})
    return {**w.header(), "min_count": settings.CITYOPS_MIN_COUNT, "suppressed": any_suppressed,
            "subdistricts": rows,
            "totals": {"clues": sum(clues.values()), "help_requests": sum(helps.values()),
                       "archives": _suppressed(archives.count())},
            "recent_clues": _recent(reports.filter(kind=ReportKind.CLUE)),
            "recent_help_requests": _recent(reports.filter(kind=ReportKind.HELP))}


def _recent(qs: QuerySet[Report]) -> list[dict[str, Any]]:
    """The latest reports, masked: community level only (no estate, building, room, name or phone)."""
    rows = qs.select_related("subdistrict", "community").only(
        "pk", "content", "status", "created_at", "subdistrict__name", "community__name").order_by("-created_at", "-pk")
    return [{"id": r.pk, "subdistrict": r.subdistrict.name, "community": r.community.name,
             "content": _text(r.content), "status_label": str(r.get_status_display()),
             "created_at": r.created_at.isoformat()} for r in rows[:CAROUSEL_SIZE]]


FEEDS = {"letters": letters, "cases": cases, "overview": overview, "epidemic": epidemic}


def answer(name: str, days: int, subdistrict_id: int | None) -> tuple[bytes, str]:
    """A feed as served: its JSON, and an ETag over its figures (not over the moment they were computed)."""
    data = FEEDS[name](window(days, subdistrict_id))
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    stable = {k: v for k, v in data.items() if k not in ("generated_at", "period")}
    etag = '"' + hashlib.sha256(json.dumps(stable, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32] + '"'
    return body, etag
