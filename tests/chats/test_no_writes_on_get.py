"""No writes on GET: opening a 小区群 page or listing through the API creates no groups and changes no rows.

Estate groups are created when memberships change (hooks.membership_changed).
The one domain row a GET may write is the reader's own read marker
(chats_groupreadstate) when a conversation is opened or polled, the way a
read receipt works; every list writes nothing at all.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequtong.chats.models import GroupChat

from ..factories import chat_message

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
READ_MARKER = "chats_groupreadstate"
# The idle-timeout middleware refreshes the session's expiry at most once a
# minute on any request: that is the login's bookkeeping, not a domain row.
SESSION = '"django_session"'
# Reads are audited (issue 12 item 11): one append-only audit row, not a domain row.
AUDIT = '"accounts_auditevent"'


def _writes(client, url: str, **params) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries
            if WRITE.match(q["sql"]) and SESSION not in q["sql"] and AUDIT not in q["sql"]]


@pytest.fixture
def world(people):  # type: ignore[no-untyped-def]
    message = chat_message(people.alice, people.group_a1, "今天停水吗？")
    # A community whose estates have no group yet: a GET must not create them.
    GroupChat.objects.filter(community=people.tree.comm_b1).delete()
    return people, message


def test_every_chats_list_page_and_api_list_writes_nothing(client, world):
    people, _ = world
    a1 = people.tree.comm_a1.pk
    b1 = people.tree.comm_b1.pk
    before = GroupChat.objects.count()
    cases = [
        (people.alice, reverse("chats:list"), {}),
        (people.alice, "/api/v1/chats/groups", {}),
        (people.staff, reverse("chats:list"), {}),
        (people.staff, reverse("chats:manage"), {}),
        (people.staff, reverse("chats:manage"), {"tab": "hidden"}),
        (people.staff, reverse("chats:create"), {}),
        (people.staff, "/api/v1/chats/groups", {}),
        (people.staff, f"/api/v1/chats/communities/{a1}/groups", {}),
        (people.staff_b, reverse("chats:list"), {}),
        (people.staff_b, reverse("chats:manage"), {}),
        (people.staff_b, f"/api/v1/chats/communities/{b1}/groups", {}),
        (people.district, reverse("chats:observe"), {}),
        (people.district, reverse("chats:observe_community", args=[b1]), {}),
        (people.district, f"/api/v1/chats/communities/{b1}/groups", {}),
        (people.sub_a, reverse("chats:observe_community", args=[a1]), {}),
    ]
    for user, url, params in cases:
        client.force_login(user)
        assert _writes(client, url, **params) == [], (user.username, url)
    assert GroupChat.objects.count() == before
    assert not GroupChat.objects.filter(community_id=b1).exists()


def test_opening_a_group_writes_only_the_readers_own_read_marker(client, world):
    people, message = world
    group = people.group_a1.pk
    cases = [
        (people.bob, reverse("chats:detail", args=[group]), {}),
        (people.bob, reverse("chats:detail", args=[group]), {"before": message.pk + 1}),
        (people.bob, reverse("chats:messages", args=[group]), {"after": 0}),
        (people.bob, reverse("chats:messages", args=[group]), {"before": message.pk + 1}),
        (people.bob, reverse("chats:info", args=[group]), {}),
        (people.bob, f"/api/v1/chats/groups/{group}", {}),
        (people.bob, f"/api/v1/chats/groups/{group}/messages", {}),
        (people.staff, reverse("chats:members", args=[group]), {}),
        (people.sub_a, reverse("chats:detail", args=[group]), {}),
        (people.sub_a, f"/api/v1/chats/groups/{group}/messages", {"since": 0}),
    ]
    for user, url, params in cases:
        client.force_login(user)
        writes = _writes(client, url, **params)
        assert all(READ_MARKER in sql for sql in writes), (url, writes)
