"""Every change of 抽奖 and 有奖答题: set up, publish, draw, answer, award, close, mark collected.

The hot paths (``draw``, ``start_attempt``, ``submit_attempt``) read what they
can before their transaction (the campaign, its prizes), then change only
rows that enforce a limit, each by a conditional UPDATE: the person's total
and daily draws, the 社区豆 balance (points.services.spend_beans), one
prize's stock. The random source is ``secrets`` (the OS's CSPRNG).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.boards.images import check_images
from shequtong.common import clock
from shequtong.common.errors import Conflict, PermissionRefused, ValidationFailed
from shequtong.inbox.services import send_system_message
from shequtong.points import services as points
from shequtong.points.models import Action as PointsAction
from shequtong.points.policies import manages_place

from .errors import CampaignError
from .models import (
    Attempt,
    Award,
    Draw,
    Lottery,
    Player,
    PlayerDay,
    Prize,
    Question,
    Quiz,
    QuizPrize,
    Status,
)
from .policies import access_award, access_lottery, access_quiz

MAX_PRIZES = 10
MAX_RULES = 10
MAX_QUESTIONS = 50
SUBMIT_GRACE = dt.timedelta(seconds=30)  # the network between the last second and the server


@dataclass(frozen=True)
class PrizeInput:
    name: str
    quantity: int
    note: str = ""


@dataclass(frozen=True)
class LotteryInput:
    community_id: int | None   # None: a district lottery (爱宝山)
    theme: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    expected_participants: int
    draws_total: int
    draws_per_day: int
    prizes: tuple[PrizeInput, ...]
    rules: tuple[str, ...]
    bean_cost: int = 0
    on_home: bool = False
    banner: Any = None


@dataclass(frozen=True)
class QuestionInput:
    text: str
    options: tuple[str, ...]
    answers: tuple[int, ...]
    score: int


@dataclass(frozen=True)
class TierInput:
    level: int
    name: str
    quantity: int


@dataclass(frozen=True)
class QuizInput:
    community_id: int | None
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    participant_cap: int
    time_limit_minutes: int
    questions: tuple[QuestionInput, ...]
    prizes: tuple[TierInput, ...]
    rules: tuple[str, ...]
    on_home: bool = False
    banner: Any = None


# --- shared checks ------------------------------------------------------------------------

def _refuse(errors: dict[str, str]) -> None:
    if errors:
        name, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=name)
        err.errors = errors  # type: ignore[attr-defined]
        raise err


def _place(actor: User, community_id: int | None) -> tuple[int | None, int | None]:
    if community_id is None:
        if not manages_place(actor, None):
            raise PermissionRefused("只有区级观察人员可以通过爱宝山发布全区活动")
        return None, None
    community = scope.community_in_scope(actor, "committee", community_id)
    return community.pk, community.subdistrict_id


def _common_errors(title: str, starts_at: dt.datetime, ends_at: dt.datetime, rules: tuple[str, ...],
                   label: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = f"请填写{label}"
    elif len(title.strip()) > 100:
        errors["title"] = f"{label}不能超过100字"
    if ends_at <= starts_at:
        errors["ends_at"] = "结束时间必须晚于开始时间"
    elif ends_at <= clock.now():
        errors["ends_at"] = "结束时间必须晚于现在"
    rules = tuple(r.strip() for r in rules if r.strip())
    if not rules:
        errors["rules"] = "请至少填写一条活动规则"
    elif len(rules) > MAX_RULES or any(len(r) > 300 for r in rules):
        errors["rules"] = f"最多{MAX_RULES}条规则，每条不超过300字"
    return errors


def _banner(obj: Lottery | Quiz, upload: Any) -> None:
    if upload is None:
        return
    (clean, ext), = check_images([upload])
    if obj.banner:
        obj.banner.delete(save=False)
    obj.banner.save(f"{uuid.uuid4().hex}.{ext}", clean, save=False)


# --- lottery set-up (LQ-1) ----------------------------------------------------------------

def _check_lottery(data: LotteryInput) -> tuple[list[PrizeInput], list[str]]:
    errors = _common_errors(data.theme, data.starts_at, data.ends_at, data.rules, "抽奖主题")
    if "title" in errors:
        errors["theme"] = errors.pop("title")
    if not (1 <= data.expected_participants <= 10_000_000):
        errors["expected_participants"] = "预计抽奖人数应为1到10000000"
    if not (1 <= data.draws_total <= 1000):
        errors["draws_total"] = "每人最多抽奖次数应为1到1000"
    if not (1 <= data.draws_per_day <= data.draws_total):
        errors["draws_per_day"] = "每人每日抽奖次数应为1到每人最多抽奖次数"
    if not (0 <= data.bean_cost <= 10000):
        errors["bean_cost"] = "每次抽奖消耗社区豆应为0到10000"
    prizes = [PrizeInput(p.name.strip(), p.quantity, p.note.strip()) for p in data.prizes if p.name.strip()]
    if not prizes:
        errors["prizes"] = "请至少设置一个奖项"
    elif len(prizes) > MAX_PRIZES:
        errors["prizes"] = f"最多设置{MAX_PRIZES}个奖项"
    elif any(not (1 <= p.quantity <= 1_000_000) or len(p.name) > 60 or len(p.note) > 200 for p in prizes):
        errors["prizes"] = "每个奖项需填写名称（60字以内）和数量（1到1000000），备注不超过200字"
    _refuse(errors)
    return prizes, [r.strip() for r in data.rules if r.strip()]


def _apply_lottery(lottery: Lottery, data: LotteryInput, prizes: list[PrizeInput], rules: list[str]) -> None:
    lottery.theme, lottery.starts_at, lottery.ends_at = data.theme.strip(), data.starts_at, data.ends_at
    lottery.expected_participants, lottery.draws_total = data.expected_participants, data.draws_total
    lottery.draws_per_day, lottery.bean_cost = data.draws_per_day, data.bean_cost
    lottery.rules, lottery.on_home = rules, data.on_home
    _banner(lottery, data.banner)
    lottery.save()
    lottery.prizes.all().delete()
    Prize.objects.bulk_create([Prize(lottery=lottery, position=i, name=p.name, quantity=p.quantity, note=p.note)
                               for i, p in enumerate(prizes)])


def create_lottery(*, actor: User, data: LotteryInput) -> Lottery:
    community_id, subdistrict_id = _place(actor, data.community_id)
    prizes, rules = _check_lottery(data)
    with transaction.atomic():
        lottery = Lottery(community_id=community_id, subdistrict_id=subdistrict_id, created_by=actor,
                          created_at=clock.now())
        _apply_lottery(lottery, data, prizes, rules)
    return lottery


def update_lottery(*, actor: User, lottery_id: int, data: LotteryInput) -> Lottery:
    prizes, rules = _check_lottery(data)
    with transaction.atomic():
        lottery, access = access_lottery(actor, lottery_id, for_update=True)
        if not access.can_edit:
            raise Conflict("已发布的抽奖活动不能修改", code=CampaignError.NOT_DRAFT)
        _apply_lottery(lottery, data, prizes, rules)
    return lottery


def _publish(obj: Lottery | Quiz, can: bool) -> None:
    if not can:
        raise Conflict("只有未发布的活动可以发布", code=CampaignError.NOT_DRAFT)
    if obj.ends_at <= clock.now():
        raise ValidationFailed("结束时间已过，请修改后再发布", field="ends_at")
    obj.status, obj.published_at = Status.PUBLISHED, clock.now()
    obj.save(update_fields=["status", "published_at"])


def _close(obj: Lottery | Quiz, can: bool, actor: User) -> None:
    if not can:
        raise Conflict("只有已发布的活动可以关闭", code=CampaignError.NOT_PUBLISHED)
    obj.status, obj.closed_at, obj.closed_by = Status.CLOSED, clock.now(), actor
    obj.save(update_fields=["status", "closed_at", "closed_by"])


def publish_lottery(*, actor: User, lottery_id: int) -> Lottery:
    with transaction.atomic():
        lottery, access = access_lottery(actor, lottery_id, for_update=True)
        _publish(lottery, access.can_publish)
    return lottery


def close_lottery(*, actor: User, lottery_id: int) -> Lottery:
    """Close early (LQ-2): nobody draws any more; the wins so far stand."""
    with transaction.atomic():
        lottery, access = access_lottery(actor, lottery_id, for_update=True)
        _close(lottery, access.can_close, actor)
    return lottery


# --- drawing (LQ-3, LQ-6) -----------------------------------------------------------------

def _take(model: type[models.Model], keys: dict[str, Any], limit: int) -> bool:
    """Count one more draw on the person's row if it stays within ``limit`` (a conditional UPDATE)."""
    manager = model._default_manager
    if manager.filter(**keys, draws__lt=limit).update(draws=F("draws") + 1):
        return True
    if limit < 1 or manager.filter(**keys).exists():
        return False
    try:
        with transaction.atomic():
            manager.create(**keys, draws=1)
        return True
    except IntegrityError:  # the person's other press created it first
        return bool(manager.filter(**keys, draws__lt=limit).update(draws=F("draws") + 1))


