"""Issue 12 item 11: reads of residents' content, 全局信息穿透 searches and list APIs are audited, with the real IP."""

import pytest
from django.urls import reverse

from shequtong.accounts.models import AuditEvent
from shequtong.accounts.roles import Role
from shequtong.letters import services as letter_services

from ..factories import estate_group, make_with_role, resident_of, resident_of_estate

pytestmark = pytest.mark.django_db
PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.44"}


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]


def reads(actor, action="read"):
    return list(AuditEvent.objects.filter(actor=actor, action=action).order_by("id"))


def _letter(tree):
    from shequtong.letters.models import SubCategory

    author = resident_of(tree.comm_a1)
    sub = SubCategory.objects.filter(category="construction", is_active=True).first()
    letter = letter_services.submit_letter(actor=author, community=tree.comm_a1, category="construction",
                                           subcategory_ids=[sub.pk], title="楼道灯坏了", content="3号楼楼道灯坏了一周")
    return author, letter


def test_opening_a_letter_and_its_case_is_audited_with_the_real_ip(client, tree):
    author, letter = _letter(tree)
    client.force_login(author)
    assert client.get(reverse("letters:detail", args=[letter.pk]), **PROXY).status_code == 200
    [event] = reads(author)
    assert event.target_type == "letters.letter" and event.target_id == str(letter.pk)
    assert event.ip == "203.0.113.44"
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    client.force_login(secretary)
    assert client.get(f"/api/v1/cases/{letter.case_id}", **PROXY).status_code == 200
    assert [e.target_type for e in reads(secretary)] == ["cases.case"]


def test_a_refused_read_writes_no_read_event(client, tree):
    _, letter = _letter(tree)
    other = resident_of(tree.comm_a1)
    client.force_login(other)
    assert client.get(reverse("letters:detail", args=[letter.pk])).status_code == 404
    assert reads(other) == []


def test_opening_a_group_chat_is_audited_once_not_per_live_update(client, tree):
    estate = tree.estate(tree.comm_a1)
    member = resident_of_estate(estate)
    group = estate_group(estate)
    client.force_login(member)
    assert client.get(reverse("chats:detail", args=[group.pk])).status_code == 200
    assert client.get(f"/api/v1/chats/groups/{group.pk}/messages?since=0").status_code == 200
    assert [e.target_type for e in reads(member)] == ["chats.groupchat"]


def test_a_search_is_audited_with_its_filters_masked(client, tree):
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    client.force_login(observer)
    assert client.get("/api/v1/observe/search?q=13912345678").status_code in (200, 400)
    assert client.get(reverse("observe:search") + "?q=楼道").status_code == 200
    events = reads(observer, "search")
    assert events and "13912345678" not in str([e.detail for e in events])


def test_list_apis_are_audited(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    client.force_login(secretary)
    assert client.get("/api/v1/cases/list", **PROXY).status_code == 200
    [event] = reads(secretary, "list")
    assert event.detail["op"] == "GET /api/v1/cases/list" and event.ip == "203.0.113.44"


def test_opening_an_inbox_item_is_audited(client, tree):
    from shequtong.inbox import services as inbox_services

    resident = resident_of(tree.comm_a1)
    message = inbox_services.send_system_message(recipient=resident, subject="通知", body="明天停水")
    client.force_login(resident)
    assert client.get(reverse("inbox:detail", args=[message.pk])).status_code == 200
    assert [e.target_type for e in reads(resident)] == ["inbox.message"]


def test_an_odd_query_string_never_breaks_the_list_audit(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    client.force_login(secretary)
    assert client.get("/api/v1/cases/list?x=%00" + "a" * 5000).status_code == 200
    [event] = reads(secretary, "list")
    assert event.detail["query"]["x"] == "a" * 200
