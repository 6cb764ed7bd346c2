"""人口画像's rollup: approved memberships per community, sex and birth year (``PopulationStat``).

Ages change every day, so the rollup keeps the birth *year*: a resident's age band
follows from the year except in the year of a band's boundary, where the birthday
decides (``observe.figures.portrait`` counts those few from the source rows).

``refresh(community_ids)`` recomputes the rows of these communities from the
memberships; call it inside the transaction of any change of an approved membership
(review, import, merge). Birth date and sex are set once, at registration, before
any membership. The nightly ``rebuild_rollups`` compares every row with the source.

The same refresh keeps ``MemberDay`` (per community, estate and local day: members last signed
in, join requests made, of them approved; 宝山用户数据). A join request and a sign-in change only
that one, so ``refresh_members`` recomputes it alone (accounts.services, accounts.signals).

Every write here touches what ``observe.figures`` keeps (``common.versioned``) when it changes it:
``POPULATION_CHANGED`` for any row of the two population tables (人口画像 keeps its district and
subdistrict sums), ``MEMBERS_PAST_CHANGED`` for the requests or approvals of a day before today
(宝山用户数据 keeps those days' sums; today's row and ``active`` are read on every view).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.utils import timezone

from shequtong.common import clock, versioned
from shequtong.common.counting import count_rows
from shequtong.places.models import Community

from .models import MemberDay, Membership, PopulationDay, PopulationStat

Key = tuple[int, str, int]  # (community, sex, birth year; 0 = not stored)
DayKey = tuple[int, Any]  # (community, birth date)
MemberKey = tuple[int, int | None, Any]  # (community, estate, local day)
MEMBER_FIELDS = ("active", "requested", "approved")
POPULATION_CHANGED = "accounts:population"
MEMBERS_PAST_CHANGED = "accounts:member-days-past"
_PAST_FIELDS = ("requested", "approved")


def counts(memberships: QuerySet[Membership]) -> dict[Key, int]:
    """Approved memberships among `memberships` per (community, sex, birth year): one grouped query."""
    rows = (memberships.filter(status=Membership.Status.APPROVED).order_by()
            .annotate(year=Coalesce(ExtractYear("user__birth_date"), 0))
            .values("community_id", "user__sex", "year").annotate(n=Count("pk")))
    return {(r["community_id"], r["user__sex"] or "", r["year"]): r["n"] for r in rows}


def day_counts(memberships: QuerySet[Membership]) -> dict[DayKey, int]:
    """Approved memberships with a stored birth date per (community, birth date)."""
    rows = (memberships.filter(status=Membership.Status.APPROVED, user__birth_date__isnull=False).order_by()
            .values("community_id", "user__birth_date").annotate(n=Count("pk")))
    return {(r["community_id"], r["user__birth_date"]): r["n"] for r in rows}


def member_days(memberships: QuerySet[Membership]) -> dict[MemberKey, dict[str, int]]:
    """The ``MemberDay`` rows of `memberships`: approved members by the local day of their last sign-in
    (``active``), and requests by the local day they were made (``requested``, of them ``approved``)."""
    tz = timezone.get_current_timezone()
    out: dict[MemberKey, dict[str, int]] = {}
    signed_in = (memberships.filter(status=Membership.Status.APPROVED, user__last_login__isnull=False).order_by()
                 .annotate(day=TruncDate("user__last_login", tzinfo=tz))
                 .values("community_id", "estate_id", "day").annotate(n=count_rows()))
    for r in signed_in:
        out.setdefault((r["community_id"], r["estate_id"], r["day"]), dict.fromkeys(MEMBER_FIELDS, 0))["active"] = r["n"]
    requests = (memberships.order_by().annotate(day=TruncDate("requested_at", tzinfo=tz))
                .values("community_id", "estate_id", "day")
                .annotate(n=count_rows(), ok=count_rows(filter=Q(status=Membership.Status.APPROVED))))
    for r in requests:
        row = out.setdefault((r["community_id"], r["estate_id"], r["day"]), dict.fromkeys(MEMBER_FIELDS, 0))
        row["requested"], row["approved"] = r["n"], r["ok"]
    return out


def _lock(community_ids: Iterable[int | None]) -> tuple[list[int], dict[int, Any]]:
    ids = sorted({i for i in community_ids if i is not None})
    if not ids:
        return ids, {}
    subs = dict(Community.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "subdistrict_id"))
    return ids, subs


def refresh(community_ids: Iterable[int | None]) -> None:
    """Recompute the rollup rows of these communities (locked, so concurrent refreshes queue)."""
    ids, subs = _lock(community_ids)
    if not ids:
        return
    fresh = counts(Membership.objects.filter(community_id__in=ids))
    write(fresh, subs, PopulationStat.objects.filter(community_id__in=ids))
    write_days(day_counts(Membership.objects.filter(community_id__in=ids)), subs,
               PopulationDay.objects.filter(community_id__in=ids))
    _write_members(ids, subs)


def refresh_members(community_ids: Iterable[int | None]) -> None:
    """Recompute only the ``MemberDay`` rows of these communities: what a join request or a sign-in changes
    (one community's ~1,400 memberships grouped, the few changed rows written)."""
    ids, subs = _lock(community_ids)
    if ids:
        _write_members(ids, subs)


def _write_members(ids: list[int], subs: dict[int, Any]) -> None:
    fresh = member_days(Membership.objects.filter(community_id__in=ids))
    stored = {(r.community_id, r.estate_id, r.day): r for r in MemberDay.objects.filter(community_id__in=ids)}
    gone = [r for k, r in stored.items() if k not in fresh]
    MemberDay.objects.filter(pk__in=[r.pk for r in gone]).delete()
    today = clock.today()
    past_changed = any(r.day < today and any(getattr(r, f) for f in _PAST_FIELDS) for r in gone)
    changed = []
    for k, values in fresh.items():
        row = stored.get(k)
        if row is not None and any(getattr(row, f) != values[f] for f in MEMBER_FIELDS):
            past_changed = past_changed or (row.day < today and any(getattr(row, f) != values[f] for f in _PAST_FIELDS))
            for f in MEMBER_FIELDS:
                setattr(row, f, values[f])
            changed.append(row)
        elif row is None and k[2] < today and any(values[f] for f in _PAST_FIELDS):
            past_changed = True
    if past_changed:
        versioned.touch(MEMBERS_PAST_CHANGED)
    MemberDay.objects.bulk_update(changed, list(MEMBER_FIELDS), batch_size=1000)
    MemberDay.objects.bulk_create([MemberDay(community_id=k[0], subdistrict_id=subs[k[0]], estate_id=k[1], day=k[2], **v)
                                   for k, v in fresh.items() if k not in stored], batch_size=1000)


def write(fresh: dict[Key, int], subs: dict[int, Any], existing: QuerySet[PopulationStat]) -> None:
    """Make `existing` rows equal `fresh`: update the changed, delete the gone, insert the new."""
    _sync(PopulationStat, ("sex", "birth_year"), fresh, subs, existing)


def write_days(fresh: dict[DayKey, int], subs: dict[int, Any], existing: QuerySet[PopulationDay]) -> None:
    _sync(PopulationDay, ("birth_date",), fresh, subs, existing)


def _sync(model: Any, fields: tuple[str, ...], fresh: dict[Any, int], subs: dict[int, Any], existing: QuerySet[Any]) -> None:
    """Rows keyed by (community, *fields) with a `people` count: one copy of the update/delete/insert."""
    stored = {(r.community_id, *(getattr(r, f) for f in fields)): r for r in existing}
    gone = [r.pk for k, r in stored.items() if k not in fresh]
    if gone:
        model.objects.filter(pk__in=gone).delete()
    changed = []
    for k, n in fresh.items():
        row = stored.get(k)
        if row is not None and row.people != n:
            row.people = n
            changed.append(row)
    if gone or changed or any(k not in stored for k in fresh):
        versioned.touch(POPULATION_CHANGED)
    model.objects.bulk_update(changed, ["people"], batch_size=1000)
    model.objects.bulk_create(
        [model(community_id=k[0], subdistrict_id=subs[k[0]], people=n, **dict(zip(fields, k[1:], strict=True)))
         for k, n in fresh.items() if k not in stored], batch_size=1000)
