"""小区群 pages: the conversation, live updates with a cursor, load earlier, @居委 beside messages, moderation, tiles."""

import re

import pytest
import time_machine
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.chats import services
from shequtong.chats.models import GroupMention, GroupMessage
from shequtong.inbox.models import Message

from ..factories import chat_message, estate_group, grant, make_with_role, resident_of_estate

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_conversation_page_shows_messages_masked_with_the_at_button(client, people):
    m = chat_message(people.bob, people.group_a1, "楼下的车挡住消防通道")
    client.force_login(people.alice)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "楼下的车挡住消防通道" in html
    assert "李*国" in html and "李建国" not in html and people.bob.phone not in html
    assert reverse("chats:mention", args=[m.pk]) in html and ">@居委</button>" in html
    assert 'data-testid="chat-form"' in html and f"?after={m.pk}" in html


def test_rural_groups_say_at_village_committee(client, tree):
    estate = tree.estate(tree.comm_a2)
    villager = resident_of_estate(estate)
    group = estate_group(estate)
    chat_message(villager, group, "村口的桥栏杆松了")
    client.force_login(villager)
    html = client.get(reverse("chats:detail", args=[group.pk])).content.decode()
    assert ">@村委</button>" in html and "@居委<" not in html


def test_poll_with_since_cursor_returns_only_newer_messages(client, people):
    old = chat_message(people.alice, people.group_a1, "旧消息")
    client.force_login(people.bob)
    url = reverse("chats:messages", args=[people.group_a1.pk])
    quiet = client.get(url, {"after": old.pk}, **HTMX).content.decode()
    assert "旧消息" not in quiet and "hx-swap-oob" not in quiet and f"?after={old.pk}" in quiet
    new = chat_message(people.alice, people.group_a1, "新消息")
    html = client.get(url, {"after": old.pk}, **HTMX).content.decode()
    assert "新消息" in html and "旧消息" not in html
    assert 'hx-swap-oob="beforeend:#chat-messages"' in html and f"?after={new.pk}" in html


def test_load_earlier_pages_backwards(client, people):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=True) as traveller:
        ids = []
        for i in range(45):
            ids.append(chat_message(people.alice, people.group_a1, f"第{i:02d}条").pk)
            if i % 20 == 19:
                traveller.shift(120)
    client.force_login(people.bob)
    page = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "第44条" in page and "第15条" in page and "第14条" not in page
    assert f"?before={ids[15]}" in page and 'data-testid="load-earlier"' in page
    older = client.get(reverse("chats:messages", args=[people.group_a1.pk]), {"before": ids[15]}, **HTMX).content.decode()
    assert "第14条" in older and "第00条" in older and "第15条" not in older
    assert 'data-testid="load-earlier"' not in older
    # Without JavaScript the same cursor works as a page.
    plain = client.get(reverse("chats:detail", args=[people.group_a1.pk]), {"before": ids[15]}).content.decode()
    assert "第00条" in plain and "查看最新消息" in plain and "chat-poller" not in plain


