"""信箱 letters: who may write to whom, conversations, unread markers (PC-4 信箱)."""

import pytest

from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.inbox import policies, reach, selectors, services
from shequtong.inbox.models import Message

pytestmark = pytest.mark.django_db


def _write(sender, recipient, body="您好"):
    return services.send_letter(actor=sender, recipient_id=recipient.pk, subject="问候", body=body)


@pytest.mark.parametrize(("sender", "recipient"), [
    ("alice", "staff"), ("alice", "secretary"), ("alice", "bob"),      # members → staff and neighbours
    ("staff", "alice"), ("secretary", "staff"),                        # staff → members and colleagues
    ("sub_a", "staff"), ("district", "staff_b"),                       # observers → staff in scope
])
def test_letters_inside_the_community_or_scope_are_delivered(folks, sender, recipient):
    s, r = getattr(folks, sender), getattr(folks, recipient)
    letter = _write(s, r)
    assert letter.kind == Message.Kind.LETTER and letter.sender == s and letter.recipient == r
    assert letter.thread_id is None and letter.read_at is None
    assert list(selectors.messages_for(r, "letter")) == [letter]
    assert list(selectors.messages_for(s, "sent")) == [letter]


@pytest.mark.parametrize(("sender", "recipient"), [
    ("alice", "dave"), ("alice", "villager"), ("alice", "staff_b"),   # another community
    ("staff", "dave"), ("staff", "staff_b"), ("staff_b", "alice"),
    ("sub_a", "staff_b"),                                             # outside the observer's scope
    ("sub_a", "alice"), ("district", "alice"),                        # observers write to staff only
    ("alice", "sub_a"), ("staff", "district"),                        # nobody starts a letter to an observer
    ("alice", "alice"),
])
def test_letters_across_communities_are_refused_and_nothing_is_written(folks, sender, recipient):
    with pytest.raises(NotFound):
        _write(getattr(folks, sender), getattr(folks, recipient))
    assert not Message.objects.exists()


def test_a_letter_must_have_subject_and_body(folks):
    with pytest.raises(ValidationFailed):
        services.send_letter(actor=folks.alice, recipient_id=folks.staff.pk, subject=" ", body="内容")
    with pytest.raises(ValidationFailed):
        services.send_letter(actor=folks.alice, recipient_id=folks.staff.pk, subject="标题", body="")
    with pytest.raises(ValidationFailed):
        services.send_letter(actor=folks.alice, recipient_id=folks.staff.pk, subject="标题", body="长" * 5001)
    assert not Message.objects.exists()


def test_a_reply_stays_in_the_thread_and_goes_to_the_other_person(folks):
    root = _write(folks.alice, folks.staff, "楼道灯坏了")
    reply = services.reply_letter(actor=folks.staff, message_id=root.pk, body="已安排维修")
    assert reply.thread_id == root.pk and reply.recipient == folks.alice and reply.subject == "回复：问候"
    again = services.reply_letter(actor=folks.alice, message_id=reply.pk, body="谢谢")
    assert again.thread_id == root.pk and again.recipient == folks.staff and again.subject == "回复：问候"
    assert [m.pk for m in selectors.thread_of(folks.alice, again)] == [root.pk, reply.pk, again.pk]
    assert [m.pk for m in selectors.thread_of(folks.staff, root)] == [root.pk, reply.pk, again.pk]
    assert "孙丽华" not in reply.sender_label and "社工" in reply.sender_label


def test_staff_answer_an_observer_and_outsiders_cannot_join_the_thread(folks):
    root = _write(folks.sub_a, folks.staff, "请报送本月巡查情况")
    reply = services.reply_letter(actor=folks.staff, message_id=root.pk, body="已报送")
    assert reply.recipient == folks.sub_a
    for outsider in (folks.bob, folks.staff_b, folks.secretary):
        with pytest.raises(NotFound):
            services.reply_letter(actor=outsider, message_id=root.pk, body="插话")
        with pytest.raises(NotFound):
            policies.access_message(outsider, root.pk)
    assert Message.objects.count() == 2