def _pick_order(prizes: list[Prize]) -> list[Prize]:
    """Prizes with stock, the first chosen at random weighted by what is left, then the rest as fallbacks."""
    pool = [p for p in prizes if p.left > 0]
    order: list[Prize] = []
    while pool:
        n = secrets.randbelow(sum(p.left for p in pool))
        for p in pool:
            n -= p.left
            if n < 0:
                order.append(p)
                pool.remove(p)
                break
    return order


def draw(*, actor: User, lottery_id: int) -> Draw:
    """One press of 抽奖: within the window and the person's limits, the server decides (``secrets``)."""
    lottery, access = access_lottery(actor, lottery_id)
    if not access.can_play:
        raise PermissionRefused("您不在该抽奖活动的范围内" if not access.is_audience else "该抽奖活动未在进行中",
                                code=CampaignError.NOT_OPEN)
    now = clock.now()
    if not (lottery.starts_at <= now < lottery.ends_at):
        raise Conflict("不在抽奖时间内", code=CampaignError.NOT_OPEN)
    prizes = list(lottery.prizes.all())
    chance = min(1.0, sum(p.quantity for p in prizes) / max(1, lottery.expected_participants * lottery.draws_total))
    community = scope.home_community(actor)
    community_id = community.pk if community else None
    today = clock.today()
    with transaction.atomic():
        if not _take(Player, {"lottery_id": lottery.pk, "user_id": actor.pk}, lottery.draws_total):
            raise Conflict("您的抽奖次数已用完", code=CampaignError.NO_DRAWS_LEFT)
        if not _take(PlayerDay, {"lottery_id": lottery.pk, "user_id": actor.pk, "day": today}, lottery.draws_per_day):
            raise Conflict("今日抽奖次数已用完，明天再来", code=CampaignError.NO_DRAWS_TODAY)
        if lottery.bean_cost:
            points.spend_beans(user_id=actor.pk, amount=lottery.bean_cost, action=PointsAction.DRAW,
                               reason=f"抽奖：{lottery.theme}", ref_type="lottery", ref_id=lottery.pk,
                               community_id=community_id)
        won: Prize | None = None
        if secrets.randbelow(1_000_000) < int(chance * 1_000_000):
            for prize in _pick_order(prizes):
                # The prize row is the hot one: locked only by a winning draw, for one UPDATE.
                if Prize.objects.filter(pk=prize.pk, drawn__lt=F("quantity")).update(drawn=F("drawn") + 1):
                    won = prize
                    break
        award = None
        if won is not None:
            award = Award.objects.create(user=actor, community_id=community_id, lottery=lottery, prize_name=won.name,
                                         how_to_collect=won.note, created_at=now)
        row = Draw.objects.create(lottery=lottery, user=actor, day=today, prize=won, award=award, created_at=now)
    return row


