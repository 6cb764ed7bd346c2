"""manage.py rebuild_rollups: finds injected drift in every rollup, repairs it, and is quiet when all agree."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from shequtong.boards.models import Post
from shequtong.cases.models import RatingStat
from shequtong.letters.models import LetterStat
from shequtong.observe import rollups
from shequtong.places.models import CommunityStats

from .conftest import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("rebuild_rollups", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_injected_drift_is_found_reported_and_repaired(world: World, tree, cast):  # type: ignore[no-untyped-def]
    from shequtong.boards import services as board_services

    board_services.record_read(actor=cast.resident_a, post_id=world.council_a.pk)
    # The services kept everything in step (the fixture's grants are set up directly: repair them first).
    run()
    assert rollups.rebuild(check=True) == []
    before = {
        "stats": CommunityStats.objects.get(community=tree.comm_a1).residents,
        "letters": set(LetterStat.objects.values_list("day", "community_id", "category", "letters")),
        "reads": Post.objects.get(pk=world.council_a.pk).read_count,
    }
    CommunityStats.objects.filter(community=tree.comm_a1).update(residents=before["stats"] + 3)
    assert LetterStat.objects.filter(community=tree.comm_b1).exists()
    LetterStat.objects.filter(community=tree.comm_b1).delete()
    Post.objects.filter(pk=world.council_a.pk).update(read_count=0)
    RatingStat.objects.create(community=tree.comm_a2, subdistrict=tree.sub_a, ratings=2, stars_total=9)

    code, out = run("--check")
    assert code == 1
    assert f"community_stats {tree.comm_a1.pk}" in out and f"'residents': {before['stats'] + 3}" in out
    assert "letter_stats" in out and f"read_counts {world.council_a.pk}" in out and f"rating_stats {tree.comm_a2.pk}" in out
    assert "4 drift(s) found" in out
    assert CommunityStats.objects.get(community=tree.comm_a1).residents == before["stats"] + 3  # --check wrote nothing

    code, out = run()
    assert code == 1 and "4 drift(s) repaired" in out
    assert CommunityStats.objects.get(community=tree.comm_a1).residents == before["stats"]
    assert set(LetterStat.objects.values_list("day", "community_id", "category", "letters")) == before["letters"]
    assert Post.objects.get(pk=world.council_a.pk).read_count == before["reads"] == 1
    assert not RatingStat.objects.filter(community=tree.comm_a2, ratings__gt=0).exists()
    assert run() == (0, "0 drift(s) repaired\n")


def test_only_and_unknown_names(world: World):
    assert run("--check", "--only", "letter_stats")[0] == 0
    with pytest.raises(CommandError, match="unknown rollup"):
        run("--only", "chats")


def test_post_days_drift_is_found_and_repaired(world: World, tree, cast):  # type: ignore[no-untyped-def]
    """综合信息's daily rollup: a changed row, a lost row and a stray row are each reported, then repaired."""
    import datetime as dt

    from shequtong.boards import rollups as board_rollups
    from shequtong.boards import services as board_services
    from shequtong.boards.models import PostDay

    board_services.record_read(actor=cast.resident_a, post_id=world.council_a.pk)
    assert run("--only", "post_days")[0] == 0  # the services kept it: nothing to repair
    good = set(PostDay.objects.values_list("day", "community_id", "board", *board_rollups.FIELDS))
    council = PostDay.objects.get(community=tree.comm_a1, board="council", posts=1)
    assert council.reads == 1
    PostDay.objects.filter(pk=council.pk).update(reads=7, replies=3)
    lost = PostDay.objects.get(community=tree.comm_b1, posts=1)
    lost.delete()
    PostDay.objects.create(day=dt.date(2026, 1, 1), community=tree.comm_a2, subdistrict=tree.sub_a, board="notice", posts=2)

    code, out = run("--check", "--only", "post_days")
    assert code == 1 and "3 drift(s) found" in out
    assert f"post_days (datetime.date({council.day.year}, {council.day.month}, {council.day.day}), {tree.comm_a1.pk}, " \
           "'council'): stored {'posts': 1, 'mutual_aid': 0, 'replies': 3, 'reads': 7}" in out
    assert f"{tree.comm_b1.pk}, '{lost.board}'): stored {{'posts': 0" in out and "'notice'): stored {'posts': 2" in out

    code, out = run("--only", "post_days")
    assert code == 1 and "3 drift(s) repaired" in out
    assert set(PostDay.objects.values_list("day", "community_id", "board", *board_rollups.FIELDS)) == good
    assert PostDay.objects.get(pk=council.pk).reads == 1  # repaired in place
    assert run("--only", "post_days") == (0, "0 drift(s) repaired\n")


def test_the_ratings_per_star_are_kept_checked_and_repaired(tree):  # type: ignore[no-untyped-def]
    """rate_case keeps RatingStat's count of each star (评分's star distribution); a drift in one is found and repaired."""
    from django.db.models import Count

    from shequtong.accounts.roles import Role
    from shequtong.cases import services as case_services
    from shequtong.cases.models import STAR_FIELDS, CaseRating

    from ..cases import helpers
    from ..factories import make_with_role, resident_of

    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    for stars in (5, 4, 4, 1):
        raiser = resident_of(tree.comm_a1)
        case = helpers.handle(staff, helpers.letter(raiser, tree.comm_a1).case, "accept", "resolve")
        case_services.rate_case(actor=raiser, case_id=case.pk, stars=stars)
    counted = dict(CaseRating.objects.filter(community=tree.comm_a1).values_list("stars").annotate(n=Count("pk")))
    stat = RatingStat.objects.get(community=tree.comm_a1)
    assert [getattr(stat, f) for f in STAR_FIELDS] == [counted.get(n, 0) for n in range(1, 6)]
    assert run("--check", "--only", "rating_stats") == (0, "0 drift(s) found\n")
    RatingStat.objects.filter(pk=stat.pk).update(stars_4=0)
    code, out = run("--check", "--only", "rating_stats")
    assert code == 1 and f"rating_stats {tree.comm_a1.pk}" in out and "'stars_4': 0" in out
    assert run("--only", "rating_stats")[0] == 1
    stat.refresh_from_db()
    assert stat.stars_4 == counted[4]
