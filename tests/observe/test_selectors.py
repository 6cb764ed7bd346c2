"""全局信息穿透 selector: scope, filters, keyword match, what is never shown, paging (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shequtong.boards.models import Post
from shequtong.observe import selectors
from shequtong.observe.selectors import Kind, SearchFilters

from ..factories import make_post
from .conftest import World, at

pytestmark = pytest.mark.django_db


def found(user, **filters) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(h.kind, h.pk) for h in selectors.search(user, SearchFilters(**filters)).hits]


def test_keyword_inside_a_longer_sentence_finds_posts_letters_and_visits_newest_first(world: World):
    assert found(world.district, q="楼道") == [
        ("visit", world.visit_a.pk),
        ("letter", world.letter_b.case.pk),
        ("letter", world.letter_a.case.pk),
        ("post", world.post_b.pk),
        ("post", world.post_a.pk),
    ]


def test_several_words_must_all_occur(world: World):
    assert found(world.district, q="楼道灯 坏了") == [
        ("visit", world.visit_a.pk), ("post", world.post_b.pk), ("post", world.post_a.pk)]
    assert found(world.district, q="楼道 电梯") == []


def test_a_word_of_the_domain_dictionary_matches_its_parts_too(world: World):
    assert found(world.district, q="垃圾分类") == [("post", world.council_a.pk)]
    assert found(world.district, q="垃圾") == [("post", world.council_a.pk)]
    assert found(world.district, q="分类") == [("post", world.council_a.pk)]


def test_subdistrict_observer_sees_only_their_subdistrict(world: World, tree):
    ids_a = found(world.sub_a, q="楼道")
    assert ("post", world.post_b.pk) not in ids_a and ("letter", world.letter_b.case.pk) not in ids_a
    assert {kind for kind, _pk in ids_a} == {"post", "letter", "visit"}
    assert found(world.sub_b, q="楼道") == [("letter", world.letter_b.case.pk), ("post", world.post_b.pk)]
    # Asking for the other subdistrict or one of its communities gives nothing, not their rows.
    assert found(world.sub_a, q="楼道", subdistrict_id=tree.sub_b.pk) == []
    assert found(world.sub_a, q="楼道", community_id=tree.comm_b1.pk) == []
    assert found(world.sub_b, subdistrict_id=tree.sub_a.pk) == []


def test_hidden_posts_draft_visits_chats_and_private_letters_never_show(world: World):
    everything = found(world.district)
    assert ("post", world.hidden_a.pk) not in everything
    assert ("visit", world.draft_a.pk) not in everything
    assert found(world.district, q="广告") == []
    assert found(world.district, q="草稿") == []
    # "楼道灯坏了谁知道找谁修" (group chat) and "楼道灯明天修好" (信箱) are not among the kinds searched.
    assert found(world.district, q="明天修好") == []
    assert found(world.district, q="谁知道") == []


def test_cases_follow_the_patrol_scope_and_letters_the_observe_scope(world: World):
    # A system administrator observes the district but patrols no cases: letters yes (the letter page lets
    # them), other cases no.
    admin = found(world.sysadmin)
    assert ("case", world.case_a.pk) not in admin
    assert ("letter", world.letter_a.case.pk) in admin and ("letter", world.letter_b.case.pk) in admin
    assert ("case", world.case_a.pk) in found(world.district)


def test_type_board_status_and_place_filters(world: World, tree):
    assert found(world.district, q="楼道", kind=Kind.POST) == [("post", world.post_b.pk), ("post", world.post_a.pk)]
    assert found(world.district, kind=Kind.LETTER) == [
        ("letter", world.letter_b.case.pk), ("letter", world.letter_a.case.pk)]
    assert found(world.district, kind=Kind.CASE, q="电梯") == [("case", world.case_a.pk)]
    assert found(world.district, kind=Kind.VISIT) == [("visit", world.visit_a.pk)]
    assert found(world.district, board="council") == [("post", world.council_a.pk)]
    # A status narrows to cases (letters included).
    assert found(world.district, status="new") == [
        ("letter", world.letter_b.case.pk), ("letter", world.letter_a.case.pk), ("case", world.case_a.pk)]
    assert found(world.district, status="resolved") == []
    assert found(world.district, q="楼道", community_id=tree.comm_a1.pk) == [
        ("visit", world.visit_a.pk), ("letter", world.letter_a.case.pk), ("post", world.post_a.pk)]
    assert found(world.district, q="楼道", subdistrict_id=tree.sub_b.pk) == [
        ("letter", world.letter_b.case.pk), ("post", world.post_b.pk)]


def test_time_range_counts_whole_days_in_shanghai(world: World):
    assert found(world.district, q="楼道", date_from=dt.date(2026, 11, 3), date_to=dt.date(2026, 11, 5)) == [
        ("letter", world.letter_a.case.pk), ("post", world.post_b.pk)]
    assert found(world.district, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 1)) == [
        ("case", world.case_a.pk)]
    assert found(world.district, q="楼道", date_from=dt.date(2026, 12, 1)) == []


def test_results_carry_place_status_links_and_masked_text(world: World, tree):
    hits = {h.pk: h for h in selectors.search(world.district, SearchFilters(q="楼道")).hits if h.kind == "post"}
    post = hits[world.post_a.pk]
    assert (post.community_name, post.subdistrict_name, post.board_label) == (
        tree.comm_a1.name, tree.sub_a.name, "左邻右舍")
    assert post.url == f"/boards/posts/{world.post_a.pk}/"
    assert "13912345678" not in post.excerpt and "139****5678" in post.excerpt
    letter = next(h for h in selectors.search(world.district, SearchFilters(kind=Kind.LETTER)).hits)
    assert letter.url == f"/letters/{world.letter_b.pk}/" and letter.status_label == "待受理"
    case = selectors.search(world.district, SearchFilters(kind=Kind.CASE, q="电梯")).hits[0]
    assert case.url == f"/cases/{world.case_a.pk}/"


def test_pages_are_newest_first_without_gaps_or_repeats(world: World, tree, time_machine):
    for n in range(25):
        time_machine.move_to(at(20) + dt.timedelta(minutes=n), tick=False)
        make_post(world.resident, tree.comm_a1, title=f"停车位第{n}号", body="小区停车位紧张")
    f = SearchFilters(q="停车位")
    first = selectors.search(world.district, f, page=1, per_page=10)
    second = selectors.search(world.district, f, page=2, per_page=10)
    third = selectors.search(world.district, f, page=3, per_page=10)
    assert first.has_next and second.has_next and not third.has_next
    assert (first.has_previous, second.has_previous) == (False, True)
    titles = [h.title for p in (first, second, third) for h in p.hits]
    assert titles == [f"停车位第{n}号" for n in range(24, -1, -1)]


def test_pages_beyond_the_cap_fall_back_to_the_last_page(world: World):
    page = selectors.search(world.district, SearchFilters(q="楼道"), page=selectors.MAX_PAGES + 5)
    assert page.capped and page.number == selectors.MAX_PAGES and page.hits == []


def test_query_count_stays_flat_as_results_grow(world: World, tree, django_assert_max_num_queries):
    for n in range(30):
        make_post(world.resident, tree.comm_a1, title=f"电梯故障{n}", body="电梯又停了")
    # Grants, scope ids per capability, one query per kind, the page's places, the audit row (INSERT plus the chain lock and head read).
    with django_assert_max_num_queries(14):
        page = selectors.search(world.sub_a, SearchFilters(q="电梯"))
    assert len(page.hits) == selectors.PER_PAGE


def test_search_text_is_written_by_the_services(world: World):
    assert "报修" in world.post_a.search_text.split()
    assert "杂物" in world.letter_a.case.search_text.split()
    assert "损坏" in world.visit_a.search_text.split()  # a problem's text counts for its visit


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgres_uses_the_full_text_index(world: World):
    qs = selectors.posts(world.district, SearchFilters(q="楼道"))
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")  # leave the bitmap path: the GIN index or nothing
        plan = qs.explain()
    assert "post_search" in plan, plan
    assert Post.objects.filter(pk=world.post_a.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector exists on PostgreSQL only")
def test_postgres_matches_cases_on_their_stored_vector(world: World):
    """Cases keep their vector in a generated column (common/fulltext.py): the search reads it, its GIN
    index is on it, and it follows the text as the services rewrite it."""
    from shequtong.cases.models import Case

    qs = selectors.cases(world.district, SearchFilters(q="杂物"))
    sql = str(qs.query)
    assert '"cases_case"."search_vector" @@' in sql and "to_tsvector" not in sql
    assert world.letter_a.case.pk in {c.pk for c in qs}
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        plan = qs.explain()
    assert "case_search" in plan, plan
    Case.objects.filter(pk=world.letter_a.case.pk).update(search_text="完全 不同 的 文字")
    assert world.letter_a.case.pk not in {c.pk for c in selectors.cases(world.district, SearchFilters(q="杂物"))}
    assert world.letter_a.case.pk in {c.pk for c in selectors.cases(world.district, SearchFilters(q="文字"))}


def test_excerpt_shows_the_keyword_and_cuts_only_when_it_would_be_out_of_sight():
    short = "楼道堆放杂物有安全隐患"
    assert selectors.excerpt(short, ["隐患"]) == short
    long = "前言" * 60 + "关键的楼道问题" + "后记" * 60
    cut = selectors.excerpt(long, ["楼道"], width=40)
    assert cut.startswith("…") and cut.endswith("…") and "楼道" in cut and len(cut) == 42
    assert selectors.excerpt("  多个\n空白  ", []) == "多个 空白"