def test_system_notices_cannot_be_answered(folks):
    notice = services.send_system_message(recipient=folks.alice, subject="欢迎", body="欢迎加入")
    assert notice.kind == Message.Kind.SYSTEM and notice.sender is None
    with pytest.raises(ValidationFailed):
        services.reply_letter(actor=folks.alice, message_id=notice.pk, body="收到")


def test_opening_a_letter_marks_the_conversation_read_for_me_only(folks):
    root = _write(folks.alice, folks.staff)
    reply = services.reply_letter(actor=folks.staff, message_id=root.pk, body="收到")
    services.reply_letter(actor=folks.staff, message_id=root.pk, body="补充一句")
    assert selectors.unread_count(folks.alice) == 2 and selectors.unread_count(folks.staff) == 1
    services.open_message(actor=folks.alice, message_id=reply.pk)
    assert selectors.unread_count(folks.alice) == 0
    assert selectors.unread_count(folks.staff) == 1  # alice's letter is still unread for staff
    services.open_message(actor=folks.alice, message_id=root.pk)  # opening one's own sent letter marks nothing of the other's
    root.refresh_from_db()
    assert root.read_at is None


def test_boxes_filter_letters_notices_and_sent(folks):
    letter = _write(folks.staff, folks.alice)
    notice = services.send_system_message(recipient=folks.alice, subject="审核通过", body="欢迎")
    mine = _write(folks.alice, folks.bob)
    assert list(selectors.messages_for(folks.alice, "all")) == [notice, letter]
    assert list(selectors.messages_for(folks.alice, "letter")) == [letter]
    assert list(selectors.messages_for(folks.alice, "system")) == [notice]
    assert list(selectors.messages_for(folks.alice, "sent")) == [mine]


def test_recipient_search_stays_in_reach(folks):
    assert {u.pk for u in selectors.recipients_for(folks.alice)} == {folks.staff.pk, folks.secretary.pk}
    assert [u.pk for u in selectors.recipients_for(folks.alice, "李")] == [folks.bob.pk]
    assert selectors.recipients_for(folks.alice, "钱") == []        # dave lives in comm_b1
    assert selectors.recipients_for(folks.alice, "张") == []        # the villager lives in comm_a2
    assert {u.pk for u in selectors.recipients_for(folks.sub_a)} == {folks.staff.pk, folks.secretary.pk}
    assert {u.pk for u in selectors.recipients_for(folks.district, "周")} == {folks.staff_b.pk}
    assert selectors.recipients_for(folks.sub_a, "王") == []        # observers reach staff only
    with pytest.raises(NotFound):
        policies.access_recipient(folks.alice, folks.dave.pk)
    assert reach.may_converse(folks.staff, folks.sub_a) == folks.tree.comm_a1.pk


def test_letters_are_throttled(folks, monkeypatch):
    monkeypatch.setattr(services, "LETTERS_PER_HOUR", 2)
    _write(folks.alice, folks.staff)
    _write(folks.alice, folks.bob)
    with pytest.raises(ValidationFailed):
        _write(folks.alice, folks.staff)
    assert Message.objects.count() == 2


def test_the_kept_unread_count_follows_every_way_a_notice_arrives(folks):
    """selectors.unread_count is kept (common/versioned.py): each writer must move it on."""
    assert selectors.unread_count(folks.alice) == 0  # now kept
    services.send_system_message(recipient=folks.alice, subject="通知", body="一条")
    assert selectors.unread_count(folks.alice) == 1
    services.send_system_messages(recipient_ids=[folks.alice.pk, folks.bob.pk], subject="关注", body="新进展")
    assert selectors.unread_count(folks.alice) == 2 and selectors.unread_count(folks.bob) == 1
    notice = Message.objects.filter(recipient=folks.alice).order_by("id").first()
    services.mark_read(actor=folks.alice, message_id=notice.pk)
    assert selectors.unread_count(folks.alice) == 1
