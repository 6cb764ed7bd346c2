"""积分, 抽奖 and 有奖答题 for the demo district (run after seed_demo; safe to run twice).

- residents of the demo community at every 社区达人 level (社区新秀 … 社区大师),
  demo-resident with 社区豆 to spend, and gifts with stock;
- a running district lottery (爱宝山, with a home-page banner) and a
  community lottery, with some draws already made;
- a finished quiz whose prizes were awarded by score;
- a running 积分竞拍 in the demo community with bids from neighbours, and the
  community's first 社区服务 (if seed_demo_boards made one) costing 社区豆.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.campaigns import services as campaigns
from shequtong.campaigns.models import Lottery, Quiz
from shequtong.common import clock
from shequtong.points import services as points
from shequtong.points.selectors import account_of

MARKER = "爱宝山 新年抽奖"
# 社区威望 of the demo neighbours: one at each 社区达人 level.
LEVEL_REPUTATION = (30, 160, 800, 2600, 5200)


def banner(colour: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    img = Image.new("RGB", (750, 300), colour)
    draw = ImageDraw.Draw(img)
    for i in range(12):
        draw.ellipse((40 + i * 60, 40 + (i % 3) * 60, 90 + i * 60, 90 + (i % 3) * 60), fill=(255, 214, 102))
    draw.rectangle((0, 240, 750, 300), fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "Add demo points, gifts, a running lottery and a finished quiz to the demo district; safe to run twice."

    def handle(self, *args: Any, **opts: Any) -> None:
        users = {u.username: u for u in User.objects.filter(
            username__in=["demo-resident", "demo-staff", "demo-district"])}
        if len(users) < 3:
            self.stdout.write("demo accounts not found: run seed_demo first; nothing to do")
            return
        resident, staff, district = users["demo-resident"], users["demo-staff"], users["demo-district"]
        home = scope.home_community(resident)
        assert home is not None
        if Lottery.objects.filter(theme=MARKER).exists():
            self.stdout.write("demo campaigns already loaded; nothing to do")
            return
        ids = list(RoleGrant.objects.filter(role=Role.RESIDENT, community=home).exclude(user_id=resident.pk)
                   .order_by("id").values_list("user_id", flat=True)[:8])
        neighbours = list(User.objects.filter(pk__in=ids).order_by("id"))
        # Residents at every 社区达人 level: the demo community's first, then the district's.
        others = list(RoleGrant.objects.filter(role=Role.RESIDENT).exclude(user_id__in=[resident.pk, *ids])
                      .order_by("id").values_list("user_id", "community_id")[:len(LEVEL_REPUTATION)])
        levelled: list[tuple[User, int | None]] = [(u, home.pk) for u in neighbours]
        levelled += [(User.objects.get(pk=u), c) for u, c in others]
        with transaction.atomic():
            self._levels(resident, home.pk, levelled[:len(LEVEL_REPUTATION)])
            self._gifts(staff, district, home.pk)
            lottery = self._lotteries(staff, district, home.pk, resident, neighbours)
            quiz = self._quiz(district, [resident, *neighbours])
            auction = self._auction(staff, home.pk, [u for u, c in levelled[:len(LEVEL_REPUTATION)] if c == home.pk])
            self._service_cost(staff, home.pk)
        self.stdout.write(self.style.SUCCESS(
            f"demo campaigns loaded: lottery #{lottery.pk} running, quiz #{quiz.pk} finished, "
            f"auction #{auction.pk} running, residents at every 社区达人 level"))

    def _auction(self, staff: User, community_id: int, bidders: list[User]) -> Any:
        now = clock.now()
        auction = points.create_auction(actor=staff, data=points.AuctionInput(
            community_id=community_id, title="手工编织坐垫（社区巧手坊作品）", description="社区巧手坊志愿者手工编织，共1件。",
            how_to_collect="竞拍成功后凭“我的积分”到居委会服务窗口领取", start_price=20, increment=5,
            starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(days=5)))
        amount = 20
        for user in bidders:
            if account_of(user).beans >= amount:
                points.place_bid(actor=user, auction_id=auction.pk, amount=amount)
                amount += 15
        return auction

    def _service_cost(self, staff: User, community_id: int) -> None:
        from shequtong.boards import services as boards
        from shequtong.boards.models import ServiceOffer

        offer = (ServiceOffer.objects.filter(community_id=community_id).exclude(post__title__contains="免费")
                 .order_by("id").first())
        if offer is not None:
            boards.set_service_cost(actor=staff, post_id=offer.post_id, cost=10)

    def _levels(self, resident: User, home_id: int, levelled: list[tuple[User, int | None]]) -> None:
        for (user, community_id), rep in zip(levelled, LEVEL_REPUTATION, strict=False):
            points.credit(user_id=user.pk, reputation=rep, beans=rep // 2, reason="优质贡献：积极参与议事厅讨论",
                          community_id=community_id)
        points.credit(user_id=resident.pk, reputation=150, beans=300, reason="优质贡献：建设性的评论", community_id=home_id)
        points.check_in(actor=resident)

    def _gifts(self, staff: User, district: User, community_id: int) -> None:
        for name, kind, cost, stock, how in (
                ("环保购物袋", "physical", 20, 50, "凭兑换记录到居委会服务窗口领取（工作日 9:00-17:00）"),
                ("社区理发券", "virtual", 50, 20, "兑换后在社区服务中心理发时出示"),
                ("节能台灯", "physical", 200, 5, "凭兑换记录到居委会服务窗口领取")):
            points.create_gift(actor=staff, data=points.GiftInput(
                name=name, description="", kind=kind, cost=cost, stock=stock, how_to_collect=how,
                community_id=community_id))
        points.create_gift(actor=district, data=points.GiftInput(
            name="宝山文旅公园门票", description="全区居民可兑换", kind="virtual", cost=100, stock=100,
            how_to_collect="兑换后凭“我的积分”页面到各街镇社区事务受理中心领取", community_id=None))

    def _lotteries(self, staff: User, district: User, community_id: int, resident: User, neighbours: list[User]) -> Lottery:
        now = clock.now()
        lottery = campaigns.create_lottery(actor=district, data=campaigns.LotteryInput(
            community_id=None, theme=MARKER, starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=14),
            expected_participants=100, draws_total=5, draws_per_day=2, on_home=True,
            banner=banner((217, 51, 46), "lottery.png"),
            prizes=(campaigns.PrizeInput("一等奖：智能电饭煲", 3, "到所在街镇社区事务受理中心领取"),
                    campaigns.PrizeInput("二等奖：保温杯", 20, "到所在居村委领取"),
                    campaigns.PrizeInput("三等奖：环保袋", 200, "到所在居村委领取")),
            rules=("活动期间每人最多抽奖5次，每天2次。", "中奖后请在“我的奖品”查看领取方式。", "奖品数量有限，抽完即止。")))
        campaigns.publish_lottery(actor=district, lottery_id=lottery.pk)
        for user in neighbours[:6]:
            campaigns.draw(actor=user, lottery_id=lottery.pk)
        local = campaigns.create_lottery(actor=staff, data=campaigns.LotteryInput(
            community_id=community_id, theme="垃圾分类我先行 社区抽奖", starts_at=now - dt.timedelta(hours=2),
            ends_at=now + dt.timedelta(days=7), expected_participants=200, draws_total=3, draws_per_day=1,
            bean_cost=10, prizes=(campaigns.PrizeInput("分类垃圾桶", 10, "居委会领取"),),
            rules=("每次抽奖消耗10社区豆。", "每人每天1次。")))
        campaigns.publish_lottery(actor=staff, lottery_id=local.pk)
        return lottery

    def _quiz(self, district: User, players: list[User]) -> Quiz:
        now = clock.now()
        quiz = campaigns.create_quiz(actor=district, data=campaigns.QuizInput(
            community_id=None, title="宝山区垃圾分类知识有奖答题", starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=1), participant_cap=1000, time_limit_minutes=10,
            banner=banner((46, 125, 217), "quiz.png"),
            questions=(campaigns.QuestionInput("湿垃圾应投放到哪种颜色的垃圾桶？", ("棕色", "蓝色", "红色", "黑色"), (0,), 30),
                       campaigns.QuestionInput("以下哪些属于可回收物？", ("旧报纸", "废电池", "塑料瓶", "果皮"), (0, 2), 40),
                       campaigns.QuestionInput("废弃的药品属于？", ("干垃圾", "有害垃圾", "湿垃圾"), (1,), 30)),
            prizes=(campaigns.TierInput(1, "家用急救包", 1), campaigns.TierInput(2, "环保袋", 3)),
            rules=("每人限答一次，限时10分钟。", "按得分从高到低评奖，同分先提交者优先。")))
        campaigns.publish_quiz(actor=district, quiz_id=quiz.pk)
        q = list(quiz.questions.all())
        answer_sets = [{str(q[0].pk): [0], str(q[1].pk): [0, 2], str(q[2].pk): [1]},
                       {str(q[0].pk): [0], str(q[1].pk): [0], str(q[2].pk): [1]},
                       {str(q[0].pk): [1], str(q[1].pk): [0, 2], str(q[2].pk): [1]}]
        for i, user in enumerate(players[:7]):
            campaigns.start_attempt(actor=user, quiz_id=quiz.pk)
            campaigns.submit_attempt(actor=user, quiz_id=quiz.pk, answers=answer_sets[i % 3])
        # The demo shows a finished quiz: move the window into the past (only dates of rows just written), then award.
        Quiz.objects.filter(pk=quiz.pk).update(starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(minutes=1))
        campaigns.settle_ended_quizzes()
        quiz.refresh_from_db()
        return quiz
