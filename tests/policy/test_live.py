"""Live demand profiles (PF-2): posts, replies, likes, reads, letters and cases feed the profiles through the hook.

The request path only queues (one INSERT, no text, nothing for reads on
GET); the background job reads the texts from the owning apps and folds
them in.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequtong.boards import services as board_services
from shequtong.cases import services as case_services
from shequtong.cases.models import Source
from shequtong.common import hooks
from shequtong.letters import services as letter_services
from shequtong.policy import services, store
from shequtong.policy.models import BehaviourEvent, DemandProfile, PendingBehaviour

from ..cases import helpers
from ..factories import make_post, resident_of
from .conftest import ELEVATOR, tag

pytestmark = pytest.mark.django_db


def _policy_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "policy_" in q["sql"]]


def test_what_a_resident_writes_likes_reads_and_sends_reaches_their_profile_through_the_job(cast):
    writer, reader = resident_of(cast.a), resident_of(cast.a)
    article = make_post(cast.resident_a, cast.a, title="加装电梯意见征询开始了", body="老楼加装电梯，请业主参加意见征询")
    post = make_post(writer, cast.a, title="六楼爬不动了", body="住六楼腿脚不好，天天爬楼梯太累")
    board_services.reply_to(actor=writer, post_id=article.pk, body="我们楼也想装电梯")
    board_services.toggle_like(actor=writer, post_id=article.pk)
    board_services.record_read(actor=reader, post_id=article.pk)   # a first read, as the post page's receipt does
    letter_services.submit_letter(actor=writer, community=cast.a, category="construction",
                                  subcategory_ids=[helpers.subcategory("construction", 0).pk],
                                  content="老公房没有电梯，老人下楼一趟太难，希望加装电梯。")
    # The request path queued one row each (two posts, a reply, a like, a letter; no read) and computed nothing.
    assert sorted(PendingBehaviour.objects.values_list("kind", flat=True)) == ["letter", "like", "post", "post", "reply"]
    assert not BehaviourEvent.objects.exists()

    services.refresh_profiles()

    assert not PendingBehaviour.objects.exists()
    mine = DemandProfile.objects.get(user=writer)
    kinds = sorted(BehaviourEvent.objects.filter(profile=mine).values_list("kind", flat=True))
    assert kinds == ["letter", "like", "post", "reply"]
    assert BehaviourEvent.objects.get(profile=mine, kind="post").text == f"{post.title}\n{post.body}"
    assert BehaviourEvent.objects.get(profile__user=reader, kind="read").target == f"post:{article.pk}"
    mine.refresh_from_db()
    assert "c:加装电梯" in mine.features and not BehaviourEvent.objects.filter(processed=False).exists()

    # The officer's matching finds the writer (本区 registration kept by the committee).
    for u in (writer, reader):
        tag(cast, u, "本区")
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    _a, matches = store.match(p.title, p.text, services.conditions_of(p), DemandProfile.objects.all(), top=10)
    assert matches and matches[0].resident == str(mine.pk)

    # Nothing new: the job does nothing, and a second read of the same post is not a new read.
    board_services.record_read(actor=reader, post_id=article.pk)
    assert services.ingest_behaviour() == 0


def test_the_hook_only_queues_one_row_and_a_read_on_get_writes_nothing_for_profiles(cast):
    writer = resident_of(cast.a)
    article = make_post(cast.resident_a, cast.a, title="社区助餐点开张", body="老人吃饭有地方了")
    with CaptureQueriesContext(connection) as ctx:
        make_post(writer, cast.a, title="一个人在家吃饭难", body="年纪大了做饭不方便")
    policy_sql = _policy_queries(ctx)
    assert len(policy_sql) == 1 and policy_sql[0].lstrip().upper().startswith("INSERT")
    with CaptureQueriesContext(connection) as ctx:
        board_services.record_read(actor=writer, post_id=article.pk)
    assert _policy_queries(ctx) == []
    # Without the subscriber the same post costs exactly that one statement less.
    hooks.activity_recorded.unsubscribe(services.on_activity)
    try:
        with CaptureQueriesContext(connection) as without:
            make_post(writer, cast.a, title="一个人在家吃饭难", body="年纪大了做饭不方便")
        with CaptureQueriesContext(connection) as with_it:
            hooks.activity_recorded.subscribe(services.on_activity)
            make_post(writer, cast.a, title="一个人在家吃饭难", body="年纪大了做饭不方便")
    finally:
        hooks.activity_recorded.subscribe(services.on_activity)
    assert len(with_it.captured_queries) == len(without.captured_queries) + 1


def test_a_like_given_twice_counts_once_and_withdrawn_sources_leave_nothing(cast):
    fan = resident_of(cast.a)
    article = make_post(cast.resident_a, cast.a, title="长者食堂优惠", body="社区长者食堂每餐优惠")
    for _ in range(3):   # like, unlike, like
        board_services.toggle_like(actor=fan, post_id=article.pk)
    gone = make_post(fan, cast.a, title="删掉的帖子", body="这条很快就没了")
    type(gone).objects.filter(pk=gone.pk).delete()
    services.ingest_behaviour()
    events = list(BehaviourEvent.objects.filter(profile__user=fan).values_list("kind", "target"))
    assert events == [("like", f"post:{article.pk}")]


def test_a_case_raised_face_to_face_feeds_the_residents_profile_but_a_letters_case_is_not_counted_twice(cast):
    resident = resident_of(cast.a)
    case_services.create_case(actor=cast.staff_a, community=cast.a, source=Source.VISIT, category="social",
                              title="", content="家里老人失能了，没人照顾", raised_by=resident)
    letter_services.submit_letter(actor=resident, community=cast.a, category="social",
                                  subcategory_ids=[helpers.subcategory("social", 0).pk],
                                  content="希望社区多办一些老年人活动。")
    services.ingest_behaviour()
    kinds = sorted(BehaviourEvent.objects.filter(profile__user=resident).values_list("kind", flat=True))
    assert kinds == ["case", "letter"]
