"""inbox.policies: one's own messages only, NotFound alike for others' and missing ones; reach decides who may be written to."""

from __future__ import annotations

import pytest

from shequtong.common.errors import NotFound
from shequtong.inbox import policies, services
from shequtong.inbox.errors import InboxError

pytestmark = pytest.mark.django_db

MISSING = 999_999


def test_access_message_for_recipient_sender_and_others(folks):
    letter = services.send_letter(actor=folks.alice, recipient_id=folks.staff.pk, subject="路灯", body="3号楼路灯坏了")
    _, recipient = policies.access_message(folks.staff, letter.pk)
    assert recipient.is_recipient and not recipient.is_sender and recipient.can_reply and recipient.can_mark_read
    _, sender = policies.access_message(folks.alice, letter.pk)
    assert sender.is_sender and not sender.is_recipient and sender.can_reply and not sender.can_mark_read
    for other in (folks.bob, folks.secretary, folks.dave):
        with pytest.raises(NotFound) as outside:
            policies.access_message(other, letter.pk)
        with pytest.raises(NotFound) as missing:
            policies.access_message(other, MISSING)
        assert outside.value.code == missing.value.code == InboxError.MESSAGE_NOT_FOUND
        assert outside.value.message == missing.value.message


def test_a_notice_is_read_by_its_recipient_and_answered_by_no_one(folks):
    notice = services.send_system_message(recipient=folks.alice, subject="审核通过", body="欢迎")
    _, access = policies.access_message(folks.alice, notice.pk)
    assert access.is_recipient and not access.can_reply and not access.is_sender


def test_access_recipient_inside_reach_outside_and_missing(folks):
    recipient, community = policies.access_recipient(folks.alice, folks.staff.pk)
    assert recipient == folks.staff and community.pk == folks.tree.comm_a1.pk
    assert policies.access_recipient(folks.alice, folks.bob.pk)[0] == folks.bob   # a neighbour
    assert policies.access_recipient(folks.sub_a, folks.staff.pk)[0] == folks.staff  # observers write to staff
    for sender, recipient_id in ((folks.alice, folks.dave.pk), (folks.sub_a, folks.alice.pk), (folks.alice, folks.alice.pk)):
        with pytest.raises(NotFound) as outside:
            policies.access_recipient(sender, recipient_id)
        with pytest.raises(NotFound) as missing:
            policies.access_recipient(sender, MISSING)
        assert outside.value.code == missing.value.code == InboxError.RECIPIENT_NOT_FOUND
        assert outside.value.message == missing.value.message


def test_a_conversation_lasts_while_either_person_may_write_to_the_other(folks):
    # An observer writes to staff; staff may not write to observers, but may answer inside the conversation.
    assert policies.conversation_community(folks.staff, folks.sub_a).pk == folks.tree.comm_a1.pk
    with pytest.raises(NotFound):
        policies.conversation_community(folks.alice, folks.dave)