def collect_award(*, actor: User, award_id: int) -> Award:
    """The committee (or the district, for its campaigns) marks a prize handed over."""
    with transaction.atomic():
        award, access = access_award(actor, award_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有活动发布方可以登记领奖")
        if not access.can_collect:
            raise Conflict("该奖品已领取", code=CampaignError.ALREADY_COLLECTED)
        award.collected_at, award.collected_by = clock.now(), actor
        award.save(update_fields=["collected_at", "collected_by"])
    return award


# --- quiz (LQ-5) ----------------------------------------------------------------------------

def _check_quiz(data: QuizInput) -> tuple[list[QuestionInput], list[TierInput], list[str]]:
    errors = _common_errors(data.title, data.starts_at, data.ends_at, data.rules, "活动名称")
    if not (1 <= data.participant_cap <= 10_000_000):
        errors["participant_cap"] = "可参与的人数应为1到10000000"
    if not (1 <= data.time_limit_minutes <= 180):
        errors["time_limit_minutes"] = "答题时限应为1到180分钟"
    questions = [q for q in data.questions if q.text.strip()]
    if not questions:
        errors["questions"] = "请至少设置一道题目"
    elif len(questions) > MAX_QUESTIONS:
        errors["questions"] = f"最多{MAX_QUESTIONS}道题目"
    for i, q in enumerate(questions, 1):
        options = [o for o in q.options if o.strip()]
        if len(options) < 2 or len(options) > 8:
            errors["questions"] = f"第{i}题需要2到8个选项"
        elif not q.answers or any(a < 0 or a >= len(options) for a in q.answers):
            errors["questions"] = f"第{i}题请填写正确答案（选项字母）"
        elif not (1 <= q.score <= 100):
            errors["questions"] = f"第{i}题分值应为1到100"
        elif len(q.text) > 300 or any(len(o) > 100 for o in options):
            errors["questions"] = f"第{i}题题目不超过300字，选项不超过100字"
    tiers = [t for t in data.prizes if t.name.strip()]
    if not tiers:
        errors["prizes"] = "请至少设置一个奖品等级"
    elif len({t.level for t in tiers}) != len(tiers) or any(not (1 <= t.level <= 10) for t in tiers):
        errors["prizes"] = "奖品等级应为1到10且不能重复"
    elif any(not (1 <= t.quantity <= 1_000_000) or len(t.name) > 60 for t in tiers):
        errors["prizes"] = "每个奖品需填写名称（60字以内）和数量（1到1000000）"
    _refuse(errors)
    cleaned_q = [QuestionInput(q.text.strip(), tuple(o.strip() for o in q.options if o.strip()),
                               tuple(sorted(set(q.answers))), q.score) for q in questions]
    return cleaned_q, sorted(tiers, key=lambda t: t.level), [r.strip() for r in data.rules if r.strip()]


def _apply_quiz(quiz: Quiz, data: QuizInput, questions: list[QuestionInput], tiers: list[TierInput],
                rules: list[str]) -> None:
    quiz.title, quiz.starts_at, quiz.ends_at = data.title.strip(), data.starts_at, data.ends_at
    quiz.participant_cap, quiz.time_limit_minutes = data.participant_cap, data.time_limit_minutes
    quiz.rules, quiz.on_home = rules, data.on_home
    _banner(quiz, data.banner)
    quiz.save()
    quiz.questions.all().delete()
    quiz.prizes.all().delete()
    Question.objects.bulk_create([Question(quiz=quiz, position=i, text=q.text, options=list(q.options),
                                           answers=list(q.answers), score=q.score) for i, q in enumerate(questions)])
    QuizPrize.objects.bulk_create([QuizPrize(quiz=quiz, level=t.level, name=t.name.strip(), quantity=t.quantity)
                                   for t in tiers])


def create_quiz(*, actor: User, data: QuizInput) -> Quiz:
    community_id, subdistrict_id = _place(actor, data.community_id)
    questions, tiers, rules = _check_quiz(data)
    with transaction.atomic():
        quiz = Quiz(community_id=community_id, subdistrict_id=subdistrict_id, created_by=actor, created_at=clock.now())
        _apply_quiz(quiz, data, questions, tiers, rules)
    return quiz


def update_quiz(*, actor: User, quiz_id: int, data: QuizInput) -> Quiz:
    questions, tiers, rules = _check_quiz(data)
    with transaction.atomic():
        quiz, access = access_quiz(actor, quiz_id, for_update=True)
        if not access.can_edit:
            raise Conflict("已发布的答题活动不能修改", code=CampaignError.NOT_DRAFT)
        _apply_quiz(quiz, data, questions, tiers, rules)
    return quiz


def publish_quiz(*, actor: User, quiz_id: int) -> Quiz:
    with transaction.atomic():
        quiz, access = access_quiz(actor, quiz_id, for_update=True)
        _publish(quiz, access.can_publish)
    return quiz


def start_attempt(*, actor: User, quiz_id: int) -> Attempt:
    """Begin answering: one attempt per person, within the participant cap; the time limit starts now."""
    quiz, access = access_quiz(actor, quiz_id)
    if not access.can_play:
        raise PermissionRefused("该答题活动未在进行中", code=CampaignError.NOT_OPEN)
    now = clock.now()
    if not (quiz.starts_at <= now < quiz.ends_at):
        raise Conflict("不在答题时间内", code=CampaignError.NOT_OPEN)
    existing = Attempt.objects.filter(quiz=quiz, user=actor).first()
    if existing is not None:
        if existing.submitted_at is None and now < existing.deadline:
            return existing  # the same attempt, reopened (the clock keeps running)
        raise Conflict("您已参加过本次答题", code=CampaignError.ALREADY_ATTEMPTED)
    community = scope.home_community(actor)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz, user=actor, community=community, day=clock.today(), started_at=now,
                deadline=min(quiz.ends_at, now + dt.timedelta(minutes=quiz.time_limit_minutes)))
            if not Quiz.objects.filter(pk=quiz.pk, participants__lt=F("participant_cap")).update(
                    participants=F("participants") + 1):
                raise Conflict("参与人数已满", code=CampaignError.QUIZ_FULL)
    except IntegrityError as exc:
        raise Conflict("您已参加过本次答题", code=CampaignError.ALREADY_ATTEMPTED) from exc
    return attempt


