"""What one reward asks the database (issue 11): counted exactly, so a change that adds a round trip shows."""

from __future__ import annotations

import pytest

from shequtong.points import services
from shequtong.points.models import Action, PointsAccount, PointsEntry

pytestmark = pytest.mark.django_db


def _warm(cast) -> int:  # type: ignore[no-untyped-def]
    """The person has an account and the community its 统计 row (every reward after the first)."""
    user_id = cast.party_member_a.pk
    assert services.earn(user_id=user_id, action=Action.REPLY, community_id=cast.a.pk, ref_type="reply", ref_id=1)
    return int(user_id)


def test_a_reward_is_five_statements_and_a_second_one_for_the_same_source_two(cast, django_assert_num_queries) -> None:
    user_id = _warm(cast)
    before = PointsAccount.objects.get(pk=user_id)
    # Lock the account, one look at the ledger (today's count, the source), the entry, the account, 统计.
    with django_assert_num_queries(5):
        entry = services.earn(user_id=user_id, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=7)
    assert entry is not None and entry.beans == services.EARN_RULES[Action.LIKE].beans
    after = PointsAccount.objects.get(pk=user_id)
    assert after.beans - before.beans == entry.beans and after.reputation - before.reputation == entry.reputation
    # Liked again after taking it back: the look finds the reward of that source, nothing is written.
    with django_assert_num_queries(2):
        assert services.earn(user_id=user_id, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=7) is None
    assert PointsEntry.objects.filter(user_id=user_id, action=Action.LIKE).count() == 1
    assert PointsAccount.objects.get(pk=user_id).beans == after.beans


def test_a_reached_daily_cap_is_kept_once_committed_and_then_asks_nothing(
        cast, django_assert_num_queries, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    user_id = _warm(cast)
    cap = services.EARN_RULES[Action.LIKE].daily_cap
    assert cap is not None
    with django_capture_on_commit_callbacks(execute=False) as kept:
        for i in range(cap):
            assert services.earn(user_id=user_id, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=100 + i)
        # Not committed yet: the cap is counted (lock and look), and nothing is written.
        with django_assert_num_queries(2):
            assert services.earn(user_id=user_id, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=999) is None
    assert len(kept) == 2  # the cap-th reward (the day's last) and the refused one each keep it once committed
    for callback in kept:
        callback()
    with django_assert_num_queries(0):
        assert services.earn(user_id=user_id, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=998) is None
    assert PointsEntry.objects.filter(user_id=user_id, action=Action.LIKE).count() == cap
    # The kept cap is one person's and one action's: replies still earn.
    assert services.earn(user_id=user_id, action=Action.REPLY, community_id=cast.a.pk, ref_type="reply", ref_id=2)
    assert services.earn(user_id=cast.resident_a.pk, action=Action.LIKE, community_id=cast.a.pk, ref_type="post", ref_id=999)


def test_the_join_grant_is_looked_up_once_and_given_once(cast, django_assert_num_queries) -> None:
    user_id = _warm(cast)
    with django_assert_num_queries(5):
        assert services.earn(user_id=user_id, action=Action.JOIN, community_id=cast.a.pk)
    with django_assert_num_queries(2):  # lock, look (no daily cap to count)
        assert services.earn(user_id=user_id, action=Action.JOIN, community_id=cast.a.pk) is None
    assert PointsEntry.objects.filter(user_id=user_id, action=Action.JOIN).count() == 1
