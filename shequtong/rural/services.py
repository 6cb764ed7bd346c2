"""Every state change of 乡村振兴: write, submit, review, publish, send back, end, pin, read, like, sign up.

Each function is one user action: it authorises through ``policies.access_item``
(the rule pages read too), runs in a transaction, writes an ItemEvent for the
workflow steps, and keeps the counters on the item and per village
(ItemVillageStats) that the 农委's and observers' counts read.

Sign-ups lock the item row (SELECT … FOR UPDATE) before counting places, so
concurrent requests for the last places are served one after another and the
capacity is never exceeded; a check constraint on the row says the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from shequtong.accounts import audit
from shequtong.accounts.models import User
from shequtong.boards.images import check_images
from shequtong.common import chinese, clock, counters
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.places.models import Community
from shequtong.points import services as points
from shequtong.points.models import Action as PointsAction

from . import export, selectors
from .errors import RuralError
from .models import (
    Item,
    ItemEvent,
    ItemImage,
    ItemLike,
    ItemRead,
    ItemType,
    ItemVillageStats,
    SignUp,
    Status,
)
from .policies import (
    NOT_FOUND_MESSAGE,
    ItemAccess,
    access_item,
    access_item_to_review,
    estate_of,
    is_admin,
    village_of,
)

TITLE_MAX = 100
BODY_MAX = 10000
REASON_MAX = 200
PLACE_MAX = 100
CAPACITY_MAX = 100000
COST_MAX = 10000
PIN_MAX = 99


@dataclass(frozen=True)
class ItemInput:
    title: str
    body: str
    item_type: str
    starts_at: dt.datetime | None = None
    place: str = ""
    capacity: int | None = None
    signup_deadline: dt.datetime | None = None
    cost: int = 0                     # 报名所需社区豆
    images: tuple[Any, ...] = ()      # uploaded files to add
    remove_images: tuple[int, ...] = ()


# --- helpers -------------------------------------------------------------------

def _event(item: Item, actor: User, kind: str, note: str = "") -> None:
    ItemEvent.objects.create(item=item, actor=actor, kind=kind, note=note[:REASON_MAX], created_at=clock.now())


def _bump_village(item: Item, community: Community | None, **deltas: int) -> None:
    if community is None:
        return
    counters.increment(ItemVillageStats, keys={"item_id": item.pk, "community_id": community.pk}, deltas=deltas,
                       defaults={"subdistrict_id": community.subdistrict_id})


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise PermissionRefused("只有农委管理员可以管理乡村振兴信息")


def _clean(data: ItemInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = data.title.strip()
    body = data.body.strip()
    if not title:
        errors["title"] = "请输入标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}字"
    if not body:
        errors["body"] = "请输入内容"
    elif len(body) > BODY_MAX:
        errors["body"] = f"内容不能超过{BODY_MAX}字"
    if data.item_type not in ItemType.values:
        errors["item_type"] = "请选择类型"
    values: dict[str, Any] = {"title": title, "body": body, "item_type": data.item_type,
                              "starts_at": None, "place": "", "capacity": None, "signup_deadline": None, "cost": 0}
    if data.item_type == ItemType.ACTIVITY:
        place = data.place.strip()
        if data.starts_at is None:
            errors["starts_at"] = "请填写活动时间"
        if not place:
            errors["place"] = "请填写活动地点"
        elif len(place) > PLACE_MAX:
            errors["place"] = f"活动地点不能超过{PLACE_MAX}字"
        if data.capacity is None or data.capacity < 1:
            errors["capacity"] = "名额至少为1人"
        elif data.capacity > CAPACITY_MAX:
            errors["capacity"] = f"名额不能超过{CAPACITY_MAX}人"
        if data.signup_deadline is None:
            errors["signup_deadline"] = "请填写报名截止时间"
        elif data.starts_at is not None and data.signup_deadline > data.starts_at:
            errors["signup_deadline"] = "报名截止时间不能晚于活动时间"
        if not (0 <= data.cost <= COST_MAX):
            errors["cost"] = f"报名所需社区豆应为0到{COST_MAX}"
        values.update(starts_at=data.starts_at, place=place, capacity=data.capacity,
                      signup_deadline=data.signup_deadline, cost=data.cost)
    if errors:
        name, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=name)
        err.errors = errors  # type: ignore[attr-defined]
        raise err
    return values


def _apply(item: Item, values: dict[str, Any]) -> None:
    for k, v in values.items():
        setattr(item, k, v)
    item.search_text = chinese.search_text(item.title, item.body, item.place)
    item.updated_at = clock.now()


def _save_images(item: Item, files: tuple[Any, ...], remove: tuple[int, ...] = ()) -> None:
    if remove:
        for img in item.images.filter(pk__in=remove):
            img.image.delete(save=False)
            img.delete()
    if not files:
        return
    kept = item.images.count()
    checked = check_images(list(files))
    if kept + len(checked) > 9:
        raise ValidationFailed("最多上传9张图片", field="images")
    for position, (f, ext) in enumerate(checked, start=kept):
        row = ItemImage(item=item, position=position)
        row.image.save(f"{uuid.uuid4().hex}.{ext}", f, save=False)
        row.save()


def _own_editable(actor: User, item_id: int) -> tuple[Item, ItemAccess]:
    item, access = access_item(actor, item_id, for_update=True)
    if not (access.is_admin and access.is_author):
        raise NotFound(NOT_FOUND_MESSAGE)
    if not access.can_edit:
        raise Conflict("该信息已提交，不能再修改", code=RuralError.NOT_EDITABLE)
    return item, access


# --- the 农委: write, submit, review, publish, send back, end, pin --------------------

def create_item(*, actor: User, data: ItemInput, submit: bool = False) -> Item:
    """A new item as the author's draft, or submitted for review straight away."""
    _require_admin(actor)
    values = _clean(data)
    now = clock.now()
    with transaction.atomic():
        item = Item(author=actor, created_at=now, status=Status.DRAFT)
        _apply(item, values)
        item.save()
        _save_images(item, data.images)
        _event(item, actor, ItemEvent.Kind.CREATED)
        if submit:
            _submit(item, actor)
    return item