def score_of(questions: list[Question], answers: dict[str, list[int]]) -> int:
    """A question scores when the chosen options are exactly its correct ones."""
    return sum(q.score for q in questions if sorted(set(answers.get(str(q.pk), []))) == sorted(q.answers))


def submit_attempt(*, actor: User, quiz_id: int, answers: dict[str, list[int]]) -> Attempt:
    """Hand in the answers once, before the time limit; the score is counted here, prizes when it ends."""
    quiz, _access = access_quiz(actor, quiz_id)
    questions = list(quiz.questions.all())
    valid = {str(q.pk): q for q in questions}
    clean = {k: [int(i) for i in v if 0 <= int(i) < len(valid[k].options)] for k, v in answers.items() if k in valid}
    now = clock.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().filter(quiz=quiz, user=actor).first()
        if attempt is None:
            raise Conflict("请先开始答题", code=CampaignError.NOT_OPEN)
        if attempt.submitted_at is not None:
            raise Conflict("您已提交过答案", code=CampaignError.ALREADY_ATTEMPTED)
        if now > attempt.deadline + SUBMIT_GRACE or quiz.status == Status.CLOSED:
            raise Conflict("答题时间已到，答案未能提交", code=CampaignError.TIME_UP)
        attempt.answers, attempt.score, attempt.submitted_at = clean, score_of(questions, clean), now
        attempt.save(update_fields=["answers", "score", "submitted_at"])
    return attempt


