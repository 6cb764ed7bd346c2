"""/api/v1/rural: the 乡村振兴 board for apps — list, detail, like, sign up and cancel.

The same services, selectors and policies as the pages: villagers and village
committees ("member"/"committee" on a rural community), observers and the 农委
read published items; urban residents and committees get 404 as for a missing
item. The 农委's writing and review workflow is on the pages only.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import NotFound
from shequtong.common.inputs import Id, Limit, Offset

from . import selectors, services
from .models import Item
from .policies import ItemAccess, access_item, may_open_board

router = Router(tags=["rural"])
READERS = ("member", "committee", "rural_admin", "observe")


class RuralItemQuery(Schema):
    q: str = ""
    type: str = ""
    limit: Limit = 20
    offset: Offset = 0


class RuralItemOut(Schema):
    id: int
    title: str
    item_type: str
    item_type_label: str
    pinned: bool
    published_at: dt.datetime | None
    starts_at: dt.datetime | None
    place: str
    capacity: int | None
    signup_deadline: dt.datetime | None
    signup_count: int
    read_count: int
    like_count: int


class RuralItemDetailOut(RuralItemOut):
    body: str
    image_urls: list[str]
    liked: bool
    signed_up: bool
    can_like: bool
    can_sign_up: bool


class RuralLikeOut(Schema):
    liked: bool
    like_count: int


def _out(i: Item) -> dict:
    return {
        "id": i.pk, "title": i.title, "item_type": i.item_type, "item_type_label": str(i.get_item_type_display()),
        "pinned": i.is_pinned, "published_at": i.published_at, "starts_at": i.starts_at, "place": i.place,
        "capacity": i.capacity, "signup_deadline": i.signup_deadline, "signup_count": i.signup_count,
        "read_count": i.read_count, "like_count": i.like_count,
    }


def _detail(request: AuthedRequest, item: Item, access_: ItemAccess) -> RuralItemDetailOut:
    from django.urls import reverse

    return RuralItemDetailOut(
        **_out(item), body=item.body, image_urls=[reverse("rural:image", args=[img.pk]) for img in item.images.all()],
        liked=bool(selectors.liked_ids(request.user, [item])), signed_up=bool(selectors.signed_up_ids(request.user, [item])),
        can_like=access_.can_like, can_sign_up=access_.can_sign_up,
    )


@router.get("/items", response=list[RuralItemOut])
@access.capability(*READERS)
def list_items(request: AuthedRequest, filters: Query[RuralItemQuery]) -> list[dict]:
    """Published items, pinned first, then newest; `q` searches title and body (jieba words)."""
    if not may_open_board(request.user):
        raise NotFound("乡村振兴版块只对农村社区开放")
    f = selectors.Filters.from_query({"q": filters.q, "type": filters.type})
    return [_out(i) for i in selectors.board_items(f)[filters.offset : filters.offset + filters.limit]]


@router.get("/items/{item_id}", response=RuralItemDetailOut)
@access.capability(*READERS)
def item_detail(request: AuthedRequest, item_id: Id) -> RuralItemDetailOut:
    item, access_ = access_item(request.user, item_id)
    if services.record_read(actor=request.user, item_id=item.pk):
        item.read_count += 1
    return _detail(request, item, access_)


@router.post("/items/{item_id}/like", response=RuralLikeOut)
@access.capability(*READERS)
def like(request: AuthedRequest, item_id: Id) -> RuralLikeOut:
    liked = services.toggle_like(actor=request.user, item_id=item_id)
    return RuralLikeOut(liked=liked, like_count=Item.objects.get(pk=item_id).like_count)


@router.post("/items/{item_id}/signup", response={201: RuralItemDetailOut})
@access.capability("member", "committee")
def sign_up(request: AuthedRequest, item_id: Id) -> Status[RuralItemDetailOut]:
    services.sign_up(actor=request.user, item_id=item_id)
    item, access_ = access_item(request.user, item_id)
    return Status(201, _detail(request, item, access_))


@router.delete("/items/{item_id}/signup", response={204: None})
@access.capability("member", "committee")
def cancel(request: AuthedRequest, item_id: Id) -> Status[None]:
    services.cancel_sign_up(actor=request.user, item_id=item_id)
    return Status(204, None)
