"""Every read of cases, scoped by jurisdiction.

Who sees which cases:
- the committee ("committee" capability): its community's cases, to handle them;
- subdistrict/district patrol staff ("patrol"): every case in their area;
- the resident who raised a case: that case (我的问题).
One case at a time is fetched and authorised by ``policies.access_case``; places
by ``accounts.scope.community_in_scope``/``subdistrict_in_scope``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest

from shequtong.accounts import audit, scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.accounts.roles import Version
from shequtong.common import clock, prepared, versioned
from shequtong.notifications.models import Outbox
from shequtong.places.models import Subdistrict

from . import overdue
from .models import OPEN_STATUSES, Case, CaseEvent, CaseRating, RatingStat, Status
from .policies import VIEW_CAPABILITIES, CaseAccess, access_case

# The hats under which staff list cases are the ones under which they see one (policies.py).
LIST_CAPABILITIES = VIEW_CAPABILITIES


def list_capability(user: User) -> str | None:
    """Which hat the user wears on the case lists: the committee's or the patrol's.

    A person with both (rare) gets the one of the version they are using.
    """
    committee = scope.has_capability(user, "committee")
    patrol = scope.has_capability(user, "patrol")
    if committee and (not patrol or scope.current_version(user) == Version.COMMITTEE):
        return "committee"
    if patrol:
        return "patrol"
    return None


def _base() -> QuerySet[Case]:
    # The raiser is shown by name only: their encrypted fields stay in the database (no decryption per row).
    return Case.objects.select_related("community", "subdistrict", "raised_by", "rating").defer(
        *private_fields_of("raised_by"))


def cases_for(user: User, capability: str | None = None) -> QuerySet[Case]:
    capability = capability or list_capability(user)
    if capability not in LIST_CAPABILITIES:
        return Case.objects.none()
    return scope.scope_for(user, capability).filter(_base())


# What a row of the staff lists shows (cases/jinja2/cases/_item.jinja): the page reads these columns
# only, not the case's texts, its search words nor the raiser's account (a third of the row's CPU
# went to turning unused timestamps into datetimes).
LIST_FIELDS = (
    "title", "status", "source", "category", "send_state", "first_response_at", "created_at",
    "community", "community__name", "subdistrict", "subdistrict__name",
    "raised_by", "raised_by__masked_name", "raised_by__username", "rating", "rating__stars",
)


@prepared.query
def _scoped_rows(community_ids: list[int], subdistrict_ids: list[int], *, everything: bool, start: int,
                 stop: int) -> QuerySet[Case]:
    area = scope.Scope(everything=everything, subdistrict_ids=frozenset(subdistrict_ids),
                       community_ids=frozenset(community_ids))
    return area.filter(_base()).only(*LIST_FIELDS)[start:stop]


def case_rows(user: User, capability: str, start: int, stop: int) -> list[Case]:
    """``cases_for(user, capability)[start:stop]`` (no filter), its SQL compiled once per shape."""
    if capability not in LIST_CAPABILITIES:
        return []
    area = scope.scope_for(user, capability)
    return _scoped_rows(sorted(area.community_ids), sorted(area.subdistrict_ids),  # type: ignore[no-any-return]
                        everything=area.everything, start=start, stop=stop)


@prepared.count
def _scoped_count(community_ids: list[int], subdistrict_ids: list[int], *, everything: bool) -> QuerySet[Case]:
    area = scope.Scope(everything=everything, subdistrict_ids=frozenset(subdistrict_ids),
                       community_ids=frozenset(community_ids))
    return area.filter(Case.objects.all())


def case_count(user: User, capability: str) -> int:
    """``cases_for(user, capability).count()`` (no filter, the pager's total), its SQL compiled once per shape."""
    if capability not in LIST_CAPABILITIES:
        return 0
    area = scope.scope_for(user, capability)
    return _scoped_count(sorted(area.community_ids), sorted(area.subdistrict_ids), everything=area.everything)


@dataclass(frozen=True)
class CaseFilter:
    """The filters of every case list (CT-3): status incl. the overdue buckets, source, tag, keyword, place, time."""

    status: str = ""
    source: str = ""
    category: str = ""
    q: str = ""
    subdistrict_id: int | None = None
    community_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items() if v not in ("", None)}