def update_item(*, actor: User, item_id: int, data: ItemInput, submit: bool = False) -> Item:
    values = _clean(data)
    with transaction.atomic():
        item, _ = _own_editable(actor, item_id)
        _apply(item, values)
        item.save()
        _save_images(item, data.images, data.remove_images)
        _event(item, actor, ItemEvent.Kind.UPDATED)
        if submit:
            _submit(item, actor)
    return item


def delete_item(*, actor: User, item_id: int) -> None:
    """Delete one's own draft (also a rejected or returned one): it was never seen by villagers."""
    with transaction.atomic():
        item, _ = _own_editable(actor, item_id)
        for img in item.images.all():
            img.image.delete(save=False)
        item.delete()


def _submit(item: Item, actor: User) -> None:
    item.status = Status.SUBMITTED
    item.submitted_at = clock.now()
    item.save(update_fields=["status", "submitted_at"])
    _event(item, actor, ItemEvent.Kind.SUBMITTED)


def submit_item(*, actor: User, item_id: int) -> Item:
    with transaction.atomic():
        item, _ = _own_editable(actor, item_id)
        _submit(item, actor)
    return item


def _reviewable(actor: User, item_id: int) -> Item:
    item, access = access_item_to_review(actor, item_id)
    if not access.is_admin:
        raise PermissionRefused("只有农委管理员可以审核")
    if not access.can_review:
        raise Conflict("该信息不在待审核状态", code=RuralError.NOT_SUBMITTED)
    return item


def approve_item(*, actor: User, item_id: int) -> Item:
    """Another administrator approves a submitted item: it waits to be published (待发布)."""
    with transaction.atomic():
        item = _reviewable(actor, item_id)
        item.status = Status.APPROVED
        item.reviewed_by, item.reviewed_at, item.reject_reason = actor, clock.now(), ""
        item.save(update_fields=["status", "reviewed_by", "reviewed_at", "reject_reason"])
        _event(item, actor, ItemEvent.Kind.APPROVED)
    return item


