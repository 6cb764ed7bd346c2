"""抽奖 and 有奖答题: set-up, publishing, drawing within limits and stock, awards, quiz scoring and prizes by score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from shequtong.campaigns import selectors, services
from shequtong.campaigns.models import Award, Draw, Lottery, Player, Status
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.points import services as points
from shequtong.points.models import PointsAccount, PointsEntry

from .helpers import lottery_input, published_lottery, quiz_input

pytestmark = pytest.mark.django_db


def test_a_draft_is_its_committees_alone_until_published(cast) -> None:
    lottery = services.create_lottery(actor=cast.staff_a, data=lottery_input(cast.a))
    assert lottery.status == Status.DRAFT and lottery.prizes.count() == 2
    with pytest.raises(NotFound):
        services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    with pytest.raises(NotFound):
        services.publish_lottery(actor=cast.staff_b, lottery_id=lottery.pk)
    services.publish_lottery(actor=cast.staff_a, lottery_id=lottery.pk)
    with pytest.raises(Conflict):
        services.update_lottery(actor=cast.staff_a, lottery_id=lottery.pk, data=lottery_input(cast.a))
    with pytest.raises(NotFound):
        services.draw(actor=cast.resident_b, lottery_id=lottery.pk)  # another community's residents


def test_bad_set_up_is_refused_with_every_reason(cast) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_lottery(actor=cast.staff_a, data=lottery_input(
            cast.a, theme="", prizes=(), rules=(), draws_per_day=5, ends_at=clock.now() - dt.timedelta(days=1)))
    assert set(exc.value.errors) >= {"theme", "prizes", "rules", "draws_per_day", "ends_at"}  # type: ignore[attr-defined]
    assert not Lottery.objects.exists()
    with pytest.raises(PermissionRefused):
        services.create_lottery(actor=cast.staff_a, data=lottery_input(None))  # only the district publishes district-wide
    with pytest.raises(NotFound):
        services.create_lottery(actor=cast.staff_a, data=lottery_input(cast.b))


def test_draws_respect_total_and_daily_limits_and_the_stock(cast) -> None:
    lottery = published_lottery(cast.district, None, draws_total=3, draws_per_day=2)  # chance 3/(1×3): every draw wins until stock runs out
    outcomes = [services.draw(actor=cast.resident_a, lottery_id=lottery.pk) for _ in range(2)]
    with pytest.raises(Conflict, match="今日"):
        services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    assert all(d.prize_id for d in outcomes)
    services.draw(actor=cast.resident_b, lottery_id=lottery.pk)
    d = services.draw(actor=cast.resident_b, lottery_id=lottery.pk)
    assert d.prize_id is None  # three prizes in all: the fourth draw finds no stock
    assert lottery.prizes.aggregate(n=Sum("drawn"))["n"] == 3
    assert Award.objects.filter(lottery=lottery).count() == 3
    assert Player.objects.get(lottery=lottery, user=cast.resident_a).draws == 2
    live = selectors.lottery_live(lottery)
    assert live["total_draws"] == 4 and live["won"] == 3 and live["left"] == 0
    assert live["days"][0]["people"] == 2


def test_the_total_limit_holds_across_days(cast, monkeypatch) -> None:
    lottery = published_lottery(cast.staff_a, cast.a, draws_total=2, draws_per_day=2)
    services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    tomorrow = clock.today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    with pytest.raises(Conflict, match="已用完"):
        services.draw(actor=cast.resident_a, lottery_id=lottery.pk)


def test_a_paid_draw_spends_beans_and_without_beans_counts_nothing(cast) -> None:
    lottery = published_lottery(cast.staff_a, cast.a, bean_cost=5)
    with pytest.raises(Conflict, match="社区豆不足"):
        services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    assert not Draw.objects.exists() and not Player.objects.filter(draws__gt=0).exists()
    points.check_in(actor=cast.resident_a)
    services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    assert PointsAccount.objects.get(pk=cast.resident_a.pk).beans == 0
    assert PointsEntry.objects.filter(user=cast.resident_a, action="draw", beans=-5).count() == 1


def test_closing_early_stops_drawing_and_the_committee_marks_prizes_collected(cast) -> None:
    lottery = published_lottery(cast.staff_a, cast.a)
    d = services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    services.close_lottery(actor=cast.secretary_a, lottery_id=lottery.pk)
    with pytest.raises(PermissionRefused):
        services.draw(actor=cast.resident_a, lottery_id=lottery.pk)
    with pytest.raises(NotFound):
        services.collect_award(actor=cast.staff_b, award_id=d.award_id)
    with pytest.raises(PermissionRefused):
        services.collect_award(actor=cast.resident_a, award_id=d.award_id)
    services.collect_award(actor=cast.staff_a, award_id=d.award_id)
    assert selectors.my_awards(cast.resident_a).get().collected_at is not None


def test_observers_watch_their_scope_and_district_campaigns(cast) -> None:
    a = published_lottery(cast.staff_a, cast.a)
    b = published_lottery(cast.staff_b, cast.b)
    district = published_lottery(cast.district, None)
    assert set(selectors.watched(cast.subdistrict_observer, Lottery)) == {a}
    assert set(selectors.watched(cast.district, Lottery)) == {a, b, district}
    assert set(selectors.watched(cast.staff_a, Lottery)) == {a}
    assert set(selectors.playable(cast.resident_a, Lottery)) == {a, district}
    assert list(selectors.watched(cast.district, Lottery, "不存在")) == []


def test_quiz_one_attempt_time_limit_and_prizes_by_score_ties_by_submission_time(cast, monkeypatch) -> None:
    quiz = services.create_quiz(actor=cast.staff_a, data=quiz_input(cast.a, participant_cap=3))
    services.publish_quiz(actor=cast.staff_a, quiz_id=quiz.pk)
    q1, q2 = quiz.questions.all()
    full = {str(q1.pk): [0], str(q2.pk): [0, 2]}
    players = [cast.resident_a, cast.party_member_a, cast.villager]
    services.start_attempt(actor=cast.resident_a, quiz_id=quiz.pk)
    with pytest.raises(NotFound):
        services.start_attempt(actor=cast.villager, quiz_id=quiz.pk)  # another community
    services.start_attempt(actor=cast.party_member_a, quiz_id=quiz.pk)
    first = services.submit_attempt(actor=cast.party_member_a, quiz_id=quiz.pk, answers=full)
    second = services.submit_attempt(actor=cast.resident_a, quiz_id=quiz.pk, answers=full)
    assert first.score == second.score == 100 and first.submitted_at <= second.submitted_at
    with pytest.raises(Conflict):
        services.submit_attempt(actor=cast.resident_a, quiz_id=quiz.pk, answers=full)
    with pytest.raises(Conflict):
        services.start_attempt(actor=cast.resident_a, quiz_id=quiz.pk)
    with pytest.raises(Conflict, match="结束后"):
        services.settle_quiz(actor=cast.staff_a, quiz_id=quiz.pk)
    services.close_quiz(actor=cast.staff_a, quiz_id=quiz.pk)
    prizes = {a.user_id: a.prize_name for a in Award.objects.filter(quiz=quiz)}
    assert prizes == {cast.party_member_a.pk: "一等奖：保温杯", cast.resident_a.pk: "二等奖：环保袋"}
    assert players  # the villager never played


def test_quiz_time_limit_and_participant_cap(cast, monkeypatch) -> None:
    quiz = services.create_quiz(actor=cast.staff_a, data=quiz_input(cast.a, participant_cap=1, time_limit_minutes=1))
    services.publish_quiz(actor=cast.staff_a, quiz_id=quiz.pk)
    services.start_attempt(actor=cast.resident_a, quiz_id=quiz.pk)
    with pytest.raises(Conflict, match="人数已满"):
        services.start_attempt(actor=cast.party_member_a, quiz_id=quiz.pk)
    later = clock.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(Conflict, match="时间已到"):
        services.submit_attempt(actor=cast.resident_a, quiz_id=quiz.pk, answers={})


def test_pages_draw_and_live(cast, client) -> None:
    lottery = published_lottery(cast.staff_a, cast.a)
    client.force_login(cast.resident_a)
    assert client.post(f"/campaigns/lotteries/{lottery.pk}/draw/").status_code == 302
    page = client.get(f"/campaigns/lotteries/{lottery.pk}/").content.decode()
    assert "恭喜您抽中" in page
    assert "一等奖" in client.get("/campaigns/prizes/").content.decode() or "二等奖" in client.get("/campaigns/prizes/").content.decode()
    client.force_login(cast.subdistrict_observer)
    live = client.get(f"/campaigns/lotteries/{lottery.pk}/live/").content.decode()
    assert "王*红" in live and "王小红" not in live
    export = client.get(f"/campaigns/lotteries/{lottery.pk}/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_worker_awards_a_quiz_whose_time_is_up(cast, monkeypatch) -> None:
    from shequtong.notifications import scheduler

    quiz = services.create_quiz(actor=cast.staff_a, data=quiz_input(cast.a))
    services.publish_quiz(actor=cast.staff_a, quiz_id=quiz.pk)
    services.start_attempt(actor=cast.resident_a, quiz_id=quiz.pk)
    q1 = quiz.questions.first()
    services.submit_attempt(actor=cast.resident_a, quiz_id=quiz.pk, answers={str(q1.pk): [0]})
    assert scheduler.jobs()["campaigns.settle_ended_quizzes"]() == 0  # still running: nothing awarded
    later = quiz.ends_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert scheduler.jobs()["campaigns.settle_ended_quizzes"]() == 1
    assert Award.objects.get(quiz=quiz).prize_name == "一等奖：保温杯"
    assert scheduler.jobs()["campaigns.settle_ended_quizzes"]() == 0  # once
