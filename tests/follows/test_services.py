"""关注/收藏 (OB-7): who may follow and favourite what, idempotence, and the notices a followed thing's steps send."""

from __future__ import annotations

import pytest
from django.db.models import Count

from shequtong.boards import services as board_services
from shequtong.cases.models import Case
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.follows import selectors, services
from shequtong.follows.models import Favourite, Follow
from shequtong.inbox.models import Message

from ..cases import helpers as case_helpers
from ..factories import Cast, make_post

pytestmark = pytest.mark.django_db


def notices(user) -> list[Message]:  # type: ignore[no-untyped-def]
    return list(Message.objects.filter(recipient=user, subject__startswith="您关注的").order_by("id"))


def test_following_twice_is_one_follow_and_unfollow_removes_it(cast: Cast) -> None:
    case = case_helpers.case(cast.staff_a, cast.a)
    first = services.follow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)
    again = services.follow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)
    assert first.pk == again.pk
    assert Follow.objects.filter(user=cast.subdistrict_observer).count() == 1
    assert selectors.is_following(cast.subdistrict_observer, "case", case.pk)
    services.unfollow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)
    services.unfollow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)  # idempotent too
    assert not Follow.objects.exists()


def test_nobody_follows_or_favourites_what_they_may_not_view(cast: Cast) -> None:
    case_b = case_helpers.case(cast.staff_b, cast.b)
    letter_b = case_helpers.letter(cast.resident_b, cast.b, category="community", content="楼道漏水严重，墙皮脱落。")
    post_b = make_post(cast.resident_b, cast.b, title="乙的帖子")
    council_b = make_post(cast.resident_b, cast.b, board="council", title="乙的议题")
    outsiders = (cast.resident_a, cast.staff_a, cast.subdistrict_observer)
    for who in outsiders:
        for target_type, pk in (("case", case_b.pk), ("letter", letter_b.pk), ("topic", council_b.pk)):
            with pytest.raises(NotFound):
                services.follow(actor=who, target_type=target_type, target_id=pk)
        for target_type, pk in (("post", post_b.pk), ("case", case_b.pk), ("letter", letter_b.pk)):
            with pytest.raises(NotFound):
                services.favourite(actor=who, target_type=target_type, target_id=pk)
        with pytest.raises(NotFound):  # nothing to undo, and nothing learnt about B's case
            services.unfollow(actor=who, target_type="case", target_id=case_b.pk)
    # A post is not a topic; unknown kinds and missing ids answer as missing.
    post_a = make_post(cast.resident_a, cast.a, title="甲的帖子")
    for target_type, pk in (("topic", post_a.pk), ("post", post_a.pk), ("case", 999999)):
        with pytest.raises(NotFound):
            services.follow(actor=cast.resident_a, target_type=target_type, target_id=pk)
    with pytest.raises(NotFound):
        services.favourite(actor=cast.resident_a, target_type="topic", target_id=post_a.pk)
    assert not Follow.objects.exists() and not Favourite.objects.exists()


def test_each_viewer_may_follow_and_favourite(cast: Cast) -> None:
    letter = case_helpers.letter(cast.resident_a, cast.a, category="community", content="楼道里堆满杂物，请处理。")
    council = make_post(cast.resident_a, cast.a, board="council", title="垃圾投放时间")
    post = make_post(cast.resident_a, cast.a, title="楼道灯坏了")
    services.follow(actor=cast.resident_a, target_type="letter", target_id=letter.pk)  # its author
    services.follow(actor=cast.district, target_type="letter", target_id=letter.pk)    # an observer over it
    services.follow(actor=cast.party_member_a, target_type="topic", target_id=council.pk)
    services.favourite(actor=cast.resident_a, target_type="post", target_id=post.pk)
    services.favourite(actor=cast.staff_a, target_type="case", target_id=letter.case_id)
    services.favourite(actor=cast.subdistrict_observer, target_type="letter", target_id=letter.pk)
    assert Follow.objects.count() == 3 and Favourite.objects.count() == 3
    services.unfavourite(actor=cast.resident_a, target_type="post", target_id=post.pk)
    assert not selectors.is_favourite(cast.resident_a, "post", post.pk)


