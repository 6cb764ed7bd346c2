"""Who may do what to a lottery, a quiz and an award (docs/adr/0001).

A community campaign is set up, published, closed and watched by the
community's committee; observers over the community watch it (LQ-4); its
residents see and play it once published. A district campaign (no community)
is set up by the district observers ("district_announce", through 爱宝山),
watched by them and by whoever observes the whole district, and played by
every resident. A draft is its managers' alone. Missing and forbidden answer
the same ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from shequtong.accounts.models import User
from shequtong.common.errors import NotFound
from shequtong.points.policies import audience_of_place, manages_place, observes_place

from .models import Award, Lottery, Quiz, Status

LOTTERY_NOT_FOUND = "抽奖活动不存在或您无权查看"
QUIZ_NOT_FOUND = "有奖答题活动不存在或您无权查看"
AWARD_NOT_FOUND = "奖品记录不存在或您无权查看"

C = TypeVar("C", Lottery, Quiz)


@dataclass(frozen=True)
class CampaignAccess:
    is_manager: bool   # set up, publish, close, watch, export, mark prizes collected
    is_observer: bool  # watch and export (LQ-4)
    is_audience: bool  # see and take part once published
    status: str

    @property
    def can_view(self) -> bool:
        return self.is_manager or self.is_observer or (self.is_audience and self.status != Status.DRAFT)

    @property
    def can_edit(self) -> bool:
        return self.is_manager and self.status == Status.DRAFT

    @property
    def can_publish(self) -> bool:
        return self.can_edit

    @property
    def can_close(self) -> bool:
        return self.is_manager and self.status == Status.PUBLISHED

    @property
    def can_watch(self) -> bool:
        return self.is_manager or self.is_observer

    @property
    def can_play(self) -> bool:
        return self.is_audience and self.status == Status.PUBLISHED


def campaign_access(actor: User, obj: Lottery | Quiz) -> CampaignAccess:
    where = (obj.community_id, obj.subdistrict_id)
    return CampaignAccess(is_manager=manages_place(actor, *where), is_observer=observes_place(actor, *where),
                          is_audience=audience_of_place(actor, *where), status=obj.status)


def _access(model: type[C], message: str, actor: User, pk: int, for_update: bool) -> tuple[C, CampaignAccess]:
    qs = model.objects.select_for_update(of=("self",)) if for_update else model.objects.select_related("community")
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(message)
    access = campaign_access(actor, obj)
    if not access.can_view:
        raise NotFound(message)
    return obj, access


def access_lottery(actor: User, lottery_id: int, *, for_update: bool = False) -> tuple[Lottery, CampaignAccess]:
    return _access(Lottery, LOTTERY_NOT_FOUND, actor, lottery_id, for_update)


def access_quiz(actor: User, quiz_id: int, *, for_update: bool = False) -> tuple[Quiz, CampaignAccess]:
    return _access(Quiz, QUIZ_NOT_FOUND, actor, quiz_id, for_update)


@dataclass(frozen=True)
class AwardAccess:
    is_winner: bool
    is_manager: bool
    collected: bool

    @property
    def can_collect(self) -> bool:
        return self.is_manager and not self.collected


def access_award(actor: User, award_id: int, *, for_update: bool = False) -> tuple[Award, AwardAccess]:
    qs = Award.objects.select_for_update(of=("self",)) if for_update else Award.objects.all()
    award = qs.select_related("lottery", "quiz").filter(pk=award_id).first()
    if award is None:
        raise NotFound(AWARD_NOT_FOUND)
    campaign = award.campaign
    access = AwardAccess(is_winner=award.user_id == getattr(actor, "pk", None),
                         is_manager=manages_place(actor, campaign.community_id, campaign.subdistrict_id),
                         collected=award.collected_at is not None)
    if not (access.is_winner or access.is_manager):
        raise NotFound(AWARD_NOT_FOUND)
    return award, access
