"""manage.py rebuild_search_text, and the full-scale generator writing search_text itself."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command

from shequtong.boards.models import Post
from shequtong.cases.models import Case
from shequtong.common import chinese
from shequtong.demo import fullscale_content
from shequtong.visits.models import Visit

from .conftest import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("rebuild_search_text", *args, stdout=out)
    return out.getvalue()


def texts() -> dict[str, dict[int, str]]:
    return {name: dict(model.objects.values_list("pk", "search_text"))
            for name, model in (("posts", Post), ("cases", Case), ("visits", Visit))}


def test_backfill_writes_what_the_services_write(world: World):
    written_by_services = texts()
    assert all(all(v for v in rows.values()) for rows in written_by_services.values())
    for model in (Post, Case, Visit):
        model.objects.update(search_text="")
    out = run("--batch", "2")
    assert texts() == written_by_services
    assert "posts: 2/4 read, 2 written" in out and "posts: 4 of 4 rows updated" in out
    assert "visits: 2 of 2 rows updated" in out


def test_second_run_writes_nothing_and_missing_only_fills_blanks(world: World):
    assert "posts: 0 of 4 rows updated" in run()
    Post.objects.filter(pk=world.post_a.pk).update(search_text="")
    Post.objects.filter(pk=world.post_b.pk).update(search_text="stale")
    out = run("--missing", "--only", "posts")
    assert "posts: 1 rows" in out and "cases" not in out
    assert Post.objects.get(pk=world.post_a.pk).search_text == world.post_a.search_text
    assert Post.objects.get(pk=world.post_b.pk).search_text == "stale"
    run("--only", "posts")
    assert Post.objects.get(pk=world.post_b.pk).search_text == world.post_b.search_text


def test_unknown_target_or_bad_batch_is_an_error(db):
    with pytest.raises(CommandError, match="unknown target"):
        run("--only", "chats")
    with pytest.raises(CommandError, match="--batch"):
        run("--batch", "0")


def test_full_scale_generator_writes_the_services_search_text():
    members = list(range(1, 101))
    people = fullscale_content.People(members=members, party=[2], staff=[900])
    people.joined = {uid: dt.datetime(2023, 1, 1, tzinfo=dt.UTC) for uid in members}
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    batch = fullscale_content.community_content(7, "urban", people, first_post_id=1, rng=random.Random(3), now=now,
                                                ratios=fullscale_content.ContentRatios())
    columns = fullscale_content.POST_COLUMNS
    for row in batch.posts:
        post = dict(zip(columns, row, strict=True))
        assert post["search_text"] == chinese.search_text(post["title"], post["body"]) != ""
    cases = fullscale_content.community_cases(7, 1, people, first_case_id=1, first_letter_id=1,
                                              subcategories={"community": [1]}, rng=random.Random(3), now=now)
    columns = fullscale_content.CASE_COLUMNS
    assert cases.cases
    for row in cases.cases:
        case = dict(zip(columns, row, strict=True))
        assert case["search_text"] == chinese.search_text(case["title"], case["content"]) != ""