def test_a_limit_on_follows(cast: Cast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "MAX_FOLLOWS", 1)
    one, two = case_helpers.case(cast.staff_a, cast.a), case_helpers.case(cast.staff_a, cast.a, title="第二件")
    services.follow(actor=cast.staff_a, target_type="case", target_id=one.pk)
    with pytest.raises(ValidationFailed):
        services.follow(actor=cast.staff_a, target_type="case", target_id=two.pk)
    services.follow(actor=cast.staff_a, target_type="case", target_id=one.pk)  # following again is no new row


def test_a_case_step_reaches_each_follower_but_not_the_actor_nor_an_outsider(cast: Cast) -> None:
    case = case_helpers.case(cast.staff_a, cast.a, title="加装电梯协调")
    for who in (cast.subdistrict_observer, cast.district, cast.secretary_a, cast.staff_a):
        services.follow(actor=who, target_type="case", target_id=case.pk)
    case_helpers.handle(cast.staff_a, case, "accept")
    case_helpers.handle(cast.staff_a, case, "reply", note="已约物业周五到场")
    for who in (cast.subdistrict_observer, cast.district, cast.secretary_a):
        got = notices(who)
        assert [m.subject for m in got] == ["您关注的问题『加装电梯协调』有新进展"] * 2
        assert got[1].body == "回复：已约物业周五到场。" and got[1].link == case.get_absolute_url()
        assert got[0].body.startswith("受理（已受理）")
    assert notices(cast.staff_a) == []  # the actor is not told of their own step
    assert notices(cast.subdistrict_observer_other) == []
    follow = Follow.objects.get(user=cast.district)
    assert follow.last_step_at is not None


def test_internal_steps_and_internal_notes_stay_in_the_committee(cast: Cast) -> None:
    from shequtong.cases import services as case_services

    case = case_helpers.case(cast.staff_a, cast.a)
    services.follow(actor=cast.district, target_type="case", target_id=case.pk)
    case_services.reassign_case(actor=cast.staff_a, case_id=case.pk, assignee_id=cast.secretary_a.pk, note="内部说明")
    assert notices(cast.district) == []
    case_helpers.handle(cast.staff_a, case, "accept")
    case_helpers.handle(cast.staff_a, case, "escalate", note="上报说明：内部")
    bodies = [m.body for m in notices(cast.district)]
    assert len(bodies) == 2 and not any("内部" in b for b in bodies)


def test_a_follower_who_lost_the_right_to_view_hears_nothing(cast: Cast) -> None:
    from shequtong.accounts import scope
    from shequtong.accounts.models import RoleGrant

    case = case_helpers.case(cast.staff_a, cast.a)
    services.follow(actor=cast.secretary_a, target_type="case", target_id=case.pk)
    RoleGrant.objects.filter(user=cast.secretary_a).delete()
    scope.forget(cast.secretary_a)  # a new request loads the grants afresh
    case_helpers.handle(cast.staff_a, case, "accept")
    assert notices(cast.secretary_a) == []
    assert selectors.following(cast.secretary_a) == []  # and 我的关注 hides it


def test_a_letter_step_reaches_letter_followers_once(cast: Cast) -> None:
    letter = case_helpers.letter(cast.resident_a, cast.a, category="community", content="楼道里堆满杂物，请处理。")
    services.follow(actor=cast.district, target_type="letter", target_id=letter.pk)
    services.follow(actor=cast.district, target_type="case", target_id=letter.case_id)  # both: one notice
    services.follow(actor=cast.resident_a, target_type="letter", target_id=letter.pk)  # the author hears as the raiser
    services.follow(actor=cast.sysadmin, target_type="letter", target_id=letter.pk)  # observes letters, not cases
    before_author = Message.objects.filter(recipient=cast.resident_a).count()
    case_helpers.handle(cast.staff_a, Case.objects.get(pk=letter.case_id), "accept")
    assert len(notices(cast.district)) == 1
    got = notices(cast.sysadmin)
    assert len(got) == 1 and got[0].subject.startswith("您关注的来信") and got[0].link == letter.get_absolute_url()
    assert notices(cast.resident_a) == []
    assert Message.objects.filter(recipient=cast.resident_a).count() == before_author + 1  # 您反映的…已受理