def filter_cases(qs: QuerySet[Case], f: CaseFilter, now: dt.datetime | None = None) -> QuerySet[Case]:
    now = now or clock.now()
    if f.status in overdue.Overdue.values:
        qs = qs.filter(overdue.q(f.status, now))
    elif f.status == "overdue":
        qs = qs.filter(overdue.any_q(now))
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.category == "none":
        qs = qs.filter(category="")
    elif f.category:
        qs = qs.filter(category=f.category)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(content__icontains=f.q))
    if f.subdistrict_id:
        qs = qs.filter(subdistrict_id=f.subdistrict_id)
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    qs = clock.within_days(qs, f.date_from, f.date_to)
    return qs


@prepared.aggregate
def _bucket_counts(community_ids: list[int], subdistrict_ids: list[int], cutoffs: list[dt.datetime], *,
                   everything: bool) -> tuple[QuerySet[Case], dict[str, Count]]:
    area = scope.Scope(everything=everything, subdistrict_ids=frozenset(subdistrict_ids),
                       community_ids=frozenset(community_ids))
    aggregates = {f"b{i}": Count("created_at", filter=overdue.q(b.value, at=cutoffs)) for i, b in enumerate(overdue.Overdue)}
    # Every bucket holds open cases only: the partial index case_open answers this alone
    # (created_at is counted rather than the key because the index carries it).
    return area.filter(Case.objects.filter(status__in=overdue.OPEN)).order_by(), aggregates


def bucket_counts(user: User, capability: str, now: dt.datetime) -> dict[str, int]:
    """How many cases of the user's list (``cases_for``) sit in each overdue bucket: one pass over the rows,
    not one per bucket, its SQL compiled once per shape (common/prepared.py)."""
    if capability not in LIST_CAPABILITIES:
        return dict.fromkeys(overdue.Overdue.values, 0)
    area = scope.scope_for(user, capability)
    row = _bucket_counts(sorted(area.community_ids), sorted(area.subdistrict_ids), overdue.cutoffs(now),
                         everything=area.everything)
    return {b.value: row[f"b{i}"] for i, b in enumerate(overdue.Overdue)}


def overdue_count(user: User, capability: str = "committee") -> int:
    """The badge on 问题提醒: cases in the user's area in any overdue bucket (an indexed count)."""
    if not scope.has_capability(user, capability):
        return 0
    return scope.scope_for(user, capability).filter(Case.objects.filter(overdue.any_q())).count()


def waiting_count(user: User, capability: str = "committee") -> int:
    """The badge on 问题提醒: cases in the user's area 待受理, which the list opens on (an indexed count)."""
    if not scope.has_capability(user, capability):
        return 0
    return scope.scope_for(user, capability).filter(Case.objects.filter(status=Status.NEW)).count()


