"""/api/v1/points: one's balances and level, 签到, and exchanging a gift (idempotent per press)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.idempotency import idempotent
from shequtong.common.inputs import Id

from . import selectors, services
from .models import level_of

router = Router(tags=["points"])


class BalanceOut(Schema):
    reputation: int
    beans: int
    level: str


class EntryOut(Schema):
    id: int
    action: str
    reputation: int
    beans: int
    reason: str


class RedemptionOut(Schema):
    id: int
    gift_id: int
    cost: int
    status: str
    how_to_collect: str


@router.get("/me", response=BalanceOut)
@access.login
def my_balance(request: AuthedRequest) -> BalanceOut:
    account = selectors.account_of(request.user)
    return BalanceOut(reputation=account.reputation, beans=account.beans, level=level_of(account.reputation))


@router.post("/checkin", response={201: EntryOut})
@access.capability("member")
def checkin(request: AuthedRequest) -> Status:
    e = idempotent(request, "points.checkin", lambda: services.check_in(actor=request.user))
    return Status(201, EntryOut(id=e.pk, action=e.action, reputation=e.reputation, beans=e.beans, reason=e.reason))


@router.post("/gifts/{gift_id}/redemptions", response={201: RedemptionOut})
@access.capability("member")
def redeem(request: AuthedRequest, gift_id: Id) -> Status:
    """Exchange 社区豆 for a gift; send an ``Idempotency-Key`` so a retried press counts once."""
    r = idempotent(request, "points.redeem", lambda: services.redeem_gift(actor=request.user, gift_id=gift_id))
    return Status(201, RedemptionOut(id=r.pk, gift_id=r.gift_id, cost=r.cost, status=r.status,
                                     how_to_collect=r.gift.how_to_collect))