def _settle(quiz: Quiz) -> int:
    """Award prize tiers by score (ties: who submitted first), best tier first; returns prizes awarded."""
    if quiz.settled_at is not None:
        return 0
    tiers = list(quiz.prizes.order_by("level"))
    ranked = Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False, score__gt=0).order_by(
        "-score", "submitted_at", "id").select_related("user")
    slots = [t for t in tiers for _ in range(t.quantity)]
    given = 0
    now = clock.now()
    for attempt, tier in zip(ranked.iterator(), slots, strict=False):
        award = Award.objects.create(user=attempt.user, community_id=attempt.community_id, quiz=quiz,
                                     prize_name=f"{tier.level_label}：{tier.name}", created_at=now)
        attempt.prize = tier
        attempt.save(update_fields=["prize"])
        QuizPrize.objects.filter(pk=tier.pk).update(awarded=F("awarded") + 1)
        send_system_message(recipient=attempt.user, subject=f"恭喜您在“{quiz.title}”中获奖",
                            body=f"您的得分为{attempt.score}分，获得{award.prize_name}。请在“我的奖品”中查看领取方式。")
        given += 1
    quiz.settled_at = now
    quiz.save(update_fields=["settled_at"])
    return given


def settle_quiz(*, actor: User, quiz_id: int) -> Quiz:
    """评奖 once the quiz has ended (or was closed)."""
    with transaction.atomic():
        quiz, access = access_quiz(actor, quiz_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有活动发布方可以评奖")
        if quiz.status == Status.DRAFT or (quiz.status == Status.PUBLISHED and clock.now() < quiz.ends_at):
            raise Conflict("活动结束后才能评奖", code=CampaignError.NOT_ENDED)
        _settle(quiz)
    return quiz


def close_quiz(*, actor: User, quiz_id: int) -> Quiz:
    """Close early (LQ-5): nobody starts or hands in any more, and the prizes are awarded by score."""
    with transaction.atomic():
        quiz, access = access_quiz(actor, quiz_id, for_update=True)
        _close(quiz, access.can_close, actor)
        _settle(quiz)
    return quiz


def settle_ended_quizzes() -> int:
    """For the scheduler / a command: award every quiz whose time is up."""
    done = 0
    for pk in Quiz.objects.filter(status=Status.PUBLISHED, ends_at__lte=clock.now(), settled_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            quiz = Quiz.objects.select_for_update().get(pk=pk)
            done += _settle(quiz)
    return done
