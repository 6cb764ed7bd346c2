"""Jurisdiction-scoped reads of 乡村振兴: the board, the 农委's list, sign-ups and the counts per village.

One item with what the actor may do to it comes from ``policies.access_item``.
Counts per village read the ItemVillageStats rollup through ``Scope.filter``:
the 农委 ("rural_admin", the district) see every village, observers ("observe")
the villages of their subdistrict or district. Ended items count nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import fulltext
from shequtong.places.models import Community, Subdistrict

from .models import Item, ItemLike, ItemType, ItemVillageStats, SignUp, Status
from .policies import is_admin


@dataclass(frozen=True)
class Filters:
    item_type: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        item_type = params.get("type", "")
        status = params.get("status", "")
        return cls(
            item_type=item_type if item_type in ItemType.values else "",
            status=status if status in Status.values else "",
            q=(params.get("q", "") or "").strip()[:50],
        )

    @property
    def any(self) -> bool:
        return bool(self.item_type or self.status or self.q)

    def apply(self, qs: QuerySet[Item]) -> QuerySet[Item]:
        if self.item_type:
            qs = qs.filter(item_type=self.item_type)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.q:
            qs = fulltext.matches(qs, self.q)
        return qs


def board_items(filters: Filters | None = None) -> QuerySet[Item]:
    """Published items, pinned first (by their order), then newest: the board every reader sees (RV-2, RV-3)."""
    f = filters or Filters()
    qs = Item.objects.filter(status=Status.PUBLISHED)
    qs = Filters(item_type=f.item_type, q=f.q).apply(qs)  # a reader's status filter means nothing here
    return qs.order_by(F("pin_order").asc(nulls_last=True), "-published_at", "-id")


def admin_items(user: User, filters: Filters | None = None) -> QuerySet[Item]:
    """The 农委's list: their own drafts and every item past the draft stage; 已终止 only when asked for."""
    if not is_admin(user):
        return Item.objects.none()
    f = filters or Filters()
    qs = Item.objects.filter(~Q(status=Status.DRAFT) | Q(author_id=user.pk))
    if f.status != Status.ENDED:
        qs = qs.exclude(status=Status.ENDED)
    return f.apply(qs).select_related("author").order_by("-updated_at", "-id")


def admin_status_counts(user: User) -> dict[str, int]:
    qs = admin_items(user).order_by()
    rows = qs.values("status").annotate(n=Sum(1))
    return {r["status"]: r["n"] for r in rows}


def review_queue(user: User) -> QuerySet[Item]:
    """Submitted items someone else wrote: what this administrator may approve or reject."""
    if not is_admin(user):
        return Item.objects.none()
    return Item.objects.filter(status=Status.SUBMITTED).exclude(author_id=user.pk).order_by("submitted_at", "id")


def liked_ids(user: User, items: Any) -> set[int]:
    ids = [i.pk for i in items]
    if not ids:
        return set()
    return set(ItemLike.objects.filter(user_id=user.pk, item_id__in=ids).values_list("item_id", flat=True))


def signed_up_ids(user: User, items: Any) -> set[int]:
    ids = [i.pk for i in items]
    if not ids:
        return set()
    return set(SignUp.objects.filter(user_id=user.pk, item_id__in=ids).values_list("item_id", flat=True))


def my_signups(user: User) -> QuerySet[SignUp]:
    """我的报名: the user's places in activities still published (an ended activity is gone)."""
    return (SignUp.objects.filter(user_id=user.pk, item__status=Status.PUBLISHED)
            .select_related("item", "community").order_by("-created_at", "-id"))


def count_scope(user: User) -> scope.Scope:
    """Whose villages' counts and sign-ups the user sees: the 农委 every village, observers their scope."""
    if is_admin(user):
        return scope.scope_for(user, "rural_admin")
    return scope.scope_for(user, "observe")