def _reason(reason: str, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(f"请填写{label}", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"{label}不能超过{REASON_MAX}字", field="reason")
    return reason


def reject_item(*, actor: User, item_id: int, reason: str) -> Item:
    """Another administrator rejects a submitted item with a reason; the author may change and resubmit it."""
    reason = _reason(reason, "不通过原因")
    with transaction.atomic():
        item = _reviewable(actor, item_id)
        item.status = Status.REJECTED
        item.reviewed_by, item.reviewed_at, item.reject_reason = actor, clock.now(), reason
        item.save(update_fields=["status", "reviewed_by", "reviewed_at", "reject_reason"])
        _event(item, actor, ItemEvent.Kind.REJECTED, reason)
    return item


def _approved(actor: User, item_id: int) -> Item:
    item, access = access_item(actor, item_id, for_update=True)
    if not access.is_admin:
        raise PermissionRefused("只有农委管理员可以发布")
    if not access.can_publish:
        raise Conflict("只有审核通过、待发布的信息可以发布或退回", code=RuralError.NOT_APPROVED)
    return item


def publish_item(*, actor: User, item_id: int) -> Item:
    """Publish an approved item: from now on the villages and observers see it."""
    with transaction.atomic():
        item = _approved(actor, item_id)
        item.status = Status.PUBLISHED
        item.published_by, item.published_at = actor, clock.now()
        item.save(update_fields=["status", "published_by", "published_at"])
        _event(item, actor, ItemEvent.Kind.PUBLISHED)
    return item


def send_back_item(*, actor: User, item_id: int, reason: str = "") -> Item:
    """Send an approved item back to its author instead of publishing it (退回)."""
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        item = _approved(actor, item_id)
        item.status = Status.RETURNED
        item.return_reason = reason
        item.save(update_fields=["status", "return_reason"])
        _event(item, actor, ItemEvent.Kind.RETURNED, reason)
    return item


def _published(actor: User, item_id: int, verb: str) -> Item:
    item, access = access_item(actor, item_id, for_update=True)
    if not access.is_admin:
        raise PermissionRefused(f"只有农委管理员可以{verb}")
    if not access.is_published:
        raise Conflict(f"只有已发布的信息可以{verb}", code=RuralError.NOT_PUBLISHED)
    return item


def end_item(*, actor: User, item_id: int) -> Item:
    """End a published item: it is no longer shown anywhere (lists, search, detail, counts)."""
    with transaction.atomic():
        item = _published(actor, item_id, "终止")
        item.status = Status.ENDED
        item.ended_at = clock.now()
        item.pin_order = None
        item.save(update_fields=["status", "ended_at", "pin_order"])
        _event(item, actor, ItemEvent.Kind.ENDED)
    return item


def pin_item(*, actor: User, item_id: int, order: int | None = None) -> Item:
    """置顶: pinned items come first on the board, by their order (1 first); no order = after the others."""
    if order is not None and not 1 <= order <= PIN_MAX:
        raise ValidationFailed(f"置顶顺序为1到{PIN_MAX}", field="order")
    with transaction.atomic():
        item = _published(actor, item_id, "置顶")
        if order is None:
            last = (Item.objects.filter(status=Status.PUBLISHED, pin_order__isnull=False).exclude(pk=item.pk)
                    .order_by("-pin_order").values_list("pin_order", flat=True).first())
            order = min(PIN_MAX, (last or 0) + 1)
        item.pin_order = order
        item.save(update_fields=["pin_order"])
        _event(item, actor, ItemEvent.Kind.PINNED, f"顺序 {order}")
    return item


def unpin_item(*, actor: User, item_id: int) -> Item:
    with transaction.atomic():
        item = _published(actor, item_id, "取消置顶")
        item.pin_order = None
        item.save(update_fields=["pin_order"])
        _event(item, actor, ItemEvent.Kind.UNPINNED)
    return item


# --- everyone who reads: read and like ---------------------------------------------------

def record_read(*, actor: User, item_id: int) -> bool:
    """Count a villager once as a reader of a published item (per item and per village)."""
    item, access = access_item(actor, item_id)
    if not access.counts_as_read or ItemRead.objects.filter(item=item, user=actor).exists():
        return False
    village = village_of(actor)
    try:
        with transaction.atomic():
            ItemRead.objects.create(item=item, user=actor, community=village, created_at=clock.now())
            Item.objects.filter(pk=item.pk).update(read_count=F("read_count") + 1)
            _bump_village(item, village, reads=1)
    except IntegrityError:
        return False  # a second tab read it at the same moment
    return True


def toggle_like(*, actor: User, item_id: int) -> bool:
    """Like a published item, or take the like back; returns whether the actor now likes it."""
    with transaction.atomic():
        item, access = access_item(actor, item_id, for_update=True)
        if not access.can_like:
            if not access.is_published:
                raise Conflict("只有已发布的信息可以点赞", code=RuralError.NOT_PUBLISHED)
            raise PermissionRefused("观察模式下不能点赞")
        existing = ItemLike.objects.filter(item=item, user=actor).first()
        if existing is not None:
            village = existing.community
            existing.delete()
            Item.objects.filter(pk=item.pk).update(like_count=F("like_count") - 1)
            _bump_village(item, village, likes=-1)
            return False
        village = village_of(actor)
        ItemLike.objects.create(item=item, user=actor, community=village, created_at=clock.now())
        Item.objects.filter(pk=item.pk).update(like_count=F("like_count") + 1)
        _bump_village(item, village, likes=1)
    return True


# --- villagers: sign up and cancel ---------------------------------------------------------

def sign_up(*, actor: User, item_id: int) -> SignUp:
    """Take a place in a published activity before its deadline, while places are left."""
    with transaction.atomic():
        item, access = access_item(actor, item_id, for_update=True)  # the row lock serialises the places
        if not item.is_activity:
            raise Conflict("该信息不是乡村活动，无需报名", code=RuralError.NOT_ACTIVITY)
        if not access.can_sign_up:
            raise PermissionRefused("只有村民和村委可以报名", code=RuralError.NOT_VILLAGER)
        if item.signup_deadline is not None and clock.now() > item.signup_deadline:
            raise Conflict("报名已截止", code=RuralError.DEADLINE_PASSED)
        if SignUp.objects.filter(item=item, user=actor).exists():
            raise Conflict("您已报名该活动", code=RuralError.ALREADY_SIGNED_UP)
        if item.capacity is not None and item.signup_count >= item.capacity:
            raise Conflict("名额已满", code=RuralError.FULL)
        village = village_of(actor)
        assert village is not None  # can_sign_up
        row = SignUp.objects.create(item=item, user=actor, community=village, subdistrict_id=village.subdistrict_id,
                                    estate_id=estate_of(actor, village), created_at=clock.now(), cost=item.cost)
        if item.cost:
            # In the sign-up's transaction: too few 社区豆 refuses the place and writes nothing.
            points.spend_beans(user_id=actor.pk, amount=item.cost, action=PointsAction.SIGNUP,
                               reason=f"活动报名：{item.title}"[:200], ref_type="rural_signup", ref_id=row.pk,
                               community_id=village.pk)
        Item.objects.filter(pk=item.pk).update(signup_count=F("signup_count") + 1)
        _bump_village(item, village, signups=1)
    return row


def cancel_sign_up(*, actor: User, item_id: int) -> None:
    """Give one's place back, before the sign-up deadline."""
    with transaction.atomic():
        item, _ = access_item(actor, item_id, for_update=True)
        row = SignUp.objects.select_related("community").filter(item=item, user=actor).first()
        if row is None:
            raise Conflict("您没有报名该活动", code=RuralError.NOT_SIGNED_UP)
        if item.signup_deadline is not None and clock.now() > item.signup_deadline:
            raise Conflict("报名已截止，不能取消", code=RuralError.DEADLINE_PASSED)
        village = row.community
        if row.cost:
            points.refund_beans(user_id=actor.pk, amount=row.cost, reason=f"取消活动报名，退还：{item.title}"[:200],
                                ref_type="rural_signup", ref_id=row.pk, community_id=village.pk)
        row.delete()
        Item.objects.filter(pk=item.pk).update(signup_count=F("signup_count") - 1)
        _bump_village(item, village, signups=-1)



# --- exports -------------------------------------------------------------------------------

def export_signups(*, actor: User, item_id: int, community_id: int | None = None,
                   request: HttpRequest | None = None) -> tuple[Item, bytes]:
    """The sign-up list of an activity (one village, or every village of the actor's scope) as XLSX; audit-logged."""
    item, access = access_item(actor, item_id)
    if not access.can_see_signups:
        raise PermissionRefused("您没有查看报名名单的权限")
    rows = list(selectors.signups(actor, item, community_id=community_id)[: export.MAX_ROWS])
    data = export.signups_xlsx(item, rows)
    audit.record("export", actor=actor, request=request, detail={
        "what": "rural_signups", "item": item.pk, "community": community_id, "rows": len(rows),
    })
    return item, data
