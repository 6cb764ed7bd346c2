"""宝山圈: case steps as items (scoped like posts, live), and the 我关注的 tab (OB-4, OB-7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.boards import services as board_services
from shequtong.cases.models import CaseEvent
from shequtong.common import clock
from shequtong.follows import services as follows
from shequtong.observe import feed

from ..cases import helpers as case_helpers
from .conftest import World

pytestmark = pytest.mark.django_db


def test_case_steps_are_items_in_scope_newest_first(world: World, cast) -> None:  # type: ignore[no-untyped-def]
    since = clock.now() - dt.timedelta(microseconds=1)
    case_helpers.handle(cast.staff_a, world.case_a, "accept")
    step = CaseEvent.objects.filter(case=world.case_a, kind="accepted").get()
    assert ("step", step.pk) in [(i.kind, i.pk) for i in feed.items(world.sub_a)]
    assert ("step", step.pk) in [(i.kind, i.pk) for i in feed.items(world.district)]
    assert ("step", step.pk) not in [(i.kind, i.pk) for i in feed.items(world.sub_b)]
    got = [i for i in feed.items(world.sub_a, after=since) if i.kind == "step"]
    assert [i.pk for i in got] == [step.pk] and got[0].url == world.case_a.get_absolute_url()
    assert feed.items(world.sub_b, after=since) == []
    # Internal steps (转派, reminders, tags) are no items.
    kinds = set(CaseEvent.objects.filter(pk__in=[i.pk for i in feed.items(world.district) if i.kind == "step"])
                .values_list("kind", flat=True))
    assert kinds <= set(feed.STEP_KINDS) and "created" not in kinds


def test_the_poller_brings_a_new_case_step(client, world: World, cast) -> None:  # type: ignore[no-untyped-def]
    since = clock.now() - dt.timedelta(microseconds=1)
    case_helpers.handle(cast.staff_a, world.case_a, "accept")
    case_helpers.handle(cast.staff_a, world.case_a, "reply", note="已约物业周五到场")
    client.force_login(world.sub_a)
    html = client.get(reverse("observe:feed"), {"after": since.isoformat()}).content.decode()
    assert "已约物业周五到场" in html and "feed-item--step" in html
    client.force_login(world.sub_b)
    assert "已约物业周五到场" not in client.get(reverse("observe:feed"), {"after": since.isoformat()}).content.decode()


def test_a_step_wakes_the_area_pages_once_committed(world: World, cast, monkeypatch, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    woken: list[int] = []
    monkeypatch.setattr(feed, "enabled", lambda: True)
    monkeypatch.setattr(feed, "publish", woken.append)
    with django_capture_on_commit_callbacks(execute=True):
        case_helpers.handle(cast.staff_a, world.case_a, "accept")
    assert woken == [world.case_a.subdistrict_id]


def test_following_tab_lists_the_steps_of_what_i_follow(client, world: World, cast) -> None:  # type: ignore[no-untyped-def]
    follows.follow(actor=world.sub_a, target_type="case", target_id=world.case_a.pk)
    follows.follow(actor=world.sub_a, target_type="topic", target_id=world.council_a.pk)
    follows.follow(actor=world.district, target_type="letter", target_id=world.letter_b.pk)
    case_helpers.handle(cast.staff_a, world.case_a, "accept")
    board_services.move_topic(actor=cast.staff_a, post_id=world.council_a.pk, stage="discussing", note="请发表意见")
    board_services.reply_to(actor=cast.resident_a, post_id=world.council_a.pk, body="同意延长到八点")
    case_helpers.handle(cast.staff_b, world.letter_b.case, "accept")  # a letter the sub_a observer does not follow
    mine = feed.followed(world.sub_a)
    assert {i.kind for i in mine} == {"step", "stage", "reply"}
    assert all(i.url in (world.case_a.get_absolute_url(), world.council_a.get_absolute_url()) for i in mine)
    assert [i.at for i in mine] == sorted((i.at for i in mine), reverse=True)
    theirs = feed.followed(world.district)
    assert [i.url for i in theirs] == [world.letter_b.case.get_absolute_url()]
    assert feed.followed(world.sub_b) == []  # follows nothing
    client.force_login(world.sub_a)
    html = client.get("/", {"feed": "following"}).content.decode()
    assert 'aria-current="page" data-testid="feed-tab-following"' in html
    assert "同意延长到八点" in html and "请发表意见" in html and "feed-poller" not in html
    html = client.get(reverse("observe:feed"), {"before": (clock.now() + dt.timedelta(seconds=1)).isoformat(),
                                                "feed": "following"}).content.decode()
    assert "同意延长到八点" in html and world.letter_b.title not in html


def test_following_tab_keeps_to_the_observer_scope(world: World, cast) -> None:  # type: ignore[no-untyped-def]
    from shequtong.accounts import scope
    from shequtong.accounts.models import RoleGrant
    from shequtong.follows.models import Follow

    follows.follow(actor=world.sub_a, target_type="case", target_id=world.case_a.pk)
    case_helpers.handle(cast.staff_a, world.case_a, "accept")
    assert feed.followed(world.sub_a)
    # The observer is moved to the other subdistrict: the follow row stays, its steps no longer show.
    RoleGrant.objects.filter(user=world.sub_a).update(subdistrict=cast.tree.sub_b)
    scope.forget(world.sub_a)
    assert Follow.objects.filter(user=world.sub_a).exists() and feed.followed(world.sub_a) == []


def test_empty_following_tab(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.sub_b)
    html = client.get("/", {"feed": "following"}).content.decode()
    assert "您关注的问题、来信和议题暂无新进展" in html
