"""户覆盖率 (§3.2: "力争达到 80% 的家庭覆盖率"): registered households per estate and the households covered.

- The denominator is ``Estate.households``: the 户数 a committee registers for each
  小区/村民小组 (or an import brings). Committee staff set it for the estates of their
  own community, system administrators for any; every change is audit-logged. An
  estate without a registered figure has no coverage (it is left out of the
  denominator *and* the numerator of every sum above it).
- A covered household is one distinct (building, room) among the approved
  residents of an estate (``Membership`` approved, with a 室号). Residents who
  gave no room cannot be told apart and are not counted.
- ``Estate.covered_households`` is the rollup of that count: ``refresh_covered``
  recomputes it for the estates a change touched, in the change's transaction
  (a membership approved, an import), and ``observe.rollups`` rebuilds it nightly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest

from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.places.models import Community, Estate

from . import audit, scope
from .models import AuditEvent, Membership, User

CAPABILITY = "households"
INDICATOR = 80  # percent of households (§3.2)
MAX_HOUSEHOLDS = 100_000
_SEP = "\x1f"  # between building and room: no typed text contains it


def covered_q() -> Q:
    """The memberships that identify a household: approved, in an estate, with a room."""
    return Q(status=Membership.Status.APPROVED, estate__isnull=False) & ~Q(room="")


def household_key() -> Concat:
    return Concat("building", Value(_SEP), "room")


def covered_counts(memberships: QuerySet[Membership], key: str = "estate_id") -> dict[int | None, int]:
    """Distinct households among `memberships` grouped by `key` (one grouped COUNT(DISTINCT …))."""
    rows = (memberships.filter(covered_q()).order_by().values(key)
            .annotate(n=Count(household_key(), distinct=True)))
    return {r[key]: r["n"] for r in rows}


def refresh_covered(estate_ids: Iterable[int | None]) -> None:
    """Recompute the rollup for these estates; call inside the transaction of the change."""
    ids = sorted({i for i in estate_ids if i is not None})
    if not ids:
        return
    counts = covered_counts(Membership.objects.filter(estate_id__in=ids))
    for estate in Estate.objects.select_for_update().filter(pk__in=ids).only("pk", "covered_households"):
        n = counts.get(estate.pk, 0)
        if estate.covered_households != n:
            Estate.objects.filter(pk=estate.pk).update(covered_households=n)


# --- the page: registered 户数 per estate ---------------------------------------------------

@dataclass
class EstateRow:
    estate: Estate
    covered: int

    @property
    def rate(self) -> float | None:
        h = self.estate.households
        return round(self.covered * 100 / h, 1) if h else None


def editable_communities(user: User) -> QuerySet[Community]:
    return scope.scope_for(user, CAPABILITY).communities().select_related("subdistrict").order_by("subdistrict_id", "id")


def community_for(user: User, community_id: int) -> Community:
    return scope.community_in_scope(user, CAPABILITY, community_id)


def estate_rows(user: User, community: Community) -> list[EstateRow]:
    """A community's estates with their registered 户数 and covered households (scope-checked)."""
    if not scope.scope_for(user, CAPABILITY).covers(community_id=community.pk):
        raise NotFound("该居村委不存在或不在您的管辖范围内")
    return [EstateRow(e, e.covered_households) for e in Estate.objects.filter(community=community).order_by("id")]


def set_households(*, actor: User, community_id: int, values: dict[int, int | None],
                   request: HttpRequest | None = None) -> int:
    """Register the 户数 of a community's estates ({estate id: count or None}); returns how many changed.

    Committee staff of the community or a system administrator; estates of another
    community are refused like missing ones. One audit event names every change.
    """
    with transaction.atomic():
        community = scope.community_in_scope(actor, CAPABILITY, community_id)
        estates = {e.pk: e for e in Estate.objects.select_for_update().filter(community=community)}
        for pk, n in values.items():
            if pk not in estates:
                raise NotFound("该小区/村民小组不存在或不在您的管辖范围内")
            if n is not None and not 0 <= n <= MAX_HOUSEHOLDS:
                raise ValidationFailed(f"{estates[pk].name}的户数应在0到{MAX_HOUSEHOLDS}之间", field=f"households_{pk}")
        changes = []
        for pk, n in sorted(values.items()):
            old = estates[pk].households
            if old != n:
                Estate.objects.filter(pk=pk).update(households=n)
                changes.append({"estate": pk, "name": estates[pk].name, "from": old, "to": n})
        if changes:
            audit.record(AuditEvent.Action.PLACE, actor=actor, target=community, request=request,
                         detail={"what": "households", "changes": changes})
        return len(changes)
