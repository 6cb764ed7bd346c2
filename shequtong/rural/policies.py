"""Who may do what to one 乡村振兴 item: the single answer pages, templates and services read.

``access_item(actor, item_id)`` fetches the item and returns it with a frozen
``ItemAccess``. An item that does not exist and one the actor may not read
raise the same ``NotFound`` (docs/adr/0001).

Who reads an item (RV-1..RV-3):
- a 农委 administrator ("rural_admin"): their own drafts, and every item that
  left the draft stage (待审核, 未通过, 待发布, 已退回, 已发布, 已终止);
- villagers and village committees (a "member" or "committee" grant on a
  rural community): published items only;
- district and subdistrict observers ("observe"): published items only.
Urban residents and committees read nothing here, and an ended item is gone
for everyone but the 农委 (who keep it under 已终止).

Who acts: the author edits, submits and deletes while the item is a draft,
rejected or returned; another administrator (never the author) approves or
rejects a submitted item; any administrator publishes or sends back an
approved one, ends a published one, and pins it (置顶). Villagers and
administrators like published items; villagers sign up for activities.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.roles import CAPABILITIES
from shequtong.common.errors import NotFound, PermissionRefused
from shequtong.places.models import Community

from .errors import RuralError
from .models import EDITABLE_STATUSES, Item, Status

NOT_FOUND_MESSAGE = "该信息不存在或已终止"
_VILLAGE_ROLES = CAPABILITIES["member"] | CAPABILITIES["committee"]


def village_of(user: object) -> Community | None:
    """The rural community whose 乡村振兴 board the user reads as a villager or village committee member.

    A resident's home village first, else the village they work for; None for everyone else
    (urban residents and committees, observers, the 农委).
    """
    best: Community | None = None
    for g in scope.grants_of(user):  # type: ignore[arg-type]
        community = g.community if g.community_id else None
        if g.role in _VILLAGE_ROLES and community is not None and community.is_rural:
            if g.role in CAPABILITIES["member"]:
                return community  # type: ignore[no-any-return]
            best = best or community
    return best


def estate_of(user: object, community: Community) -> int | None:
    """The 村民小组 the villager registered in, if any."""
    for g in scope.grants_of(user):  # type: ignore[arg-type]
        if g.community_id == community.pk and g.estate_id:
            return int(g.estate_id)
    return None


def is_admin(user: object) -> bool:
    return scope.has_capability(user, "rural_admin")  # type: ignore[arg-type]


def is_observer(user: object) -> bool:
    return not scope.scope_for(user, "observe").is_empty  # type: ignore[arg-type]


def may_open_board(user: object) -> bool:
    """The 乡村振兴 board is open to villagers, village committees, the 农委 and observers."""
    return village_of(user) is not None or is_admin(user) or is_observer(user)


@dataclass(frozen=True)
class ItemAccess:
    is_admin: bool       # a 农委 administrator
    is_author: bool
    is_villager: bool    # a villager or village committee member (village_of is not None)
    is_observer: bool    # a district or subdistrict observer
    status: str
    is_activity: bool

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def can_view(self) -> bool:
        if self.is_admin:
            return self.status != Status.DRAFT or self.is_author
        return self.is_published and (self.is_villager or self.is_observer)

    @property
    def can_edit(self) -> bool:
        """Change, submit and delete: the author, while the item is a draft, rejected or returned."""
        return self.is_admin and self.is_author and self.status in EDITABLE_STATUSES

    @property
    def can_delete(self) -> bool:
        return self.can_edit

    @property
    def can_review(self) -> bool:
        """Approve or reject: another administrator, never the author."""
        return self.is_admin and not self.is_author and self.status == Status.SUBMITTED

    @property
    def can_publish(self) -> bool:
        return self.is_admin and self.status == Status.APPROVED

    @property
    def can_send_back(self) -> bool:
        return self.can_publish

    @property
    def can_end(self) -> bool:
        return self.is_admin and self.is_published

    @property
    def can_pin(self) -> bool:
        return self.is_admin and self.is_published

    @property
    def can_like(self) -> bool:
        """Villagers, village committees and the 农委 like published items (no comments); observers only read."""
        return self.is_published and (self.is_villager or self.is_admin)

    @property
    def can_sign_up(self) -> bool:
        return self.is_published and self.is_activity and self.is_villager

    @property
    def can_see_signups(self) -> bool:
        """The sign-up list: the 农委 (every village), observers (the villages of their scope)."""
        return self.is_activity and self.status in (Status.PUBLISHED, Status.ENDED) and (
            self.is_admin or (self.is_observer and self.is_published))

    @property
    def counts_as_read(self) -> bool:
        """Reads count villagers (the count says how many of the villages' people saw it)."""
        return self.is_published and self.is_villager


def item_access(actor: object, item: Item) -> ItemAccess:
    """What ``actor`` may do to an item already in hand."""
    return ItemAccess(
        is_admin=is_admin(actor),
        is_author=item.author_id == getattr(actor, "pk", None),
        is_villager=village_of(actor) is not None,
        is_observer=is_observer(actor),
        status=item.status,
        is_activity=item.is_activity,
    )


def _base(for_update: bool) -> QuerySet[Item]:
    if for_update:
        return Item.objects.select_for_update(of=("self",))
    return Item.objects.select_related("author", "reviewed_by", "published_by")


def access_item(actor: object, item_id: int, *, for_update: bool = False) -> tuple[Item, ItemAccess]:
    """The item and what ``actor`` may do to it; NotFound when it is missing or not theirs to read."""
    item = _base(for_update).filter(pk=item_id).first()
    if item is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    access = item_access(actor, item)
    if not access.can_view:
        raise NotFound(NOT_FOUND_MESSAGE)
    return item, access


def access_item_to_review(actor: object, item_id: int) -> tuple[Item, ItemAccess]:
    """The item, locked, for approve/reject: its author is told plainly that someone else reviews."""
    item, access = access_item(actor, item_id, for_update=True)
    if access.is_admin and access.is_author and access.status == Status.SUBMITTED:
        raise PermissionRefused("不能审核自己创建的信息，请由其他管理员审核", code=RuralError.OWN_ITEM)
    return item, access
