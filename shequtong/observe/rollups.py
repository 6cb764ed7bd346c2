"""The nightly check of the rollups the observer pages read: recompute each from its source rows,
report every difference (drift), and write the recomputed values unless asked only to check.

Rollups covered (each kept by a service in the transaction of its cause):

- ``places.CommunityStats``: residents and party members per community (accounts grants);
- ``cases.RatingStat``: ratings, star total and ratings per star (1–5) per community (case ratings);
- ``letters.LetterStat``: letters per day, community and category (letters);
- ``boards.Post.read_count``: readers per post (boards reads);
- ``cases.CaseStep``: the handling flow's status moves and the time before each (case events);
- ``cases.CaseTermStat``: cases per day, subdistrict and word, for the days marked counted
  (kept by the scheduled job ``cases.term_rollup``, not in the transaction of the case).
- ``places.Estate.covered_households``: distinct (building, room) among an estate's approved
  residents (accounts.households; memberships);
- ``accounts.PopulationStat``: approved memberships per community, sex and birth year
  (accounts.population; 数据透视 · 人口画像), and ``accounts.PopulationDay`` per community and birth date;
- ``accounts.MemberDay``: per community, estate and local day, approved members last signed in then,
  join requests made then and of them approved (accounts.population; 宝山用户数据).
- ``boards.PostDay``: visible posts, 互助 posts, replies and reads per local day, community and board
  (boards.rollups; 数据 · 综合信息 and 思想阵地). Its reads are counted from the ``Read`` rows, not from
  ``Post.read_count``, so a drift of one is reported as itself, not as the other's.

Each is recomputed with grouped queries over its source tables. A drift is
a key whose stored values differ from the recomputed ones (a missing row
counts as zeros, so a lost row and a stray row are both reported).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shequtong.accounts import households, population
from shequtong.accounts.models import (
    MemberDay,
    Membership,
    PopulationDay,
    PopulationStat,
    RoleGrant,
)
from shequtong.accounts.roles import Role
from shequtong.boards import rollups as board_rollups
from shequtong.boards.models import Post, Read
from shequtong.cases import rollups as case_rollups
from shequtong.cases.models import (
    STAR_FIELDS,
    Case,
    CaseRating,
    CaseStep,
    CaseTermDay,
    CaseTermStat,
    RatingStat,
)
from shequtong.letters.models import Letter, LetterStat
from shequtong.places.models import Community, CommunityStats, Estate

Values = dict[str, Any]


@dataclass(frozen=True)
class Drift:
    rollup: str
    key: Any
    stored: Values
    expected: Values

    def __str__(self) -> str:
        return f"{self.rollup} {self.key}: stored {self.stored}, source says {self.expected}"


def _diff(name: str, stored: dict[Any, Values], expected: dict[Any, Values], fields: tuple[str, ...]) -> list[Drift]:
    zero = dict.fromkeys(fields, 0)
    out = []
    for key in sorted(set(stored) | set(expected), key=str):
        s, e = {**zero, **stored.get(key, {})}, {**zero, **expected.get(key, {})}
        if s != e:
            out.append(Drift(name, key, s, e))
    return out


# --- per rollup: (stored, expected, write) --------------------------------------------

def _community_stats() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored: dict[Any, Values] = {
        pk: {"residents": a, "party_members": b}
        for pk, a, b in CommunityStats.objects.values_list("community_id", "residents", "party_members")}
    expected: dict[Any, Values] = {}
    grants = (RoleGrant.objects.filter(community__isnull=False, role__in=(Role.RESIDENT, Role.PARTY_MEMBER))
              .order_by().values("community_id", "role").annotate(n=Count("pk")))
    for row in grants:
        field = "residents" if row["role"] == Role.RESIDENT else "party_members"
        expected.setdefault(row["community_id"], {})[field] = row["n"]

    def write(drifts: list[Drift]) -> None:
        subs = dict(Community.objects.filter(pk__in=[d.key for d in drifts]).values_list("pk", "subdistrict_id"))
        for d in drifts:
            CommunityStats.objects.update_or_create(community_id=d.key, defaults={**d.expected, "subdistrict_id": subs[d.key]})

    return stored, expected, write


RATING_FIELDS = ("ratings", "stars_total", *STAR_FIELDS)


def _rating_stats() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored: dict[Any, Values] = {
        r.pop("community_id"): r for r in RatingStat.objects.values("community_id", *RATING_FIELDS)}
    per_star = {f: Count("pk", filter=Q(stars=i)) for i, f in enumerate(STAR_FIELDS, 1)}
    expected: dict[Any, Values] = {
        r.pop("community_id"): {**r, "stars_total": r["stars_total"] or 0}
        for r in CaseRating.objects.order_by().values("community_id").annotate(
            ratings=Count("pk"), stars_total=Sum("stars"), **per_star)}

    def write(drifts: list[Drift]) -> None:
        subs = dict(Community.objects.filter(pk__in=[d.key for d in drifts]).values_list("pk", "subdistrict_id"))
        for d in drifts:
            RatingStat.objects.update_or_create(community_id=d.key, defaults={**d.expected, "subdistrict_id": subs[d.key]})

    return stored, expected, write


def _letter_stats() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {(r["day"], r["community_id"], r["category"]): {"letters": r["letters"]}
              for r in LetterStat.objects.values("day", "community_id", "category", "letters")}
    rows = (Letter.objects.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .order_by().values("day", "community_id", "category").annotate(n=Count("pk")))
    expected = {(r["day"], r["community_id"], r["category"]): {"letters": r["n"]} for r in rows}

    def write(drifts: list[Drift]) -> None:
        subs = dict(Community.objects.filter(pk__in=[d.key[1] for d in drifts]).values_list("pk", "subdistrict_id"))
        for d in drifts:
            day, community_id, category = d.key
            LetterStat.objects.update_or_create(day=day, community_id=community_id, category=category,
                                                defaults={**d.expected, "subdistrict_id": subs[community_id]})

    return stored, expected, write


def _read_counts() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {pk: {"read_count": n} for pk, n in Post.objects.filter(read_count__gt=0).values_list("pk", "read_count")}
    expected = {r["post_id"]: {"read_count": r["n"]} for r in Read.objects.order_by().values("post_id").annotate(n=Count("pk"))}

    def write(drifts: list[Drift]) -> None:
        for d in drifts:
            Post.objects.filter(pk=d.key).update(read_count=d.expected["read_count"])

    return stored, expected, write


STEP_FIELDS = ("case_id", "subdistrict_id", "case_created_at", "status_from", "status_to", "at", "seconds")


def _case_steps() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {r["event_id"]: {f: r[f] for f in STEP_FIELDS} for r in CaseStep.objects.values("event_id", *STEP_FIELDS)}
    expected = {s.event_id: {f: getattr(s, f) for f in STEP_FIELDS} for s in case_rollups.expected_steps()}

    def write(drifts: list[Drift]) -> None:
        keys = [d.key for d in drifts]
        for i in range(0, len(keys), 1000):
            CaseStep.objects.filter(pk__in=keys[i:i + 1000]).delete()
        case_rollups.write_steps(CaseStep(event_id=d.key, **d.expected) for d in drifts if d.key in expected)

    return stored, expected, write


def _case_terms() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    days = sorted(CaseTermDay.objects.values_list("day", flat=True))
    stored = {(r["day"], r["subdistrict_id"], r["term"]): {"cases": r["cases"]}
              for r in CaseTermStat.objects.values("day", "subdistrict_id", "term", "cases")}
    expected: dict[Any, Values] = {}
    for first, last in case_rollups.runs(days):
        cases = Case.objects.filter(created_at__gte=case_rollups.day_start(first),
                                    created_at__lt=case_rollups.day_start(last + dt.timedelta(days=1)))
        expected.update({key: {"cases": n} for key, n in case_rollups.count_terms(cases).items()})

    def write(drifts: list[Drift]) -> None:
        for d in drifts:
            day, sub, term = d.key
            if d.expected["cases"]:
                CaseTermStat.objects.update_or_create(day=day, subdistrict_id=sub, term=term, defaults=d.expected)
            else:
                CaseTermStat.objects.filter(day=day, subdistrict_id=sub, term=term).delete()

    return stored, expected, write


def _covered_households() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {pk: {"covered_households": n}
              for pk, n in Estate.objects.filter(covered_households__gt=0).values_list("pk", "covered_households")}
    expected = {pk: {"covered_households": n} for pk, n in households.covered_counts(Membership.objects.all()).items()}

    def write(drifts: list[Drift]) -> None:
        for d in drifts:
            Estate.objects.filter(pk=d.key).update(covered_households=d.expected["covered_households"])

    return stored, expected, write


def _population_stats() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {(r.community_id, r.sex, r.birth_year): {"people": r.people} for r in PopulationStat.objects.all()}
    expected = {k: {"people": n} for k, n in population.counts(Membership.objects.all()).items()}

    def write(drifts: list[Drift]) -> None:
        population.refresh(d.key[0] for d in drifts)

    return stored, expected, write


def _population_days() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {(c, d): {"people": n} for c, d, n in PopulationDay.objects.values_list("community_id", "birth_date", "people")}
    expected = {k: {"people": n} for k, n in population.day_counts(Membership.objects.all()).items()}

    def write(drifts: list[Drift]) -> None:
        population.refresh(d.key[0] for d in drifts)

    return stored, expected, write


def _member_days() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored = {(r["community_id"], r["estate_id"], r["day"]): {f: r[f] for f in population.MEMBER_FIELDS}
              for r in MemberDay.objects.values("community_id", "estate_id", "day", *population.MEMBER_FIELDS)}
    expected = population.member_days(Membership.objects.all())

    def write(drifts: list[Drift]) -> None:
        population.refresh_members(d.key[0] for d in drifts)

    return stored, expected, write


def _post_days() -> tuple[dict[Any, Values], dict[Any, Values], Callable[[list[Drift]], None]]:
    stored, ids = board_rollups.stored()
    expected: dict[Any, Values] = dict(board_rollups.expected())

    def write(drifts: list[Drift]) -> None:
        board_rollups.write({d.key: {f: d.expected[f] for f in board_rollups.FIELDS} for d in drifts}, ids)

    return dict(stored), expected, write


ROLLUPS: dict[str, tuple[Callable[[], Any], tuple[str, ...]]] = {
    "community_stats": (_community_stats, ("residents", "party_members")),
    "rating_stats": (_rating_stats, RATING_FIELDS),
    "letter_stats": (_letter_stats, ("letters",)),
    "read_counts": (_read_counts, ("read_count",)),
    "case_steps": (_case_steps, STEP_FIELDS),
    "case_terms": (_case_terms, ("cases",)),
    "covered_households": (_covered_households, ("covered_households",)),
    "population_stats": (_population_stats, ("people",)),
    "population_days": (_population_days, ("people",)),
    "member_days": (_member_days, population.MEMBER_FIELDS),
    "post_days": (_post_days, board_rollups.FIELDS),
}


def rebuild(*, only: tuple[str, ...] = (), check: bool = False) -> list[Drift]:
    """Recompute the rollups, return every drift found, and (unless `check`) write the recomputed values."""
    found: list[Drift] = []
    for name, (load, fields) in ROLLUPS.items():
        if only and name not in only:
            continue
        with transaction.atomic():
            stored, expected, write = load()
            drifts = _diff(name, stored, expected, fields)
            if drifts and not check:
                write(drifts)
        found += drifts
    return found