def test_topic_stage_moves_and_replies_reach_followers(cast: Cast) -> None:
    council = make_post(cast.resident_a, cast.a, board="council", title="垃圾投放时间调整")
    services.follow(actor=cast.party_member_a, target_type="topic", target_id=council.pk)
    services.follow(actor=cast.resident_a, target_type="topic", target_id=council.pk)
    board_services.move_topic(actor=cast.staff_a, post_id=council.pk, stage="discussing", note="请大家发表意见")
    board_services.reply_to(actor=cast.resident_a, post_id=council.pk, body="同意延长")
    got = notices(cast.party_member_a)
    assert [m.body for m in got] == ["进入“讨论中”阶段：请大家发表意见。", "回复。"]
    assert all(m.subject == "您关注的议题『垃圾投放时间调整』有新进展" for m in got)
    assert [m.body for m in notices(cast.resident_a)] == ["进入“讨论中”阶段：请大家发表意见。"]  # not their own reply
    # Replies on other boards are no steps.
    post = make_post(cast.resident_a, cast.a, title="楼道灯")
    board_services.reply_to(actor=cast.staff_a, post_id=post.pk, body="已报修")
    assert len(notices(cast.party_member_a)) == 2


def test_a_refused_step_sends_nothing(cast: Cast) -> None:
    from shequtong.cases import services as case_services
    from shequtong.common.errors import Conflict

    case = case_helpers.case(cast.staff_a, cast.a)
    services.follow(actor=cast.district, target_type="case", target_id=case.pk)
    with pytest.raises(Conflict):
        case_services.handle_case(actor=cast.staff_a, case_id=case.pk, action="close")
    assert notices(cast.district) == []
    assert Follow.objects.get(user=cast.district).last_step_at is None


def test_follower_counts_and_most_followed(cast: Cast) -> None:
    cases = [case_helpers.case(cast.staff_a, cast.a, title=f"问题{i}") for i in range(4)]
    followers = {0: [cast.district], 1: [cast.district, cast.subdistrict_observer, cast.staff_a],
                 2: [cast.district, cast.subdistrict_observer]}
    for i, people in followers.items():
        for who in people:
            services.follow(actor=who, target_type="case", target_id=cases[i].pk)
    ids = [c.pk for c in cases]
    counts = selectors.follower_counts("case", ids)
    expected = dict(Follow.objects.filter(target_type="case").values("target_id").annotate(n=Count("id"))
                    .values_list("target_id", "n"))
    assert counts == expected and cases[3].pk not in counts
    open_ids = Case.objects.filter(status__in=("new", "accepted")).values("pk")
    assert selectors.most_followed("case", open_ids, 2) == [(cases[1].pk, 3), (cases[2].pk, 2)]
    assert selectors.most_followed("case", [cases[0].pk, cases[3].pk], 10) == [(cases[0].pk, 1)]
    assert selectors.follower_counts("case", []) == {} and selectors.most_followed("case", [], 3) == []


def test_my_lists_show_what_i_may_view_newest_and_with_new_steps_first(cast: Cast, time_machine) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from shequtong.common import clock

    time_machine.move_to(clock.now(), tick=False)
    older = case_helpers.case(cast.staff_a, cast.a, title="早关注的问题")
    services.follow(actor=cast.district, target_type="case", target_id=older.pk)
    time_machine.shift(dt.timedelta(minutes=1))
    newer = case_helpers.case(cast.staff_a, cast.a, title="后关注的问题")
    services.follow(actor=cast.district, target_type="case", target_id=newer.pk)
    assert [e.title for e in selectors.following(cast.district)] == ["后关注的问题", "早关注的问题"]
    time_machine.shift(dt.timedelta(minutes=1))
    case_helpers.handle(cast.staff_a, older, "accept")
    entries = selectors.following(cast.district)
    assert [e.title for e in entries] == ["早关注的问题", "后关注的问题"] and entries[0].new_steps == 1
    post = make_post(cast.resident_a, cast.a, title="收藏的帖子")
    services.favourite(actor=cast.district, target_type="post", target_id=post.pk)
    assert [e.title for e in selectors.favourites(cast.district)] == ["收藏的帖子"]


def test_a_followers_notice_masks_numbers_in_the_note(cast: Cast) -> None:
    """Followers are not the raiser: a phone number in a public note reaches them masked, as on the case page."""
    case = case_helpers.case(cast.staff_a, cast.a, title="楼道灯不亮")
    services.follow(actor=cast.district, target_type="case", target_id=case.pk)
    case_helpers.handle(cast.staff_a, case, "accept")
    case_helpers.handle(cast.staff_a, case, "reply", note="请联系物业13912345678确认")
    body = notices(cast.district)[-1].body
    assert "13912345678" not in body and "139****5678" in body