def test_send_by_htmx_asks_the_page_to_poll(client, people):
    client.force_login(people.alice)
    url = reverse("chats:send", args=[people.group_a1.pk])
    response = client.post(url, {"body": "大家好"}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "chat:sent, chat:poll"
    assert GroupMessage.objects.get().body == "大家好"
    empty = client.post(url, {"body": ""}, **HTMX)
    assert "HX-Trigger" not in empty and "请输入消息内容" in empty.content.decode()
    plain = client.post(url, {"body": "不用脚本也能发"})
    assert plain.status_code == 302 and GroupMessage.objects.count() == 2


def test_at_button_records_the_message_it_belongs_to(client, people, mentions):
    message = chat_message(people.bob, people.group_a1, "小区门禁坏了")
    other = chat_message(people.bob, people.group_a1, "谢谢")
    client.force_login(people.alice)
    response = client.post(reverse("chats:mention", args=[message.pk]), **HTMX)
    assert 'data-testid="mention-done"' in response.content.decode() and "已@居委" in response.content.decode()
    assert [(e.source_type, e.source_id) for e in mentions] == [("group_message", message.pk)]
    assert GroupMention.objects.get().message_id == message.pk and other.pk != message.pk
    again = client.post(reverse("chats:mention", args=[message.pk]), **HTMX)
    assert "已@居委" in again.content.decode() and len(mentions) == 1
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert html.count('data-testid="mention-done"') == 1


def test_observer_reads_without_composer_and_patrols_with_the_button(client, people, mentions):
    message = chat_message(people.bob, people.group_a1, "垃圾房满了没人清")
    client.force_login(people.sub_a)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "观察模式（只读）" in html and 'data-testid="chat-form"' not in html
    assert reverse("chats:mention", args=[message.pk]) in html
    client.post(reverse("chats:mention", args=[message.pk]))
    assert mentions[0].patrol_level == "subdistrict"
    assert client.post(reverse("chats:send", args=[people.group_a1.pk]), {"body": "巡查"}).status_code == 403


def test_hidden_message_is_replaced_for_residents_and_kept_for_the_committee(client, people):
    message = chat_message(people.bob, people.group_a1, "违规广告内容")
    client.force_login(people.staff)
    response = client.post(reverse("chats:hide", args=[message.pk]), {"reason": "广告"})
    assert response.status_code == 302
    staff_html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "违规广告内容" in staff_html and "广告" in staff_html and reverse("chats:restore", args=[message.pk]) in staff_html
    hidden_list = client.get(reverse("chats:manage"), {"tab": "hidden"}).content.decode()
    assert "违规广告内容" in hidden_list
    client.force_login(people.alice)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "违规广告内容" not in html and "该消息已被居委隐藏" in html
    assert reverse("chats:mention", args=[message.pk]) not in html
    assert Message.objects.filter(recipient=people.bob, subject__contains="隐藏").exists()


def test_resident_cannot_reach_moderation_pages(client, people):
    message = chat_message(people.bob, people.group_a1, "内容")
    client.force_login(people.alice)
    assert client.post(reverse("chats:hide", args=[message.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("chats:manage")).status_code == 403
    assert client.post(reverse("chats:announcement", args=[people.group_a1.pk]), {"announcement": "x"}).status_code == 403
    message.refresh_from_db()
    assert not message.is_hidden


def test_committee_creates_a_group_adds_members_and_posts_an_announcement(client, people):
    client.force_login(people.staff)
    response = client.post(reverse("chats:create"), {"name": "垃圾分类志愿者群"})
    group = people.tree.comm_a1.group_chats.get(kind="custom")
    assert response.url == reverse("chats:members", args=[group.pk])
    picker = client.get(reverse("chats:members", args=[group.pk]), {"q": "赵"}).content.decode()
    assert "赵*丽" in picker and "赵美丽" not in picker and "王*红" not in picker
    client.post(reverse("chats:members", args=[group.pk]), {"user": [people.carol.pk, people.alice.pk]})
    assert set(group.members.values_list("user_id", flat=True)) == {people.carol.pk, people.alice.pk}
    client.post(reverse("chats:announcement", args=[group.pk]), {"announcement": "周日上午集合"})
    info = client.get(reverse("chats:info", args=[group.pk])).content.decode()
    assert "周日上午集合" in info and "赵*丽" in info and "发布群公告" in info
    client.post(reverse("chats:remove_member", args=[group.pk, people.alice.pk]))
    assert list(group.members.values_list("user_id", flat=True)) == [people.carol.pk]
    client.force_login(people.carol)
    html = client.get(reverse("chats:detail", args=[group.pk])).content.decode()
    assert "周日上午集合" in html and 'data-testid="announcement"' in html


# --- query counts stay flat as rows grow -------------------------------------------------------

def _fill(people, groups: int, messages: int) -> None:
    for g in range(groups):
        group = services.create_group(actor=people.staff, community_id=people.tree.comm_a1.pk, name=f"楼组群{g:02d}",
                                      member_ids=[people.alice.pk, people.bob.pk])
        for i in range(messages):
            chat_message(people.bob if i % 2 else people.staff, group, f"消息{i}")


@pytest.mark.parametrize("size", [2, 12])
def test_group_list_query_count_is_flat(client, people, django_assert_max_num_queries, size):
    _fill(people, size, 2)
    client.force_login(people.alice)
    client.get(reverse("chats:list"))  # first visit creates the estate group
    with django_assert_max_num_queries(12):
        html = client.get(reverse("chats:list")).content.decode()
    assert html.count('data-testid="group-item"') == size + 1


@pytest.mark.parametrize("size", [3, 28])
def test_conversation_query_count_is_flat(client, people, django_assert_max_num_queries, mentions, size):
    for i in range(size):
        m = chat_message(people.bob if i % 2 else people.alice, people.group_a1, f"第{i}条")
        if i % 3 == 0:
            services.mention_message(actor=people.staff, message_id=m.pk)
    for user in (people.alice, people.staff, people.sub_a):
        client.force_login(user)
        with django_assert_max_num_queries(17):
            html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
        assert html.count('data-testid="chat-message"') == size
        with django_assert_max_num_queries(12):
            client.get(reverse("chats:messages", args=[people.group_a1.pk]), {"after": 0}, **HTMX)


@pytest.mark.parametrize("size", [2, 12])
def test_manage_and_observer_lists_query_count_is_flat(client, people, django_assert_max_num_queries, size):
    _fill(people, size, 1)
    for i in range(size):
        m = chat_message(people.alice, people.group_a1, f"广告{i}")
        services.hide_message(actor=people.staff, message_id=m.pk, reason="广告")
    client.force_login(people.staff)
    client.get(reverse("chats:manage"))
    with django_assert_max_num_queries(12):
        client.get(reverse("chats:manage"))
    with django_assert_max_num_queries(12):
        html = client.get(reverse("chats:manage"), {"tab": "hidden"}).content.decode()
    assert html.count('data-testid="hidden-item"') == size
    with django_assert_max_num_queries(14):
        client.get(reverse("chats:info", args=[people.group_a1.pk]))
    client.force_login(people.district)
    with django_assert_max_num_queries(10):
        client.get(reverse("chats:observe"))
    with django_assert_max_num_queries(14):
        html = client.get(reverse("chats:observe_community", args=[people.tree.comm_a1.pk])).content.decode()
    assert html.count('data-testid="group-item"') == size + 2


# --- the shell ------------------------------------------------------------------------------------

def test_tiles_lead_to_group_chats_with_unread_badges(client, people):
    chat_message(people.bob, people.group_a1, "新消息")
    client.force_login(people.alice)
    home = client.get("/").content.decode()
    assert reverse("chats:list") in home and "小区群" in home
    assert re.search(r'href="/chats/".*?tile__count">1<', home, re.S)
    client.force_login(people.staff)
    assert reverse("chats:manage") in client.get(reverse("web:manage")).content.decode()
    client.force_login(people.sub_a)
    assert reverse("chats:observe") in client.get(reverse("web:observe")).content.decode()
    client.force_login(make_with_role(Role.POLICE, people.tree.comm_a1))
    assert reverse("chats:manage") not in client.get(reverse("web:manage")).content.decode()


# --- the unread-groups badge, kept until a write touches it (issue 11) -------------------------------

def test_unread_groups_badge_is_kept_and_every_write_behind_it_touches_it(people, django_assert_num_queries):
    from shequtong.chats import selectors

    alice, staff = people.alice, people.staff
    assert selectors.unread_groups(alice) == 0 and selectors.unread_groups(staff) == 0
    with django_assert_num_queries(0):  # kept: the home asks nothing for it
        assert selectors.unread_groups(alice) == 0
        assert selectors.unread_groups(staff) == 0

    chat_message(people.bob, people.group_a1, "停水通知")        # alice's estate group
    assert selectors.unread_groups(alice) == 1 and selectors.unread_groups(staff) == 1
    chat_message(people.carol, people.group_a2, "另一个小区")    # not alice's estate; her committee's
    assert selectors.unread_groups(alice) == 1 and selectors.unread_groups(staff) == 2
    chat_message(people.dave, people.group_b1, "别的社区")       # neither
    assert selectors.unread_groups(alice) == 1 and selectors.unread_groups(staff) == 2
    with django_assert_num_queries(0):
        assert selectors.unread_groups(alice) == 1

    # A read marker (opening the group) clears it.
    last = GroupMessage.objects.filter(group=people.group_a1).latest("id")
    services.mark_read(actor=alice, group_id=people.group_a1.pk, last_id=last.pk)
    assert selectors.unread_groups(alice) == 0 and selectors.unread_groups(staff) == 2

    # A committee group: its messages count for its members; joining and leaving change the count.
    group = services.create_group(actor=staff, community_id=people.tree.comm_a1.pk, name="楼组长群", member_ids=[people.bob.pk])
    assert selectors.unread_groups(alice) == 0
    chat_message(staff, group, "开会")
    assert selectors.unread_groups(alice) == 0 and selectors.unread_groups(people.bob) == 1  # he read his own
    services.add_members(actor=staff, group_id=group.pk, user_ids=[alice.pk])
    assert selectors.unread_groups(alice) == 1
    services.remove_member(actor=staff, group_id=group.pk, user_id=alice.pk)
    assert selectors.unread_groups(alice) == 0

    # A residents' group of the estate: a message touches the estate.
    own = services.create_resident_group(actor=people.bob, estate_id=people.group_a1.estate_id, name="宠物群",
                                         member_ids=[alice.pk])
    chat_message(people.bob, own, "遛狗")
    assert selectors.unread_groups(alice) == 1

    # A new place (a grant of another estate): read under a new name, computed afresh.
    grant(alice, Role.RESIDENT, people.group_a2.estate)
    assert selectors.unread_groups(alice) == 2  # group_a2's unread message now counts too


def test_warm_resident_home_asks_nothing_for_the_group_badge(client, people, django_assert_num_queries):
    """The warm resident home: session, user, grants, the 社区公告 notices; 5 before the badge was kept."""
    chat_message(people.bob, people.group_a1, "停水通知")
    client.force_login(people.alice)
    client.get("/")
    client.get("/")  # warm: session, identity and kept values
    with django_assert_num_queries(4) as ctx:
        html = client.get("/").content.decode()
    assert re.search(r'href="/chats/".*?tile__count">1<', html, re.S)
    assert not [q for q in ctx.captured_queries if "chats_groupchat" in q["sql"]]
    chat_message(people.bob, people.group_a1, "再来一条")  # touched: the next home counts once, then keeps it
    with django_assert_num_queries(5):
        client.get("/")
    with django_assert_num_queries(4):
        html = client.get("/").content.decode()
    assert re.search(r'href="/chats/".*?tile__count">1<', html, re.S)
