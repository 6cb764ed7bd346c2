"""The demo boards command fills every board of the demo community, through the services, and is safe twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shequtong.boards.catalogue import SPECS
from shequtong.boards.models import Announcement, Giveaway, Post, TopicStageChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The demo posts carry pictures: keep them out of the developer's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_seed_demo_boards_fills_each_board_and_runs_twice():
    call_command("seed_demo", residents=40, verbosity=0)
    call_command("seed_demo_boards", verbosity=0)
    posts = Post.objects.count()
    community_id = Post.objects.values_list("community_id", flat=True).first()
    boards = set(Post.objects.filter(community_id=community_id).values_list("board", flat=True))
    assert boards == set(SPECS) and posts >= 18 and Announcement.objects.count() == 2
    # 议事厅 has a topic at every stage of its track, each with its history; 左邻右舍 has giveaways.
    council = Post.objects.filter(community_id=community_id, board="council")
    assert set(council.values_list("stage", flat=True)) == set(Post.Stage.values)
    assert all(TopicStageChange.objects.filter(post=p).exists() for p in council)
    assert set(Giveaway.objects.values_list("status", flat=True)) == {"available", "given"}
    # 综合信息's daily rollup was kept by the services the seed goes through.
    from django.db.models import Sum

    from shequtong.boards.models import PostDay
    from shequtong.observe import rollups

    assert PostDay.objects.aggregate(n=Sum("posts"))["n"] == Post.objects.filter(visibility="visible").count()
    assert rollups.rebuild(only=("post_days",), check=True) == []
    call_command("seed_demo_boards", verbosity=0)
    assert Post.objects.count() == posts
