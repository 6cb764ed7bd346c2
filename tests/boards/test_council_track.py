"""议事厅 as a tracked process (§3.4.2 item 1.5, PC-4): 议题 → 讨论 → 表决 → 公约/项目 → 实施中 → 已完成,
项目 ⇄ 公约 directly, every move a history row, and the counts per stage per community for observers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.boards import selectors, services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Post, TopicStageChange
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed

from ..factories import make_post

pytestmark = pytest.mark.django_db


def _track(post: Post) -> list[tuple[str, str, int]]:
    return list(TopicStageChange.objects.filter(post=post).order_by("created_at", "id")
                .values_list("from_stage", "to_stage", "actor_id"))


def test_a_topic_walks_the_whole_track_with_history(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL, title="增设电动车充电桩")
    assert topic.stage == Post.Stage.TOPIC
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.DISCUSSING, note="列入本月议事会")
    services.open_vote(actor=people.staff, post_id=topic.pk, question="是否增设", options=["同意", "不同意"],
                       deadline=clock.now() + dt.timedelta(days=3))
    services.close_vote(actor=people.secretary, post_id=topic.pk, outcome="convention")
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.PROJECT, note="需要资金，转为项目")
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.CONVENTION)
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.PROJECT)
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.IMPLEMENTING)
    done = services.move_topic(actor=people.secretary, post_id=topic.pk, stage=Post.Stage.COMPLETED)
    assert done.stage == Post.Stage.COMPLETED
    s, r, st = people.secretary.pk, people.resident.pk, people.staff.pk
    assert _track(topic) == [
        ("", "topic", r), ("topic", "discussing", st), ("discussing", "voting", st), ("voting", "convention", s),
        ("convention", "project", st), ("project", "convention", st), ("convention", "project", st),
        ("project", "implementing", st), ("implementing", "completed", s),
    ]
    rows = selectors.topic_history(topic)
    assert [h.is_conversion for h in rows].count(True) == 3
    assert rows[1].note == "列入本月议事会" and rows[3].note == "表决结束：形成公约"


def test_moves_outside_the_track_are_refused_and_change_nothing(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    for stage in (Post.Stage.PROJECT, Post.Stage.COMPLETED, Post.Stage.VOTING, Post.Stage.IMPLEMENTING):
        with pytest.raises(Conflict):
            services.move_topic(actor=people.staff, post_id=topic.pk, stage=stage)
    with pytest.raises(ValidationFailed):
        services.move_topic(actor=people.staff, post_id=topic.pk, stage="sold")
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.DISCUSSING)
    services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.REJECTED)
    with pytest.raises(Conflict):
        services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.DISCUSSING)
    with pytest.raises(ValidationFailed):
        services.move_topic(actor=people.staff, post_id=make_post(people.resident, tree.comm_a1).pk,
                            stage=Post.Stage.DISCUSSING)
    topic.refresh_from_db()
    assert topic.stage == Post.Stage.REJECTED and len(_track(topic)) == 3


def test_only_the_communitys_committee_moves_a_topic(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    for user in (people.resident, people.neighbour, people.police, people.sub_observer, people.district):
        with pytest.raises(PermissionRefused):
            services.move_topic(actor=user, post_id=topic.pk, stage=Post.Stage.DISCUSSING)
    for user in (people.outsider, people.outsider_staff, people.sub_b_observer):
        with pytest.raises(NotFound):
            services.move_topic(actor=user, post_id=topic.pk, stage=Post.Stage.DISCUSSING)
    topic.refresh_from_db()
    assert topic.stage == Post.Stage.TOPIC and len(_track(topic)) == 1


def test_a_hidden_topic_does_not_move(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    services.hide_post(actor=people.staff, post_id=topic.pk, reason="重复")
    with pytest.raises(Conflict):
        services.move_topic(actor=people.staff, post_id=topic.pk, stage=Post.Stage.DISCUSSING)


def test_counts_per_stage_per_community_are_scoped(tree, people):
    make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    t2 = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    services.move_topic(actor=people.staff, post_id=t2.pk, stage=Post.Stage.DISCUSSING)
    make_post(people.staff, tree.comm_a1, Board.COUNCIL, convention=True)
    hidden = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    services.hide_post(actor=people.staff, post_id=hidden.pk, reason="广告")
    make_post(people.outsider_staff, tree.comm_b1, Board.COUNCIL, convention=True)

    sub = {r.community_id: r for r in selectors.council_stage_counts(people.sub_observer)}
    assert tree.comm_b1.pk not in sub  # another subdistrict is outside the scope
    a1 = sub[tree.comm_a1.pk]
    assert a1.counts == {"topic": 1, "discussing": 1, "convention": 1} and a1.total == 3
    assert a1.in_order()[:4] == [1, 1, 0, 1]
    assert sub[tree.comm_a2.pk].total == 0  # a community without topics still has its row

    district = {r.community_id: r for r in selectors.council_stage_counts(people.district)}
    assert district[tree.comm_b1.pk].counts == {"convention": 1}
    assert selectors.stage_totals(list(district.values()))[selectors.COUNCIL_STAGES.index("convention")] == 2
    only_b = selectors.council_stage_counts(people.district, subdistrict_id=tree.sub_b.pk)
    assert {r.community_id for r in only_b} == {tree.comm_b1.pk}
    assert selectors.council_stage_counts(people.resident) == []
    assert selectors.council_stage_counts(people.staff) == []


def test_topic_page_shows_the_track_and_the_committees_buttons(client, tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL, title="楼道堆物治理")
    url = reverse("boards:post", args=[topic.pk])
    client.force_login(people.resident)
    page = client.get(url).content.decode()
    assert "议事进程" in page and 'data-testid="track-step"' in page and 'data-testid="move-topic"' not in page
    client.force_login(people.staff)
    page = client.get(url).content.decode()
    assert 'data-testid="move-discussing"' in page
    response = client.post(reverse("boards:move_topic", args=[topic.pk]), {"stage": "discussing", "note": "上会讨论"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.stage == Post.Stage.DISCUSSING
    client.force_login(people.resident)
    assert client.post(reverse("boards:move_topic", args=[topic.pk]), {"stage": "rejected"}).status_code == 302
    topic.refresh_from_db()
    assert topic.stage == Post.Stage.DISCUSSING  # refused with a message, nothing changed
    client.force_login(people.outsider_staff)
    assert client.post(reverse("boards:move_topic", args=[topic.pk]), {"stage": "rejected"}).status_code == 404


def test_observer_stats_page(client, tree, people):
    make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    client.force_login(people.sub_observer)
    page = client.get(reverse("boards:council_stats")).content.decode()
    assert tree.comm_a1.name in page and tree.comm_b1.name not in page and "实施中" in page
    client.force_login(people.resident)
    assert client.get(reverse("boards:council_stats")).status_code == 403
