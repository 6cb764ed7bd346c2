"""/api/v1/campaigns: the hot endpoints (LQ-6): draw, start and submit a quiz, 我的奖品.

Each write honours an ``Idempotency-Key`` header: a retried press counts once.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.idempotency import idempotent
from shequtong.common.inputs import Id

from . import selectors, services
from .models import Lottery

router = Router(tags=["campaigns"])


class LotteryOut(Schema):
    id: int
    theme: str
    starts_at: datetime
    ends_at: datetime
    draws_total: int
    draws_per_day: int
    bean_cost: int


class DrawOut(Schema):
    id: int
    won: bool
    prize: str | None


class AttemptOut(Schema):
    id: int
    deadline: datetime
    submitted: bool
    score: int


class AnswersIn(Schema):
    answers: dict[str, list[int]]


class AwardOut(Schema):
    id: int
    prize: str
    how_to_collect: str
    collected: bool
    created_at: datetime


@router.get("/lotteries", response=list[LotteryOut])
@access.login
def lotteries(request: AuthedRequest) -> list[LotteryOut]:
    return [LotteryOut(id=x.pk, theme=x.theme, starts_at=x.starts_at, ends_at=x.ends_at, draws_total=x.draws_total,
                       draws_per_day=x.draws_per_day, bean_cost=x.bean_cost)
            for x in selectors.playable(request.user, Lottery)[:50]]


@router.post("/lotteries/{lottery_id}/draws", response={201: DrawOut})
@access.capability("member")
def draw(request: AuthedRequest, lottery_id: Id) -> Status:
    row = idempotent(request, "campaigns.draw", lambda: services.draw(actor=request.user, lottery_id=lottery_id))
    return Status(201, DrawOut(id=row.pk, won=row.prize_id is not None, prize=row.prize.name if row.prize else None))


@router.post("/quizzes/{quiz_id}/attempt", response={201: AttemptOut})
@access.capability("member")
def start(request: AuthedRequest, quiz_id: Id) -> Status:
    a = idempotent(request, "campaigns.quiz_start", lambda: services.start_attempt(actor=request.user, quiz_id=quiz_id))
    return Status(201, AttemptOut(id=a.pk, deadline=a.deadline, submitted=a.submitted_at is not None, score=a.score))


@router.post("/quizzes/{quiz_id}/answers", response={201: AttemptOut})
@access.capability("member")
def submit(request: AuthedRequest, quiz_id: Id, payload: AnswersIn) -> Status:
    a = idempotent(request, "campaigns.quiz_submit", lambda: services.submit_attempt(
        actor=request.user, quiz_id=quiz_id, answers=payload.answers))
    return Status(201, AttemptOut(id=a.pk, deadline=a.deadline, submitted=a.submitted_at is not None, score=a.score))


@router.get("/prizes", response=list[AwardOut])
@access.login
def prizes(request: AuthedRequest) -> list[AwardOut]:
    return [AwardOut(id=a.pk, prize=a.prize_name, how_to_collect=a.how_to_collect, collected=a.collected_at is not None,
                     created_at=a.created_at) for a in selectors.my_awards(request.user)[:100]]
