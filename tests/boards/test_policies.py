"""boards.policies: every access_* answers inside the scope, NotFound alike outside and for missing ids, and says per role what may be done."""

from __future__ import annotations

import pytest

from shequtong.boards import policies, services
from shequtong.boards.catalogue import Board
from shequtong.boards.errors import BoardError
from shequtong.common.errors import NotFound

from ..factories import image_upload, make_post

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _not_found(fn, *args) -> NotFound:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as exc:
        fn(*args)
    return exc.value


def _same_refusal(fn, outside_args: tuple, missing_args: tuple, code: str) -> None:  # type: ignore[type-arg]
    """Outside the scope and missing answer alike: same code, same message (ids reveal nothing)."""
    outside, missing = _not_found(fn, *outside_args), _not_found(fn, *missing_args)
    assert outside.code == missing.code == code
    assert outside.message == missing.message


# --- one community's boards ------------------------------------------------------------


def test_community_boards_inside_outside_and_missing(tree, people):
    acc = policies.access_community_boards(people.resident, tree.comm_a1.pk)
    assert acc.community == tree.comm_a1 and acc.is_reader and not acc.is_observer
    observed = policies.access_community_boards(people.sub_observer, tree.comm_a1.pk)
    assert observed.is_observer and observed.can_read and not observed.can_interact
    _same_refusal(policies.access_community_boards, (people.resident, tree.comm_b1.pk), (people.resident, MISSING),
                  BoardError.COMMUNITY_NOT_FOUND)
    _same_refusal(policies.access_community_boards, (people.sub_b_observer, tree.comm_a1.pk),
                  (people.sub_b_observer, MISSING), BoardError.COMMUNITY_NOT_FOUND)


def test_board_access_booleans_per_role(tree, people):
    resident = policies.own_board_access(people.resident)
    assert resident.can_publish(Board.NEIGHBOURS) and not resident.can_publish(Board.NOTICE)
    assert resident.can_reply(Board.NOTICE) and not resident.is_moderator and not resident.can_patrol
    staff = policies.own_board_access(people.staff)
    assert staff.can_publish(Board.NOTICE) and staff.is_moderator and staff.patrol_level == "committee"
    police = policies.own_board_access(people.police)
    assert police.can_publish(Board.POLICE) and not police.can_publish(Board.NEIGHBOURS) and not police.can_comment
    villager = policies.own_board_access(people.villager)
    assert not villager.has_board(Board.COUNCIL) and villager.has_board(Board.AFFAIRS)
    with pytest.raises(NotFound):
        policies.access_board(people.villager, tree.comm_a2.pk, Board.COUNCIL)
    with pytest.raises(NotFound):
        policies.access_board(people.outsider, tree.comm_a1.pk, Board.NEIGHBOURS)
    with pytest.raises(NotFound):
        policies.own_board_access(people.district)  # no community of their own


# --- one post --------------------------------------------------------------------------


def test_access_post_inside_outside_and_missing(tree, people):
    post = make_post(people.resident, tree.comm_a1)
    found, pa = policies.access_post(people.neighbour, post.pk)
    assert found == post and pa.can_view
    for outsider in (people.outsider, people.outsider_staff, people.sub_b_observer, people.villager):
        _same_refusal(policies.access_post, (outsider, post.pk), (outsider, MISSING), BoardError.POST_NOT_FOUND)


def test_post_access_booleans_per_role(tree, people):
    post = make_post(people.resident, tree.comm_a1)  # 身边事, untagged
    _, author = policies.access_post(people.resident, post.pk)
    assert author.is_author and author.can_reply and author.can_like and author.can_vote
    assert not author.can_moderate and not author.can_tag and not author.can_patrol and author.counts_as_read
    _, neighbour = policies.access_post(people.neighbour, post.pk)
    assert not neighbour.is_author and neighbour.can_reply and neighbour.may_mention and not neighbour.sees_history
    _, staff = policies.access_post(people.staff, post.pk)
    assert staff.can_moderate and staff.can_tag and staff.can_patrol and staff.patrol_level == "committee"
    assert staff.sees_history and staff.can_reply and staff.can_vote
    _, police = policies.access_post(people.police, post.pk)
    assert not police.can_reply and police.can_like and not police.can_vote and not police.can_moderate
    _, observer = policies.access_post(people.sub_observer, post.pk)
    assert observer.is_observer and not observer.can_like and not observer.can_reply and not observer.can_vote
    assert observer.can_patrol and observer.can_tag and observer.sees_history and not observer.counts_as_read
    assert observer.patrol_level == "subdistrict"
    _, district = policies.access_post(people.district, post.pk)
    assert district.is_observer and district.patrol_level == "district"


