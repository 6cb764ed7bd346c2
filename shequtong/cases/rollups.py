"""The rollups behind 问题跟踪 on the city operations centre's screens (cityops CO-2; docs/cityops.md).

- ``CaseStep``: one row a status move, with the time spent before it. Kept by the case
  services (``record_step``, called by ``services._event`` in the transaction of the move),
  so the handling flow (count and exact median per transition) reads one narrow table.
- ``CaseTermStat`` / ``CaseTermDay``: cases per local day, subdistrict and word. A day is
  counted once it is over, by the scheduled job ``cases.term_rollup`` (``close_term_days``);
  the feed counts the days not yet marked (today, and any day the job has not reached) from
  the cases themselves, so its figures never depend on the job having run.

Bulk writers call ``rebuild_steps`` and ``rebuild_terms`` (the full-scale generator), or
``expected_steps``/``write_steps`` for their cases and ``recount_days`` (the history importer). The nightly drift check covers both (observe/rollups.py: "case_steps",
"case_terms"; ``manage.py rebuild_rollups``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from shequtong.common import clock, prepared

from .models import Case, CaseEvent, CaseStep, CaseTermDay, CaseTermStat

# Words too common in residents' problems to say what they are about.
STOP_TERMS = frozenset({
    "小区", "问题", "居民", "我们", "你们", "他们", "这个", "那个", "一个", "没有", "什么", "怎么", "可以", "已经",
    "现在", "还是", "就是", "希望", "情况", "反映", "请问", "谢谢", "麻烦", "一下", "时候", "不是", "这里", "那里",
    "这样", "如何", "为什么", "一直", "非常", "还有", "社区", "居委", "居委会", "村委", "解决", "处理",
    "需要", "意见", "统一", "联系", "联系电话", "电话", "尽快", "及时", "时间", "目前", "一些", "要求", "建议",
})
TERM_MAX = 20  # CaseTermStat.term; a longer "word" is a URL or a run of Latin letters, not a concern
# A day is closed this long after it ended, so transactions that were open at midnight have committed.
CLOSE_MARGIN = dt.timedelta(minutes=10)
BATCH = 2000


# --- steps --------------------------------------------------------------------------------------

def is_move(status_from: str, status_to: str) -> bool:
    """Is an event a status move? (The case being recorded, or a step that keeps the status, is not.)"""
    return bool(status_from and status_to) and status_from != status_to


@prepared.query
def _last_step_at(case_id: int) -> QuerySet[CaseStep, dt.datetime]:
    return CaseStep.objects.filter(case_id=case_id).order_by("-at", "-event_id").values_list("at", flat=True)[:1]


def record_step(event: CaseEvent, case: Case) -> CaseStep | None:
    """Add the step of a just-written event (inside its transaction); nothing for an event that moves nothing."""
    if not is_move(event.status_from, event.status_to):
        return None
    previous = _last_step_at(case.pk)
    start = previous[0] if previous else case.created_at
    return prepared.create(
        CaseStep, event=event, case_id=case.pk, subdistrict_id=case.subdistrict_id, case_created_at=case.created_at,
        status_from=event.status_from, status_to=event.status_to, at=event.created_at,
        seconds=max(0.0, (event.created_at - start).total_seconds()))


def expected_steps(case_ids: Iterable[int] | None = None) -> Iterator[CaseStep]:
    """The steps as the events say (unsaved rows): each case's moves in order, the time since the one before."""
    cases = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=list(case_ids))
    info = {pk: (sub, created) for pk, sub, created in cases.values_list("pk", "subdistrict_id", "created_at")}
    events = CaseEvent.objects.exclude(status_to="").exclude(status_from="")
    if case_ids is not None:
        events = events.filter(case_id__in=list(info))
    moves = (events.order_by("case_id", "created_at", "pk")
             .values_list("pk", "case_id", "status_from", "status_to", "created_at").iterator(chunk_size=BATCH))
    last: dict[int, dt.datetime] = {}
    for pk, case_id, status_from, status_to, at in moves:
        if not is_move(status_from, status_to) or case_id not in info:
            continue
        sub, created = info[case_id]
        start = last.get(case_id) or created
        last[case_id] = at
        yield CaseStep(event_id=pk, case_id=case_id, subdistrict_id=sub, case_created_at=created,
                       status_from=status_from, status_to=status_to, at=at,
                       seconds=max(0.0, (at - start).total_seconds()))


def write_steps(steps: Iterable[CaseStep]) -> int:
    n = 0
    chunk: list[CaseStep] = []
    for step in steps:
        chunk.append(step)
        if len(chunk) >= BATCH:
            CaseStep.objects.bulk_create(chunk)
            n, chunk = n + len(chunk), []
    CaseStep.objects.bulk_create(chunk)
    return n + len(chunk)


# The same steps as expected_steps, in one statement (PostgreSQL): for a bulk load of millions of events.
_REBUILD_SQL = """
INSERT INTO cases_casestep (event_id, case_id, subdistrict_id, case_created_at, status_from, status_to, at, seconds)
SELECT e.id, e.case_id, c.subdistrict_id, c.created_at, e.status_from, e.status_to, e.created_at,
       GREATEST(0, EXTRACT(EPOCH FROM e.created_at - COALESCE(
           LAG(e.created_at) OVER (PARTITION BY e.case_id ORDER BY e.created_at, e.id), c.created_at)))::float8
FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id
WHERE e.status_from <> '' AND e.status_to <> '' AND e.status_from <> e.status_to
"""