def signups(user: User, item: Item, *, community_id: int | None = None) -> QuerySet[SignUp]:
    """The sign-up list of one activity, in the user's villages (one village when asked)."""
    qs = count_scope(user).filter(SignUp.objects.filter(item=item))
    if community_id:
        qs = qs.filter(community_id=community_id)
    return (qs.select_related("user", "community", "subdistrict", "estate")
            .order_by("subdistrict__sort_order", "community_id", "created_at", "id"))


def item_village_counts(user: User, item: Item) -> list[ItemVillageStats]:
    """Reads, likes and sign-ups of one item per village of the user's scope."""
    return list(count_scope(user).filter(ItemVillageStats.objects.filter(item=item))
                .select_related("community", "subdistrict").order_by("subdistrict__sort_order", "community_id"))


_SUMS = {"reads": Sum("reads"), "likes": Sum("likes"), "signups": Sum("signups")}


def _published_stats(user: User) -> QuerySet[ItemVillageStats]:
    return count_scope(user).filter(ItemVillageStats.objects.filter(item__status=Status.PUBLISHED))


def totals(user: User) -> dict[str, int]:
    """Published items and their reads, likes and sign-ups in the user's villages."""
    agg = _published_stats(user).aggregate(**_SUMS)
    out = {k: v or 0 for k, v in agg.items()}
    out["items"] = Item.objects.filter(status=Status.PUBLISHED).count()
    return out


def subdistrict_counts(user: User) -> list[dict[str, Any]]:
    """Per subdistrict of the scope: villages, reads, likes and sign-ups of published items."""
    s = count_scope(user)
    rows = {r["subdistrict_id"]: r for r in _published_stats(user).values("subdistrict_id").annotate(**_SUMS)}
    villages = {r["subdistrict_id"]: r["n"] for r in s.communities().filter(kind=Community.Kind.RURAL)
                .values("subdistrict_id").annotate(n=Sum(1))}
    out = []
    for sub in s.subdistricts().order_by("sort_order", "id"):
        if not villages.get(sub.pk):
            continue
        r = rows.get(sub.pk, {})
        out.append({"subdistrict": sub, "villages": villages[sub.pk], **{k: r.get(k) or 0 for k in _SUMS}})
    return out


def village_counts(user: User, subdistrict: Subdistrict) -> list[dict[str, Any]]:
    """Per village of one subdistrict: reads, likes and sign-ups of published items."""
    villages = list(count_scope(user).communities().filter(subdistrict=subdistrict, kind=Community.Kind.RURAL)
                    .order_by("id"))
    rows = {r["community_id"]: r for r in _published_stats(user).filter(community__in=villages)
            .values("community_id").annotate(**_SUMS)}
    return [{"community": c, **{k: (rows.get(c.pk) or {}).get(k) or 0 for k in _SUMS}} for c in villages]


def village_items(user: User, community: Community) -> list[dict[str, Any]]:
    """Every published item with the reads, likes and sign-ups of one village (逐级查看每个村)."""
    stats = {st.item_id: st for st in count_scope(user).filter(ItemVillageStats.objects.filter(community=community))}
    out = []
    for item in board_items():
        st = stats.get(item.pk)
        out.append({"item": item, "reads": st.reads if st else 0, "likes": st.likes if st else 0,
                    "signups": st.signups if st else 0})
    return out


def rural_village_in_scope(user: User, community_id: int) -> Community:
    """A village of the user's count scope (the 农委: any; observers: theirs), else NotFound."""
    from shequtong.common.errors import NotFound

    c = count_scope(user).communities().select_related("subdistrict").filter(
        pk=community_id, kind=Community.Kind.RURAL).first()
    if c is None:
        raise NotFound("该村不存在或不在您的管辖范围内")
    return c


def rural_subdistrict_in_scope(user: User, subdistrict_id: int) -> Subdistrict:
    from shequtong.common.errors import NotFound

    sub = count_scope(user).subdistricts().filter(pk=subdistrict_id).first()
    if sub is None:
        raise NotFound("该街镇不存在或不在您的管辖范围内")
    return sub
