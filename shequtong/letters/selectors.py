"""Reads of 人民信箱: one's own letters, and the observers' drill-down over the rollup.

One letter at a time is fetched and authorised by ``policies.access_letter``;
places by ``accounts.scope.community_in_scope``/``subdistrict_in_scope``.

Observer counts come from `LetterStat` (per day, community, category), never
from COUNT(*) over letters: per subdistrict, per community, per category and
per category × subdistrict are GROUP BYs of the rollup (ARCHITECTURE rule 7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest

from shequtong.accounts import audit, scope
from shequtong.accounts.models import User
from shequtong.accounts.roles import Version
from shequtong.common import clock, prepared, versioned
from shequtong.common.categories import Category
from shequtong.places.models import Community, Subdistrict

from .models import Letter, LetterStat, SubCategory
from .policies import OBSERVE, LetterAccess, access_letter


def writer_for(user: User) -> tuple[Community | None, bool]:
    """Where and as whom the user writes: the committee in the 居委版, else a resident of their community.

    Observers get (None, False): they cannot submit (LB-5).
    """
    if scope.current_version(user) == Version.COMMITTEE and scope.has_capability(user, "committee"):
        return scope.work_community(user), True
    if scope.has_capability(user, "member"):
        return scope.home_community(user), False
    return None, False


# Touched whenever a sub-category is saved or deleted (apps.py): the kept list below is read again.
SUBCATEGORIES_DEP = "letters:subcategories"


def active_subcategories() -> list[tuple[int, str, str]]:
    """The active sub-categories as (id, category, name), in their order (category, sort_order, id).

    Reference data every 我要提问题/建议 reads twice (the form's choices, the service's check): kept
    until a sub-category changes (common/versioned.py), so a submission asks the database for none.
    """
    return versioned.remember("letters:active-subcategories", [SUBCATEGORIES_DEP], lambda: list(
        SubCategory.objects.filter(is_active=True).order_by("category", "sort_order", "id")
        .values_list("id", "category", "name")))


def subcategories_by_category(active_only: bool = True) -> dict[str, list[SubCategory]]:
    out: dict[str, list[SubCategory]] = {c: [] for c in Category.values}
    if active_only:
        for pk, category, name in active_subcategories():
            out[category].append(SubCategory(id=pk, category=category, name=name, is_active=True))
        return out
    for sub in SubCategory.objects.order_by("category", "sort_order", "id"):
        out[sub.category].append(sub)
    return out


def _letters() -> QuerySet[Letter]:
    return Letter.objects.select_related("community", "subdistrict", "author", "case", "estate").prefetch_related("subcategories")


def my_letters(user: User, q: str = "") -> QuerySet[Letter]:
    qs = _letters().filter(author=user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q))
    return qs


@prepared.query
def _my_letter_rows(author_id: int, *, start: int, stop: int) -> QuerySet[Letter]:
    # The writer's own list shows no place and no author (letter_items.jinja without show_place):
    # only the case is joined, not four more rows per letter.
    return Letter.objects.select_related("case").filter(author_id=author_id)[start:stop]


def my_letter_rows(user: User, start: int, stop: int) -> list[Letter]:
    """``my_letters(user)[start:stop]``, its SQL compiled once per shape (common/prepared.py), each
    letter with its ``subcategory_names``."""
    letters: list[Letter] = _my_letter_rows(user.pk, start=start, stop=stop)
    with_subcategory_names(letters)
    return letters


def all_subcategories() -> list[tuple[int, str]]:
    """Every sub-category as (id, name), active or not, in their order: kept until one changes."""
    return versioned.remember("letters:all-subcategories", [SUBCATEGORIES_DEP], lambda: list(
        SubCategory.objects.order_by("category", "sort_order", "id").values_list("id", "name")))


@prepared.query
def _subcategory_links(letter_ids: list[int]) -> QuerySet[Any]:
    return Letter.subcategories.through.objects.filter(letter_id__in=letter_ids).values_list("letter_id", "subcategory_id")


def with_subcategory_names(letters: list[Letter]) -> None:
    """Give each letter ``subcategory_names`` (in the sub-categories' order) from one look at the links
    and the kept names: Django's ``prefetch_related`` built a manager and cloned a queryset per
    letter (the page 10.9 → 8.1 ms of CPU in process, bench/pageab.py; issue 11)."""
    if not letters:
        return
    order = {pk: (i, name) for i, (pk, name) in enumerate(all_subcategories())}
    links: dict[int, list[tuple[int, str]]] = {letter.pk: [] for letter in letters}
    for letter_id, sub_id in _subcategory_links([letter.pk for letter in letters]):
        known = order.get(sub_id)
        if known is None:  # made after the kept list was read: its name from the table
            known = (len(order), SubCategory.objects.values_list("name", flat=True).get(pk=sub_id))
        links[letter_id].append(known)
    for letter in letters:
        letter.subcategory_names = [name for _, name in sorted(links[letter.pk])]  # type: ignore[attr-defined]


# --- Drill-down (LB-5) ------------------------------------------------------------

def _stats(user: User, date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[LetterStat]:
    qs = scope.scope_for(user, OBSERVE).filter(LetterStat.objects.all())
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    return qs


def _share(n: int, total: int) -> float:
    return n / total * 100 if total else 0.0


def subdistrict_rows(user: User, **dates: Any) -> tuple[list[dict[str, Any]], int]:
    """Per subdistrict: communities, communities that wrote, letters, share of the total."""
    s = scope.scope_for(user, OBSERVE)
    comm_counts = dict(s.communities().values("subdistrict_id").annotate(n=Count("id")).values_list("subdistrict_id", "n"))
    # Per community first (a hash aggregate over the daily rollup), then per subdistrict here:
    # COUNT(DISTINCT …) per subdistrict would sort every rollup row.
    agg: dict[int, dict[str, int]] = {}
    for sub_id, letters in _stats(user, **dates).values("subdistrict_id", "community_id").annotate(
            n=Sum("letters")).values_list("subdistrict_id", "n"):
        r = agg.setdefault(sub_id, {"letters": 0, "writing": 0})
        r["letters"] += letters or 0
        r["writing"] += 1 if letters else 0
    total = sum(r["letters"] or 0 for r in agg.values())
    rows = []
    for sub in s.subdistricts():
        r = agg.get(sub.pk, {})
        n = r.get("letters") or 0
        rows.append({"subdistrict": sub, "communities": comm_counts.get(sub.pk, 0), "writing": r.get("writing", 0),
                     "letters": n, "share": _share(n, total)})
    return rows, total


def community_rows(user: User, subdistrict: Subdistrict, **dates: Any) -> tuple[list[dict[str, Any]], int]:
    """Per community of one subdistrict: letters and share of the subdistrict's letters."""
    counts = dict(
        _stats(user, **dates).filter(subdistrict=subdistrict).values("community_id").annotate(n=Sum("letters"))
        .values_list("community_id", "n")
    )
    total = sum(counts.values())
    communities = scope.scope_for(user, OBSERVE).communities().filter(subdistrict=subdistrict).order_by("id")
    rows = [{"community": c, "letters": counts.get(c.pk, 0), "share": _share(counts.get(c.pk, 0), total)} for c in communities]
    rows.sort(key=lambda r: (-r["letters"], r["community"].pk))
    return rows, total


def category_rows(user: User, subdistrict: Subdistrict | None = None, community: Community | None = None,
                  **dates: Any) -> tuple[list[dict[str, Any]], int]:
    """Per category (within a subdistrict or community if given): letters and share."""
    qs = _stats(user, **dates)
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    if community is not None:
        qs = qs.filter(community=community)
    counts = dict(qs.values("category").annotate(n=Sum("letters")).values_list("category", "n"))
    total = sum(counts.values())
    rows = [{"category": c, "label": c.label, "letters": counts.get(c.value, 0), "share": _share(counts.get(c.value, 0), total)}
            for c in Category]
    return rows, total


def category_subdistrict_rows(user: User, category: str, **dates: Any) -> tuple[list[dict[str, Any]], int]:
    """One category broken down by subdistrict: letters and share of that category's letters."""
    counts = dict(
        _stats(user, **dates).filter(category=category).values("subdistrict_id").annotate(n=Sum("letters"))
        .values_list("subdistrict_id", "n")
    )
    total = sum(counts.values())
    rows = [{"subdistrict": s, "letters": counts.get(s.pk, 0), "share": _share(counts.get(s.pk, 0), total)}
            for s in scope.scope_for(user, OBSERVE).subdistricts()]
    return rows, total


NO_ESTATE = 0  # the estate filter's value for letters without one (a committee's own, or no estate on record)


def estate_rows(user: User, community: Community, *, date_from: dt.date | None = None,
                date_to: dt.date | None = None) -> tuple[list[dict[str, Any]], int]:
    """Letters of one community per writer's estate (小区 or 村民小组), with shares (LB-5 down to the 小区).

    One grouped query on the (community, estate) index; every estate of the
    community gets a row, and letters without an estate one at the end.
    """
    qs = scope.scope_for(user, OBSERVE).filter(Letter.objects.filter(community=community))
    if date_from:
        qs = qs.filter(created_at__gte=clock.day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=clock.day_start(date_to + dt.timedelta(days=1)))
    counts: dict[int | None, int] = dict(
        qs.values("estate_id").annotate(n=Count("id")).order_by().values_list("estate_id", "n"))
    total = sum(counts.values())
    estates = sorted(community.estates.order_by("id"), key=lambda e: (-counts.get(e.pk, 0), e.pk))
    rows: list[dict[str, Any]] = [{"estate": e, "estate_id": e.pk, "label": e.name, "letters": counts.get(e.pk, 0),
                                   "share": _share(counts.get(e.pk, 0), total)} for e in estates]
    if counts.get(None):
        rows.append({"estate": None, "estate_id": NO_ESTATE, "label": "未登记小区", "letters": counts[None],
                     "share": _share(counts[None], total)})
    return rows, total


def observed_letters(user: User, *, subdistrict: Subdistrict | None = None, community: Community | None = None,
                     category: str = "", date_from: dt.date | None = None, date_to: dt.date | None = None,
                     q: str = "", estate_id: int | None = None) -> QuerySet[Letter]:
    """Letters in the observer's scope, narrowed like the drill-down level being looked at."""
    qs = scope.scope_for(user, OBSERVE).filter(_letters())
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    if community is not None:
        qs = qs.filter(community=community)
    if estate_id is not None:
        qs = qs.filter(estate=None) if estate_id == NO_ESTATE else qs.filter(estate_id=estate_id)
    if category:
        qs = qs.filter(category=category)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q))
    return qs


def subcategory(subcategory_id: int) -> SubCategory | None:
    """A sub-category to edit (administrators' page; the service checks who may save it)."""
    return SubCategory.objects.filter(pk=subcategory_id).first()


def read_letter(actor: User, letter_id: int, *, request: HttpRequest | None = None) -> tuple[Letter, LetterAccess]:
    """Open a letter for reading: authorised by the policy, and the read is audited (one INSERT)."""
    letter, letter_access = access_letter(actor, letter_id)
    audit.record_read(actor=actor, target=letter, request=request)
    return letter, letter_access


def letter_texts(ids: list[int]) -> dict[int, str]:
    """The text of letters, for 政策找人's demand profiles (common/hooks.py "Text sources")."""
    return {pk: f"{title}\n{content}" for pk, title, content in
            Letter.objects.filter(pk__in=ids).values_list("id", "title", "content")}
