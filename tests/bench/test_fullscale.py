"""The district-scale generator at tiny scale: counts, skew, constraints, rollups, both back ends."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q

from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common.idcard import parse_id_number
from shequtong.demo import fullscale
from shequtong.places.models import Community, CommunityStats, Estate

pytestmark = pytest.mark.django_db


def _indexes() -> set[tuple[str, ...]]:
    """Index names with their uniqueness, and constraints with their definitions.

    (PostgreSQL re-prints a rebuilt partial index's predicate in another but
    equivalent spelling, so index definitions are compared by name and kind.)
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, i.relname, x.indisunique, x.indnatts FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
            "WHERE c.relname IN ('accounts_user', 'accounts_rolegrant', 'accounts_membership')"
        )
        rows = {tuple(map(str, r)) for r in cur.fetchall()}
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text IN ('accounts_user', 'accounts_rolegrant', 'accounts_membership')"
        )
        return rows | {tuple(r) for r in cur.fetchall()}


def test_small_scale_people_are_consistent(monkeypatch):
    monkeypatch.setitem(fullscale.SCALES, "small", fullscale.Scale("small", residents=600, staff_per_community=1,
                                                                   content=False))
    call_command("seed_demo", scale="small", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    residents = User.objects.filter(username__startswith="r")
    assert residents.count() == 600
    communities = Community.objects.count()
    assert User.objects.filter(username__startswith="s").count() == communities
    assert RoleGrant.objects.filter(role=Role.COMMITTEE_SECRETARY, user__username__startswith="s").count() == communities
    # Every resident has one resident grant and one approved membership in the same community and estate.
    assert RoleGrant.objects.filter(role=Role.RESIDENT, user__username__startswith="r").count() == 600
    assert Membership.objects.filter(user__username__startswith="r", status="approved").count() == 600
    for g in RoleGrant.objects.filter(role=Role.RESIDENT, user__username__startswith="r").select_related("estate")[:100]:
        m = Membership.objects.get(user_id=g.user_id)
        assert (m.community_id, m.estate_id) == (g.community_id, g.estate_id)
        assert g.estate.community_id == g.community_id
        assert m.reviewed_at > m.requested_at
    # Personal data is encrypted and findable through the blind index, and the ID number is valid.
    user = residents.order_by("id")[123]
    info = parse_id_number(user.id_number)
    assert info.birth_date == user.birth_date and info.sex == user.sex
    assert User.objects.get(phone_index=account_services.phone_index(user.phone)) == user
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM accounts_user WHERE id = %s", [user.pk])
        assert user.id_number.encode() not in bytes(cur.fetchone()[0])
    # Rollups match the grants.
    assert sum(CommunityStats.objects.values_list("residents", flat=True)) == RoleGrant.objects.filter(role=Role.RESIDENT).count()
    # 户覆盖率: residents live in rooms, most estates registered their 户数, covered households equal the rooms.
    approved = Membership.objects.filter(user__username__startswith="r", status="approved")
    assert not approved.filter(room="").exists()
    for estate in Estate.objects.all():
        rooms = set(approved.filter(estate=estate).values_list("building", "room"))
        assert estate.covered_households == len(rooms)
        assert estate.households is None or estate.households >= len(rooms)
    lived_in = Estate.objects.filter(covered_households__gt=0)
    assert lived_in.filter(households__isnull=False).count() > lived_in.count() * 3 // 4
    assert Membership.objects.filter(user__username__startswith="r").values("estate_id", "building", "room").distinct().count() < 600
    # 人口画像's and 宝山用户数据's rollups are filled: the nightly check finds nothing to repair, and they hold every approved resident.
    from shequtong.accounts.models import PopulationStat
    from shequtong.observe import rollups

    assert rollups.rebuild(check=True, only=("population_stats", "member_days")) == []
    assert sum(PopulationStat.objects.values_list("people", flat=True)) == Membership.objects.filter(status="approved").count()
    assert PopulationStat.objects.filter(birth_year__gt=0).count() > 100
    # New rows after the load get fresh ids (sequences were moved past the explicit ids).
    newcomer = User.objects.create(username="after-load")
    assert newcomer.pk > residents.order_by("-id")[0].pk


def test_skew_some_communities_are_far_busier():
    weights = fullscale.community_weights(568)
    rng = random.Random(1)
    picks = Counter(rng.choices(range(568), weights=weights, k=100_000))
    counts = sorted(picks.values())
    assert counts[-1] > 8 * counts[0]
    assert max(weights) / min(weights) > 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index deferral is PostgreSQL-only")
def test_deferred_indexes_are_rebuilt_identically(tree):
    before = _indexes()
    with fullscale.deferred_indexes(["accounts_user", "accounts_rolegrant", "accounts_membership"],
                                    enabled=True, log=lambda _line: None):
        assert _indexes() < before
        fullscale.load_people(50, 0, random.Random(3), log=lambda _line: None)
    assert _indexes() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index deferral is PostgreSQL-only")
def test_deferred_indexes_are_rebuilt_after_a_failure(tree):
    before = _indexes()
    with pytest.raises(RuntimeError), fullscale.deferred_indexes(["accounts_user"], enabled=True, log=lambda _l: None):
        raise RuntimeError("load failed")
    assert _indexes() == before


def test_content_respects_the_apps_rules_counters_and_rollups(monkeypatch):

    from shequtong.boards import catalogue
    from shequtong.boards.models import Like, Post, Read, Reply

    monkeypatch.setitem(fullscale.SCALES, "small", fullscale.Scale("small", residents=1500, staff_per_community=2,
                                                                   content=True))
    call_command("seed_demo", scale="small", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    posts = Post.objects.all()
    assert posts.count() > 1000 and Reply.objects.count() > 3 * posts.count() // 2
    assert Read.objects.count() > Like.objects.count() > 0
    # Denormalised counters equal the rows.
    wrong = posts.annotate(
        r=Count("replies", distinct=True), lk=Count("likes", distinct=True), rd=Count("reads", distinct=True)
    ).exclude(Q(reply_count=F("r")) & Q(like_count=F("lk")) & Q(read_count=F("rd")))
    assert not wrong.exists()
    # Boards exist in the community's version; authors may publish there.
    for p in posts.select_related("community")[:300]:
        assert catalogue.exists_in(p.board, p.community.kind)
    staff_boards = posts.filter(board__in=["notice", "affairs"])
    assert staff_boards.exists()
    assert not staff_boards.exclude(
        Exists(RoleGrant.objects.filter(user_id=OuterRef("author_id"), community_id=OuterRef("community_id"),
                                        role__in=[Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY]))
    ).exists()
    assert not posts.filter(board="party").exclude(
        Exists(RoleGrant.objects.filter(user_id=OuterRef("author_id"), community_id=OuterRef("community_id"),
                                        role=Role.PARTY_MEMBER))
    ).exists()
    assert not Reply.objects.filter(post__board="affairs").exists()
    # Reads and likes come from the community's own people, a like only after a read; replies follow posts.
    assert not Read.objects.exclude(
        Exists(Membership.objects.filter(user_id=OuterRef("user_id"), community_id=OuterRef("community_id")))
    ).exists()
    assert not Like.objects.exclude(
        Exists(Read.objects.filter(user_id=OuterRef("user_id"), post_id=OuterRef("post_id")))
    ).exists()
    assert not Reply.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not Reply.objects.exclude(community_id=F("post__community_id")).exists()
    # Four years of history, and busy posts: the most read post has many times the median.
    first, last = posts.order_by("created_at").first(), posts.order_by("created_at").last()
    assert (last.created_at - first.created_at).days > 3 * 365
    reads = sorted(posts.values_list("read_count", flat=True))
    assert reads[-1] >= 5 * max(1, reads[len(reads) // 2])
    # 综合信息's daily rollup is filled and equals the posts, replies and reads.
    from django.db.models import Sum

    from shequtong.boards.models import PostDay
    from shequtong.observe import rollups

    totals = PostDay.objects.aggregate(p=Sum("posts"), r=Sum("replies"), rd=Sum("reads"))
    assert (totals["p"], totals["r"], totals["rd"]) == (posts.count(), Reply.objects.count(), Read.objects.count())
    assert rollups.rebuild(only=("post_days",), check=True) == []
    _check_letters_and_cases()


def _check_letters_and_cases() -> None:
    from django.db.models import Sum

    from shequtong.cases import overdue
    from shequtong.cases.models import Case, CaseEvent, CaseRating, RatingStat
    from shequtong.letters.models import Letter, LetterStat

    cases = Case.objects.all()
    assert cases.count() > 100 and Letter.objects.count() > 50
    # Every letter is a case of its own community, raised by its writer, with one sub-category of its category.
    for letter in Letter.objects.select_related("case").prefetch_related("subcategories")[:100]:
        assert letter.case.origin_type == "letter" and letter.case.origin_id == letter.pk
        assert letter.case.raised_by_id == letter.author_id and letter.case.community_id == letter.community_id
        assert [s.category for s in letter.subcategories.all()] == [letter.category]
    # History follows the status; ratings only on resolved cases by the raiser; rollups equal the rows.
    assert not cases.exclude(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind="created"))).exists()
    assert not cases.filter(status__in=["resolved", "closed"], resolved_at__isnull=True).exists()
    assert not cases.exclude(status="new").filter(first_response_at__isnull=True).exists()
    assert not CaseRating.objects.exclude(case__status__in=["resolved", "closed"]).exists()
    assert not CaseRating.objects.exclude(rater_id=F("case__raised_by_id")).exists()
    assert RatingStat.objects.aggregate(n=Sum("ratings"))["n"] == CaseRating.objects.count()
    assert RatingStat.objects.aggregate(n=Sum("stars_total"))["n"] == CaseRating.objects.aggregate(n=Sum("stars"))["n"]
    assert LetterStat.objects.aggregate(n=Sum("letters"))["n"] == Letter.objects.count()
    # Some cases sit in the overdue buckets the observer filters use.
    assert cases.filter(overdue.any_q()).exists()
    assert not cases.filter(category="").exists()
    # 问题跟踪's rollups (cases/rollups.py) are filled, and equal what the events and the cases say.
    from shequtong.cases.models import CaseStep, CaseTermDay
    from shequtong.observe import rollups

    assert CaseStep.objects.count() > cases.count() // 2 and CaseTermDay.objects.count() > 3 * 365
    assert rollups.rebuild(only=("case_steps", "case_terms", "rating_stats"), check=True) == []


def test_copy_columns_cover_every_column():
    from shequtong.boards.models import Like, Post, Read, Reply
    from shequtong.cases.models import Case, CaseEvent, CaseRating
    from shequtong.demo import fullscale_content as fc
    from shequtong.letters.models import Letter

    for model, columns in [(Case, fc.CASE_COLUMNS), (CaseEvent, fc.EVENT_COLUMNS), (CaseRating, fc.RATING_COLUMNS),
                           (Letter, fc.LETTER_COLUMNS), (Letter.subcategories.through, fc.LETTER_SUB_COLUMNS),(User, fullscale.USER_COLUMNS), (RoleGrant, fullscale.GRANT_COLUMNS),
                           (Membership, fullscale.MEMBERSHIP_COLUMNS), (Post, fc.POST_COLUMNS),
                           (Reply, fc.REPLY_COLUMNS), (Read, fc.INTERACTION_COLUMNS), (Like, fc.INTERACTION_COLUMNS)]:
        assert set(columns) == {f.column for f in model._meta.concrete_fields}, model
