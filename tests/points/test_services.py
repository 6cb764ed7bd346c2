"""积分: earning through board hooks within daily caps, the join grant, 签到, spending on gifts, scope."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequtong.accounts import services as account_services
from shequtong.boards import services as board_services
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.points import selectors, services
from shequtong.points.models import Action, PointsAccount, PointsEntry, level_of

from ..factories import make_post, make_user

pytestmark = pytest.mark.django_db


def _balance(user):  # type: ignore[no-untyped-def]
    return PointsAccount.objects.get(pk=user.pk)


def _ledger_sums(user):  # type: ignore[no-untyped-def]
    agg = PointsEntry.objects.filter(user=user).aggregate(r=Sum("reputation"), b=Sum("beans"))
    return agg["r"] or 0, agg["b"] or 0


def test_posting_replying_liking_reading_earn_and_the_balance_is_the_sum_of_the_ledger(cast) -> None:
    post = make_post(cast.resident_a, cast.a)
    board_services.reply_to(actor=cast.party_member_a, post_id=post.pk, body="同意")
    board_services.toggle_like(actor=cast.party_member_a, post_id=post.pk)
    board_services.record_read(actor=cast.party_member_a, post_id=post.pk)
    rule = services.EARN_RULES
    assert _balance(cast.resident_a).beans == rule[Action.POST].beans
    neighbour = _balance(cast.party_member_a)
    assert neighbour.beans == rule[Action.REPLY].beans + rule[Action.LIKE].beans + rule[Action.READ].beans
    for user in (cast.resident_a, cast.party_member_a):
        acct = _balance(user)
        assert (acct.reputation, acct.beans) == _ledger_sums(user)
    assert set(PointsEntry.objects.filter(user=cast.party_member_a).values_list("reason", flat=True)) == {
        "评论主题", "点赞", "阅读主题"}


def test_liking_again_after_unliking_earns_once_and_daily_caps_stop_farming(cast) -> None:
    post = make_post(cast.resident_a, cast.a)
    for _ in range(3):
        board_services.toggle_like(actor=cast.party_member_a, post_id=post.pk)
    assert PointsEntry.objects.filter(user=cast.party_member_a, action=Action.LIKE).count() == 1
    cap = services.EARN_RULES[Action.POST].daily_cap
    for i in range(cap + 2):
        make_post(cast.resident_a, cast.a, title=f"第{i}帖")
    assert PointsEntry.objects.filter(user=cast.resident_a, action=Action.POST).count() == cap


def test_joining_with_a_real_name_grants_once_and_rewards_the_inviter(cast) -> None:
    newcomer = make_user(real_name="李新来")
    services.invite_neighbour(actor=cast.resident_a, phone=newcomer.phone)
    with pytest.raises(Conflict):
        services.invite_neighbour(actor=cast.party_member_a, phone=newcomer.phone)
    m = account_services.request_membership(actor=newcomer, community_id=cast.a.pk)
    account_services.review_membership(actor=cast.secretary_a, membership_id=m.pk, approve=True)
    grant = services.EARN_RULES[Action.JOIN]
    assert (_balance(newcomer).reputation, _balance(newcomer).beans) == (grant.reputation, grant.beans)
    assert _balance(newcomer).community_id == cast.a.pk
    assert PointsEntry.objects.filter(user=cast.resident_a, action=Action.INVITE, ref_id=newcomer.pk).count() == 1
    # A second community later: no second initial grant.
    m2 = account_services.request_membership(actor=newcomer, community_id=cast.b.pk)
    account_services.review_membership(actor=cast.secretary_b, membership_id=m2.pk, approve=True)
    assert PointsEntry.objects.filter(user=newcomer, action=Action.JOIN).count() == 1


def test_check_in_once_a_day(cast) -> None:
    services.check_in(actor=cast.resident_a)
    with pytest.raises(Conflict):
        services.check_in(actor=cast.resident_a)
    with pytest.raises(PermissionRefused):
        services.check_in(actor=cast.district)
    assert PointsEntry.objects.filter(user=cast.resident_a, action=Action.CHECKIN).count() == 1


def _gift(cast, **kw):  # type: ignore[no-untyped-def]
    data = dict(name="环保袋", description="", kind="physical", cost=5, stock=1, how_to_collect="居委会服务窗口领取",
                community_id=cast.a.pk)
    data.update(kw)
    return services.create_gift(actor=cast.staff_a, data=services.GiftInput(**data))


def test_a_gift_spends_beans_and_stock_and_refuses_cleanly_when_either_runs_out(cast) -> None:
    gift = _gift(cast)
    with pytest.raises(Conflict, match="社区豆不足"):
        services.redeem_gift(actor=cast.resident_a, gift_id=gift.pk)
    services.check_in(actor=cast.resident_a)  # 5 社区豆
    r = services.redeem_gift(actor=cast.resident_a, gift_id=gift.pk)
    assert _balance(cast.resident_a).beans == 0 and _ledger_sums(cast.resident_a)[1] == 0
    assert _balance(cast.resident_a).reputation == services.EARN_RULES[Action.CHECKIN].reputation  # 社区威望 never spent
    services.check_in(actor=cast.party_member_a)
    with pytest.raises(Conflict, match="已兑完"):
        services.redeem_gift(actor=cast.party_member_a, gift_id=gift.pk)
    assert _balance(cast.party_member_a).beans == 5  # the refusal rolled the spend back
    with pytest.raises(NotFound):
        services.redeem_gift(actor=cast.resident_b, gift_id=gift.pk)  # another community's gift
    with pytest.raises(NotFound):
        services.collect_redemption(actor=cast.staff_b, redemption_id=r.pk)
    services.collect_redemption(actor=cast.staff_a, redemption_id=r.pk)
    with pytest.raises(Conflict):
        services.collect_redemption(actor=cast.staff_a, redemption_id=r.pk)


def test_statistics_stay_in_scope(cast) -> None:
    services.check_in(actor=cast.resident_a)
    services.check_in(actor=cast.resident_b)
    assert [r.community_id for r in selectors.statistics(cast.subdistrict_observer)["rows"]] == [cast.a.pk]
    assert selectors.statistics(cast.subdistrict_observer)["totals"]["checkins"] == 1
    assert selectors.statistics(cast.staff_b)["totals"]["checkins"] == 1
    assert selectors.statistics(cast.district)["totals"]["checkins"] == 2
    assert selectors.statistics(cast.resident_a)["totals"]["checkins"] == 0


def test_levels() -> None:
    assert [level_of(n) for n in (0, 99, 100, 500, 2000, 5000, 10**6)] == [
        "社区新秀", "社区新秀", "社区精英", "社区达人", "社区专家", "社区大师", "社区大师"]


def test_ledger_rows_cannot_be_changed_or_deleted(cast) -> None:
    entry = services.check_in(actor=cast.resident_a)
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_pages(cast, client) -> None:
    client.force_login(cast.resident_a)
    assert client.post("/points/checkin/").status_code == 302
    page = client.get("/points/").content.decode()
    assert "社区新秀" in page and "每日签到" in page
    gift = _gift(cast, stock=3)
    assert "环保袋" in client.get("/points/gifts/").content.decode()
    assert client.post(f"/points/gifts/{gift.pk}/redeem/").status_code == 302
    assert "待领取" in client.get("/points/gifts/").content.decode()


def test_the_committee_awards_extra_for_quality_only_in_its_own_community(cast, client) -> None:
    services.award_quality_by_phone(actor=cast.staff_a, phone=cast.resident_a.phone, reputation=20, beans=10,
                                    reason="有建设性的评论")
    assert (_balance(cast.resident_a).reputation, _balance(cast.resident_a).beans) == (20, 10)
    with pytest.raises(PermissionRefused):
        services.award_quality_by_phone(actor=cast.staff_a, phone=cast.resident_b.phone, reputation=20, beans=10,
                                        reason="越界")
    with pytest.raises(ValidationFailed):
        services.award_quality_by_phone(actor=cast.staff_a, phone=cast.resident_a.phone, reputation=9999, beans=0,
                                        reason="太多")
    assert PointsEntry.objects.filter(user__in=[cast.resident_a, cast.resident_b], action=Action.QUALITY).count() == 1
    client.force_login(cast.staff_a)
    response = client.post("/points/award/", {"phone": cast.party_member_a.phone, "reason": "高质量主题",
                                              "reputation": 5, "beans": 5})
    assert response.status_code == 302
    assert _balance(cast.party_member_a).beans == 5