def history(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created_at", "id")


def escalation_delivery(case: Case) -> Outbox | None:
    """The outbox row of the case's latest escalation (attempts, next try, last error)."""
    if not case.escalation_key:
        return None
    return Outbox.objects.filter(idempotency_key=case.escalation_key).first()


def escalation_attempts(case: Case) -> list[Any]:
    """The delivery log of the case's latest escalation: its submit attempts and the polls of its grid request."""
    from shequtong.notifications.selectors import escalation_attempts as attempts

    return attempts(idempotency_key=case.escalation_key, external_id=case.external_id)


def my_cases(user: User) -> QuerySet[Case]:
    return _base().filter(raised_by=user)


def open_raised_count(user: User) -> int:
    """How many of the person's own problems are still open (their home page, every visit)."""
    return versioned.remember(f"cases-open-raised:{user.pk}", [raised_dep(user.pk)],
                              lambda: Case.objects.filter(raised_by=user, status__in=OPEN_STATUSES).count())


@prepared.query
def _open_raised_rows(user_id: int, *, limit: int) -> QuerySet[Case]:
    # What the home's 我的待办 shows of each: no join, four columns.
    return (Case.objects.filter(raised_by_id=user_id, status__in=OPEN_STATUSES)
            .only("title", "status", "source", "created_at").order_by("-created_at", "-id")[:limit])


def open_raised_rows(user: User, limit: int = 3) -> list[Case]:
    """The person's newest open problems (their home page), SQL compiled once (common/prepared.py)."""
    return _open_raised_rows(user.pk, limit=limit)  # type: ignore[no-any-return]


def raised_dep(user_id: int) -> str:
    """Touched by any save or delete of a case the person raised (apps.py)."""
    return f"cases-raised:{user_id}"


# --- Ratings (CT-7) ---------------------------------------------------------------

def rating_stat(community_id: int) -> RatingStat | None:
    return RatingStat.objects.filter(pk=community_id).first()


def _avg(stars: int | None, count: int | None) -> float | None:
    return (stars or 0) / count if count else None


def subdistrict_averages(user: User) -> list[dict[str, Any]]:
    """Per subdistrict in the patrol scope: ratings and average (from the rollup)."""
    s = scope.scope_for(user, "patrol")
    rows = {
        r["subdistrict_id"]: r
        for r in s.filter(RatingStat.objects.all()).values("subdistrict_id").annotate(n=Sum("ratings"), total=Sum("stars_total"))
    }
    out = []
    for sub in s.subdistricts():
        r = rows.get(sub.pk, {})
        out.append({"subdistrict": sub, "ratings": r.get("n") or 0, "average": _avg(r.get("total"), r.get("n"))})
    return out


def community_averages(user: User, subdistrict: Subdistrict | None = None) -> list[dict[str, Any]]:
    """Per community in the patrol scope (optionally one subdistrict): ratings and average."""
    s = scope.scope_for(user, "patrol")
    communities = s.communities().select_related("rating_stat").order_by("subdistrict_id", "id")
    if subdistrict is not None:
        communities = communities.filter(subdistrict=subdistrict)
    out = []
    for c in communities:
        stat = getattr(c, "rating_stat", None)
        out.append({"community": c, "ratings": stat.ratings if stat else 0, "average": stat.average if stat else None})
    return out


def overall_average(user: User, capability: str) -> dict[str, Any]:
    agg = scope.scope_for(user, capability).filter(RatingStat.objects.all()).aggregate(n=Sum("ratings"), total=Sum("stars_total"))
    return {"ratings": agg["n"] or 0, "average": _avg(agg["total"], agg["n"])}


def ratings_for(user: User, capability: str, *, community_id: int | None = None,
                subdistrict_id: int | None = None) -> QuerySet[CaseRating]:
    qs = scope.scope_for(user, capability).filter(CaseRating.objects.select_related("case", "community", "rater"))
    if community_id:
        qs = qs.filter(community_id=community_id)
    if subdistrict_id:
        qs = qs.filter(subdistrict_id=subdistrict_id)
    return qs.order_by("-created_at", "-id")


def filter_choices(user: User, capability: str, subdistrict_id: int | None = None) -> dict[str, Any]:
    """Places the list's subdistrict/community selectors offer (communities of one subdistrict at a time)."""
    if capability != "patrol":  # a committee's list has no place selectors: no query
        return {"subdistricts": [], "communities": []}
    s = scope.scope_for(user, capability)
    subs = list(s.subdistricts())
    if subdistrict_id is None and len(subs) == 1:
        subdistrict_id = subs[0].pk
    communities = (
        list(s.communities().filter(subdistrict_id=subdistrict_id).only("id", "name", "subdistrict_id").order_by("id"))
        if subdistrict_id else []
    )
    return {"subdistricts": subs if len(subs) > 1 else [], "communities": communities}


def read_case(actor: User, case_id: int, *, request: HttpRequest | None = None) -> tuple[Case, CaseAccess]:
    """Open a case for reading: authorised by the policy, and the read is audited (one INSERT)."""
    case, case_access = access_case(actor, case_id)
    audit.record_read(actor=actor, target=case, request=request)
    return case, case_access


def case_texts(ids: list[int]) -> dict[int, str]:
    """The text of cases, for 政策找人's demand profiles (common/hooks.py "Text sources")."""
    return {pk: f"{title}\n{content}" for pk, title, content in
            Case.objects.filter(pk__in=ids).values_list("id", "title", "content")}