def test_a_hidden_post_is_seen_by_its_author_the_committee_and_observers_only(tree, people):
    post = make_post(people.resident, tree.comm_a1)
    services.hide_post(actor=people.staff, post_id=post.pk, reason="重复")
    _, author = policies.access_post(people.resident, post.pk)
    assert author.is_hidden and not author.can_reply and not author.can_like
    _, staff = policies.access_post(people.staff, post.pk)
    assert staff.can_moderate and not staff.can_tag and not staff.can_patrol and not staff.can_reply
    assert policies.access_post(people.sub_observer, post.pk)[1].is_hidden
    _same_refusal(policies.access_post, (people.neighbour, post.pk), (people.neighbour, MISSING), BoardError.POST_NOT_FOUND)


def test_council_posts_open_votes_for_the_committee_only(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    assert policies.access_post(people.staff, topic.pk)[1].can_open_vote
    assert not policies.access_post(people.resident, topic.pk)[1].can_open_vote
    assert not policies.access_post(people.sub_observer, topic.pk)[1].can_open_vote


def test_post_images_follow_their_post(tree, people):
    post = make_post(people.resident, tree.comm_a1, image_files=[image_upload()])
    image = post.images.get()
    name, pa = policies.access_post_image(people.neighbour, image.pk)
    assert name == image.image.name and pa.can_view
    _same_refusal(policies.access_post_image, (people.outsider, image.pk), (people.outsider, MISSING),
                  BoardError.IMAGE_NOT_FOUND)


# --- replies, bookings, announcements ---------------------------------------------------


def test_access_reply_inside_outside_missing_and_hidden(tree, people):
    post = make_post(people.resident, tree.comm_a1)
    reply = services.reply_to(actor=people.neighbour, post_id=post.pk, body="楼下也是")
    found, ra = policies.access_reply(people.resident, reply.pk)
    assert found == reply and found.post == post and ra.can_view and not ra.can_moderate and not ra.can_mention
    assert policies.access_reply(people.staff, reply.pk)[1].can_mention
    _same_refusal(policies.access_reply, (people.outsider, reply.pk), (people.outsider, MISSING), BoardError.REPLY_NOT_FOUND)
    services.hide_reply(actor=people.staff, reply_id=reply.pk, reason="广告")
    # Hidden: gone for its author too; the committee and observers still see it, marked.
    _same_refusal(policies.access_reply, (people.neighbour, reply.pk), (people.neighbour, MISSING), BoardError.REPLY_NOT_FOUND)
    _, staff = policies.access_reply(people.staff, reply.pk)
    assert staff.is_hidden and staff.can_moderate and not staff.can_mention
    assert policies.access_reply(people.sub_observer, reply.pk)[1].is_hidden


def test_access_booking_for_booker_provider_and_others(tree, people):
    offer = make_post(people.resident, tree.comm_a1, Board.SERVICES)
    booking = services.book_service(actor=people.neighbour, post_id=offer.pk)
    _, booker = policies.access_booking(people.neighbour, booking.pk)
    assert booker.can_cancel and not booker.can_decide
    _, provider = policies.access_booking(people.resident, booking.pk)
    assert provider.can_decide and not provider.can_cancel
    _, staff = policies.access_booking(people.staff, booking.pk)
    assert not staff.can_decide and not staff.can_cancel
    _same_refusal(policies.access_booking, (people.outsider, booking.pk), (people.outsider, MISSING),
                  BoardError.BOOKING_NOT_FOUND)


def test_announcement_access_per_role(people):
    a = services.publish_announcement(actor=people.district, title="征求意见", body="欢迎留言", comments_open=True)
    _, resident = policies.access_announcement(people.resident, a.pk)
    assert resident.can_comment and not resident.can_moderate and resident.commenter_community is not None
    _, staff = policies.access_announcement(people.staff, a.pk)
    assert staff.can_comment and not staff.can_moderate
    _, observer = policies.access_announcement(people.sub_observer, a.pk)
    assert not observer.may_comment and not observer.can_moderate
    _, district = policies.access_announcement(people.district, a.pk)
    assert district.can_moderate
    closed = services.publish_announcement(actor=people.district, title="活动安排", body="见附件", comments_open=False)
    _, resident = policies.access_announcement(people.resident, closed.pk)
    assert resident.may_comment and not resident.can_comment
    assert _not_found(policies.access_announcement, people.resident, MISSING).code == BoardError.ANNOUNCEMENT_NOT_FOUND


def test_only_the_district_may_name_a_comment_to_moderate(people):
    a = services.publish_announcement(actor=people.district, title="征求意见", body="欢迎留言", comments_open=True)
    c = services.comment_on_announcement(actor=people.resident, announcement_id=a.pk, body="建议增设座椅")
    assert policies.access_comment_for_moderation(people.district, c.pk) == c
    _same_refusal(policies.access_comment_for_moderation, (people.sub_observer, c.pk), (people.district, MISSING),
                  BoardError.COMMENT_NOT_FOUND)
