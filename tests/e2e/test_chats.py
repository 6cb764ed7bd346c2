"""Browser journey (PC-4 小区群, CT-1): two neighbours chat live; one presses @居委; a letter in 信箱."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.chats.models import GroupMention, GroupMessage
from shequtong.common import hooks
from shequtong.inbox.models import Message

from ..factories import PASSWORD, estate_group, make_tree, make_with_role, resident_of_estate
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_neighbours_chat_live_and_one_presses_at_committee(live_server, new_page):
    tree = make_tree()
    estate = tree.estate(tree.comm_a1)
    resident_of_estate(estate, username="alice-e2e", real_name="王小红")
    resident_of_estate(estate, username="bob-e2e", real_name="李建国")
    make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-e2e", real_name="孙丽华")
    group = estate_group(estate)
    base = live_server.url
    seen: list[hooks.MentionEvent] = []
    hooks.mention_recorded.subscribe(seen.append)
    try:
        alice = new_page()
        login(alice, base, "alice-e2e", PASSWORD)
        bob = new_page()
        login(bob, base, "bob-e2e", PASSWORD)

        # Both open the estate group from the home tile.
        for page in (alice, bob):
            page.goto(base + "/")
            page.click(".tile:has-text('小区群')")
            page.click(f"[data-testid=group-item]:has-text('{group.name}')")
            page.wait_for_selector("[data-testid=chat-form]")
        shot(bob, "chats-01-empty-group")

        # Alice writes; Bob's page shows it without a reload.
        bob.evaluate("window.__noReload = true")
        alice.fill("#chat-body", "3号楼东侧的路灯坏了好几天，晚上很黑。")
        alice.click("[data-testid=chat-send]")
        alice.wait_for_selector("[data-testid=chat-message]:has-text('路灯坏了')")
        assert alice.input_value("#chat-body") == ""
        bob.wait_for_selector("[data-testid=chat-message]:has-text('路灯坏了')", timeout=15_000)
        assert bob.evaluate("window.__noReload") is True  # same document: it arrived live
        assert bob.locator("[data-testid=chat-message]").count() == 1
        assert bob.locator("text=王*红").count() >= 1 and bob.locator("text=王小红").count() == 0
        shot(bob, "chats-02-bob-sees-alice-live")

        # Bob answers with Enter; Alice sees it live too.
        bob.fill("#chat-body", "我也发现了，晚上出门要带手电。")
        bob.press("#chat-body", "Enter")
        alice.wait_for_selector("[data-testid=chat-message]:has-text('手电')", timeout=15_000)

        # Bob presses @居委 beside Alice's message.
        message = GroupMessage.objects.get(body__contains="路灯坏了")
        row = bob.locator(f"#m{message.pk}")
        # A confirmation first: a mis-tap does not become a case (issue 14 item 8).
        questions: list[str] = []
        bob.once("dialog", lambda d: (questions.append(d.message), d.accept()))
        row.locator("[data-testid=mention-button]").click()
        row.locator("[data-testid=mention-done]").wait_for()
        assert questions and "问题" in questions[0]
        assert "已@居委" in row.inner_text()
        shot(bob, "chats-03-bob-pressed-at-committee")
        mention = GroupMention.objects.get()
        assert mention.message_id == message.pk and mention.patrol_level is None
        assert [(e.source_type, e.source_id, e.actor_id, e.author_id) for e in seen] == [
            ("group_message", message.pk, mention.actor_id, message.author_id)
        ]
        assert bob.evaluate("window.__noReload") is True

        # The committee sees the message marked, and writes to Alice in 信箱.
        staff = new_page()
        login(staff, base, "staff-e2e", PASSWORD)
        staff.goto(base + f"/chats/{group.pk}/")
        staff.wait_for_selector(f"#m{message.pk} :text('已@居委 1 次')")
        shot(staff, "chats-04-committee-view")
        staff.goto(base + "/inbox/write/")
        staff.fill("[data-testid=recipient-search]", "王")
        staff.click("[data-testid=recipient]:has-text('王*红')")
        staff.fill("#id_subject", "关于路灯报修")
        staff.fill("#id_body", "您好，已安排物业本周内修复。")
        staff.click("button:has-text('发送')")
        staff.wait_for_selector("[data-testid=letter-thread]")
        alice.goto(base + "/inbox/")
        alice.click("[data-testid=inbox-item]:has-text('关于路灯报修')")
        alice.fill("#id_body", "谢谢！")
        alice.click("button:has-text('回复')")
        alice.wait_for_selector("[data-testid=letter]:has-text('谢谢！')")
        shot(alice, "chats-05-letter-thread")
        assert Message.objects.filter(kind="letter").count() == 2
    finally:
        hooks.mention_recorded.unsubscribe(seen.append)
