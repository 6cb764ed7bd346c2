"""Browser journeys of issue 17: the district publishes a lottery with a banner and a resident draws and sees
我的奖品 while the district sees the winner live; a resident checks in, earns and spends 社区豆 on a gift;
a committee's quiz from creation to the prize by score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.campaigns.models import Award, Lottery, Quiz
from shequtong.common import clock
from shequtong.points import services as points
from shequtong.points.models import PointsAccount

from ..factories import PASSWORD, image_upload, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def test_district_lottery_with_banner_resident_draws_district_sees_the_winner(live_server, new_page, tmp_path):
    tree = make_tree()
    district = make_with_role(Role.DISTRICT_OBSERVER, None, username="district-e2e", real_name="郑文辉")
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="wang-e2e", real_name="王小红")
    base = live_server.url
    banner = tmp_path / "banner.png"
    banner.write_bytes(image_upload(size=(750, 300)).read())

    page = new_page()
    login(page, base, district.username, PASSWORD)
    page.click(".tile:has-text('抽奖答题')")
    page.click("[data-testid=new-lottery]")
    page.fill("#id_theme", "爱宝山 新年抽奖")
    page.fill("#id_starts_at", _local(clock.now() - dt.timedelta(hours=1)))
    page.fill("#id_ends_at", _local(clock.now() + dt.timedelta(days=7)))
    page.fill("#id_expected_participants", "1")
    page.fill("#id_draws_total", "1")
    page.fill("#id_draws_per_day", "1")
    page.fill("input[name=prize_name_0]", "一等奖：智能电饭煲")
    page.fill("input[name=prize_quantity_0]", "1")
    page.fill("input[name=prize_note_0]", "到街镇社区事务受理中心领取")
    page.fill("#id_rules", "每人限抽1次\n奖品数量有限，抽完即止")
    page.set_input_files("#id_banner", str(banner))
    page.check("#id_on_home")
    shot(page, "incentives-01-lottery-form")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=preview-note]")
    expect(page.locator("[data-testid=banner]")).to_be_visible()  # (the image arrives after the page)
    shot(page, "incentives-02-lottery-preview")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=live-link]")
    lottery = Lottery.objects.get()
    assert lottery.status == "published" and lottery.community_id is None and lottery.banner

    res = new_page()
    login(res, base, resident.username, PASSWORD)
    res.click(".tile:has-text('抽奖答题')")
    res.click("[data-testid=lottery-row]:has-text('爱宝山 新年抽奖')")
    shot(res, "incentives-03-lottery-resident")
    res.click("[data-testid=draw]")
    res.wait_for_selector("[data-testid=draw-result]:has-text('恭喜您抽中')")
    shot(res, "incentives-04-lottery-won")
    res.click("a.linkish:has-text('我的奖品')")
    res.wait_for_selector("[data-testid=my-prize]:has-text('智能电饭煲')")
    assert "到街镇社区事务受理中心领取" in res.content()
    shot(res, "incentives-05-my-prizes")
    account_services.set_elder_mode(actor=resident, enabled=True)
    res.goto(base + f"/campaigns/lotteries/{lottery.pk}/")
    assert "elder" in (res.locator("body").get_attribute("class") or "")
    shot(res, "incentives-06-lottery-elder")

    page.goto(base + f"/campaigns/lotteries/{lottery.pk}/live/")
    row = page.locator("[data-testid=winner-row]")
    row.wait_for()
    assert "王*红" in row.inner_text() and "王小红" not in page.content()
    assert page.locator("[data-testid=won]").inner_text() == "1"
    shot(page, "incentives-07-lottery-live")


def test_resident_checks_in_earns_and_spends_on_a_gift(live_server, new_page):
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-e2e", real_name="孙丽华")
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="li-e2e", real_name="李秀英")
    points.create_gift(actor=staff, data=points.GiftInput(
        name="环保购物袋", description="可重复使用", kind="physical", cost=5, stock=3,
        how_to_collect="凭兑换记录到居委会服务窗口领取", community_id=tree.comm_a1.pk))
    base = live_server.url

    page = new_page()
    login(page, base, resident.username, PASSWORD)
    page.goto(base + "/accounts/me/")
    page.click(".tile:has-text('我的积分')")
    assert page.locator("[data-testid=my-beans]").inner_text() == "0"
    page.click("[data-testid=checkin]")
    page.wait_for_selector("[data-testid=checkin]:has-text('今日已签到')")
    assert page.locator("[data-testid=my-beans]").inner_text() == "5"
    assert page.locator("[data-testid=my-level]").inner_text() == "社区新秀"
    shot(page, "incentives-08-points-checked-in")
    page.click("text=积分换礼品")
    page.click("[data-testid=gift-row]:has-text('环保购物袋')")
    shot(page, "incentives-09-gift")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=redeem]")
    page.wait_for_selector("[data-testid=my-redemptions]:has-text('待领取')")
    assert page.locator("[data-testid=gift-beans]").inner_text() == "0"
    shot(page, "incentives-10-gift-redeemed")
    page.goto(base + "/points/")
    assert page.locator("[data-testid=ledger-row]").count() == 2
    assert "兑换礼品：环保购物袋" in page.content()
    assert PointsAccount.objects.get(pk=resident.pk).beans == 0


def test_quiz_from_creation_to_the_prize_by_score(live_server, new_page):
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-q", real_name="孙丽华")
    first = make_with_role(Role.RESIDENT, tree.comm_a1, username="first-q", real_name="王小红")
    second = make_with_role(Role.RESIDENT, tree.comm_a1, username="second-q", real_name="李秀英")
    base = live_server.url

    page = new_page()
    login(page, base, staff.username, PASSWORD)
    page.goto(base + "/campaigns/manage/?kind=quizzes")
    page.click("[data-testid=new-quiz]")
    page.fill("#id_title", "垃圾分类有奖答题")
    page.fill("#id_starts_at", _local(clock.now() - dt.timedelta(hours=1)))
    page.fill("#id_ends_at", _local(clock.now() + dt.timedelta(days=1)))
    page.fill("#id_participant_cap", "100")
    page.fill("#id_time_limit_minutes", "10")
    page.fill("input[name=q_text_0]", "湿垃圾应投放到哪种颜色的桶？")
    page.fill("textarea[name=q_options_0]", "棕色\n蓝色\n红色")
    page.fill("input[name=q_answers_0]", "A")
    page.fill("input[name=q_score_0]", "60")
    page.fill("input[name=q_text_1]", "哪些是可回收物？")
    page.fill("textarea[name=q_options_1]", "旧报纸\n废电池\n塑料瓶")
    page.fill("input[name=q_answers_1]", "AC")
    page.fill("input[name=q_score_1]", "40")
    page.fill("input[name=tier_name_0]", "保温杯")
    page.fill("input[name=tier_quantity_0]", "1")
    page.fill("input[name=tier_name_1]", "环保袋")
    page.fill("input[name=tier_quantity_1]", "1")
    page.fill("#id_rules", "每人限答一次\n按得分评奖，同分先提交者优先")
    shot(page, "incentives-11-quiz-form")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=preview-note]")
    shot(page, "incentives-12-quiz-preview")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=live-link]")
    quiz = Quiz.objects.get()

    def answer(user, choices: dict[int, list[str]], name: str) -> None:  # type: ignore[no-untyped-def]
        p = new_page()
        login(p, base, user.username, PASSWORD)
        p.goto(base + f"/campaigns/quizzes/{quiz.pk}/")
        p.once("dialog", lambda d: d.accept())
        p.click("[data-testid=start-quiz]")
        p.wait_for_selector("[data-testid=submit-answers]")
        questions = list(quiz.questions.all())
        for index, letters in choices.items():
            q = questions[index]
            for letter in letters:
                p.check(f"input[name=q_{q.pk}][value='{'ABC'.index(letter)}']")
        shot(p, f"incentives-13-quiz-answering-{name}")
        p.once("dialog", lambda d: d.accept())
        p.click("[data-testid=submit-answers]")
        p.wait_for_selector("[data-testid=my-score]")

    answer(second, {0: ["A"], 1: ["A"]}, "partial")      # 60 points
    answer(first, {0: ["A"], 1: ["A", "C"]}, "full")     # 100 points, handed in later

    page.goto(base + f"/campaigns/quizzes/{quiz.pk}/live/")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=close]")
    page.wait_for_selector("[data-testid=winner-row]")
    shot(page, "incentives-14-quiz-live")
    prizes = {a.user_id: a.prize_name for a in Award.objects.filter(quiz=quiz)}
    assert prizes == {first.pk: "一等奖：保温杯", second.pk: "二等奖：环保袋"}

    p = new_page()
    login(p, base, first.username, PASSWORD)
    p.goto(base + f"/campaigns/quizzes/{quiz.pk}/")
    p.wait_for_selector("[data-testid=quiz-award]:has-text('一等奖：保温杯')")
    shot(p, "incentives-15-quiz-prize")