def rebuild_steps() -> int:
    """Recompute every step from the events (after a bulk load); returns the rows written."""
    with transaction.atomic():
        CaseStep.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(_REBUILD_SQL)
                return int(cur.rowcount)
        return write_steps(expected_steps())


# --- terms --------------------------------------------------------------------------------------

def terms_of(search_text: str | None) -> set[str]:
    """The words of a case that say what it is about: two characters or more, not a number, not a stop word."""
    return {w for w in (search_text or "").split()
            if 2 <= len(w) <= TERM_MAX and not w.isdigit() and w not in STOP_TERMS}


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of a local day, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def count_terms(cases: Any) -> Counter[tuple[dt.date, int, str]]:
    """(local day, subdistrict, word) → cases, over a queryset of cases."""
    counts: Counter[tuple[dt.date, int, str]] = Counter()
    for created, sub, text in cases.order_by().values_list("created_at", "subdistrict_id", "search_text").iterator(
            chunk_size=BATCH):
        day = timezone.localdate(created)
        for term in terms_of(text):
            counts[(day, sub, term)] += 1
    return counts


def last_closable_day(now: dt.datetime | None = None) -> dt.date:
    """The latest local day that is over (by CLOSE_MARGIN): the job may count it."""
    return timezone.localdate((now or clock.now()) - CLOSE_MARGIN) - dt.timedelta(days=1)


def close_term_days(now: dt.datetime | None = None) -> int:
    """Scheduled: count the cases of every day that is over and not counted yet; returns the days closed.

    Normally that is yesterday, once. On the first run (or after ``rebuild_terms``) it is every day
    since the first case, in one pass over the cases.
    """
    now = now or clock.now()
    last = last_closable_day(now)
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None or timezone.localdate(first) > last:
        return 0
    done = set(CaseTermDay.objects.filter(day__lte=last).values_list("day", flat=True))
    todo = [d for d in _days(timezone.localdate(first), last) if d not in done]
    if not todo:
        return 0
    closed = 0
    for run_first, run_last in runs(todo):
        with transaction.atomic():
            cases = Case.objects.filter(created_at__gte=day_start(run_first),
                                        created_at__lt=day_start(run_last + dt.timedelta(days=1)))
            per_day = Counter(timezone.localdate(c) for c in cases.values_list("created_at", flat=True))
            counts = count_terms(cases)
            CaseTermStat.objects.filter(day__gte=run_first, day__lte=run_last).delete()
            CaseTermStat.objects.bulk_create(
                [CaseTermStat(day=day, subdistrict_id=sub, term=term, cases=n) for (day, sub, term), n in counts.items()],
                batch_size=BATCH)
            CaseTermDay.objects.bulk_create(
                [CaseTermDay(day=d, cases=per_day.get(d, 0), counted_at=now) for d in _days(run_first, run_last)],
                batch_size=BATCH, ignore_conflicts=True)
        closed += (run_last - run_first).days + 1
    return closed


def recount_days(days: Iterable[dt.date], now: dt.datetime | None = None) -> int:
    """Cases were added to these (past) days after they were counted (an import): count them again."""
    again = sorted(set(days))
    if not again:
        return 0
    with transaction.atomic():
        CaseTermStat.objects.filter(day__in=again).delete()
        CaseTermDay.objects.filter(day__in=again).delete()
    return close_term_days(now)


def rebuild_terms(now: dt.datetime | None = None) -> int:
    """Forget every counted day and count them all again (after a bulk load); returns the days closed."""
    with transaction.atomic():
        CaseTermStat.objects.all().delete()
        CaseTermDay.objects.all().delete()
    return close_term_days(now)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) runs."""
    out: list[tuple[dt.date, dt.date]] = []
    for d in sorted(days):
        if out and out[-1][1] + dt.timedelta(days=1) == d:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def top_terms(since: dt.datetime, until: dt.datetime, subdistrict_id: int | None, limit: int) -> list[tuple[str, int]]:
    """The words of most cases raised in [since, until) (one subdistrict, or all), most first, then by word.

    Days wholly inside the period that the job has counted are read from CaseTermStat; the rest of
    the period (its first and last part-days, and any day not counted yet) from the cases.
    """
    first_full = timezone.localdate(since)
    if day_start(first_full) < since:
        first_full += dt.timedelta(days=1)
    last_full = timezone.localdate(until) - dt.timedelta(days=1)  # the day `until` falls in is not over
    counted = list(CaseTermDay.objects.filter(day__gte=first_full, day__lte=last_full).order_by("day")
                   .values_list("day", flat=True)) if first_full <= last_full else []
    totals: Counter[str] = Counter()
    stats = CaseTermStat.objects.filter(day__gte=first_full, day__lte=last_full) if counted else CaseTermStat.objects.none()
    if subdistrict_id:
        stats = stats.filter(subdistrict_id=subdistrict_id)
    for term, n in stats.order_by().values_list("term").annotate(n=Sum("cases")):
        totals[term] += n
    rest = Case.objects.filter(created_at__gte=since, created_at__lt=until)
    if subdistrict_id:
        rest = rest.filter(subdistrict_id=subdistrict_id)
    for run_first, run_last in runs(counted):
        rest = rest.exclude(Q(created_at__gte=day_start(run_first),
                              created_at__lt=day_start(run_last + dt.timedelta(days=1))))
    for text in rest.order_by().values_list("search_text", flat=True):
        totals.update(terms_of(text))
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
