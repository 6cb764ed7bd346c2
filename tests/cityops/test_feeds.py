"""The feeds' figures (CO-1..CO-4): each equals a direct count over the source rows, in Python.

Random districts (several seeds) of letters and cases in two subdistricts; the expected
figures are counted row by row here, not with the feeds' queries.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from shequtong.cases import overdue
from shequtong.cases import rollups as case_rollups
from shequtong.cases import services as case_services
from shequtong.cases.models import OPEN_STATUSES, Case, CaseEvent
from shequtong.cityops import feeds
from shequtong.common import clock
from shequtong.letters.models import Letter

from .conftest import fill

pytestmark = pytest.mark.django_db
SCHEMAS = Path(feeds.__file__).parent / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def in_window(row, w) -> bool:
    return w.since <= row.created_at < w.until and (w.subdistrict_id is None or row.subdistrict_id == w.subdistrict_id)


def direct_medians(cases) -> dict:
    """Median hours before each status move of these cases, from their history row by row."""
    waits: dict = {}
    for c in cases:
        start = c.created_at
        for e in sorted(CaseEvent.objects.filter(case=c), key=lambda e: (e.created_at, e.pk)):
            if e.status_from and e.status_to and e.status_from != e.status_to:
                waits.setdefault((e.status_from, e.status_to), []).append(max(0.0, (e.created_at - start).total_seconds()))
                start = e.created_at
    return {k: round(statistics.median(v) / 3600, 1) for k, v in waits.items()}


def direct_terms(cases) -> list:
    """The top words of these cases: each case's words counted once, most first, then by word."""
    counts = Counter(w for c in cases for w in set(c.search_text.split())
                     if 2 <= len(w) <= 20 and not w.isdigit() and w not in case_rollups.STOP_TERMS)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:feeds.TOP_TERMS]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("by_subdistrict", [False, True])
def test_every_figure_equals_a_direct_count(cast, seed, by_subdistrict):
    fill(cast, seed)
    w = feeds.window(30, cast.tree.sub_b.pk if by_subdistrict else None)
    letters = [x for x in Letter.objects.all() if in_window(x, w)]
    cases = [c for c in Case.objects.all() if in_window(c, w)]

    got = feeds.letters(w)
    jsonschema.validate(got, schema("letters"))
    assert got["total"] == len(letters)
    assert {r["id"]: r["count"] for r in got["subdistricts"]} == {
        s: sum(1 for x in letters if x.subdistrict_id == s) for s in {r["id"] for r in got["subdistricts"]}}
    assert {r["category"]: r["count"] for r in got["categories"] if r["count"]} == Counter(x.category for x in letters)
    subs = Counter((s.category, s.name) for x in letters for s in x.subcategories.all())
    assert {(r["category"], s["name"]): s["count"] for r in got["categories"] for s in r["subcategories"]} == subs
    assert [r["id"] for r in got["carousel"]] == [x.pk for x in sorted(letters, key=lambda x: (x.created_at, x.pk),
                                                                         reverse=True)][:feeds.CAROUSEL_SIZE]

    got = feeds.cases(w)
    jsonschema.validate(got, schema("cases"))
    assert got["total"] == len(cases)
    assert {r["status"]: r["count"] for r in got["statuses"] if r["count"]} == Counter(c.status for c in cases)
    assert {r["source"]: r["count"] for r in got["sources"] if r["count"]} == Counter(c.source for c in cases)
    for row in got["subdistricts"]:
        mine = [c for c in cases if c.subdistrict_id == row["id"]]
        assert row["count"] == len(mine)
        assert row["open"] == sum(1 for c in mine if c.status in OPEN_STATUSES)
        assert row["overdue"] == Case.objects.filter(overdue.any_q(), subdistrict_id=row["id"]).count()
    for row in got["subdistricts"]:  # overdue now, by the per-row markers (not by the feed's filter)
        assert row["overdue"] == sum(1 for c in Case.objects.filter(subdistrict_id=row["id"]) if overdue.buckets_of(c))
    moves = Counter((e.status_from, e.status_to) for e in CaseEvent.objects.exclude(status_to="")
                    if e.status_from and e.status_from != e.status_to and any(c.pk == e.case_id for c in cases))
    assert {(r["from"], r["to"]): r["count"] for r in got["flow"]} == moves
    assert {(r["from"], r["to"]): r["median_hours"] for r in got["flow"]} == direct_medians(cases)
    assert [(t["term"], t["count"]) for t in got["concerns"]["terms"]] == direct_terms(cases)

    got = feeds.overview(w)
    jsonschema.validate(got, schema("overview"))
    resolved = sum(1 for c in cases if c.status in ("resolved", "closed"))
    assert (got["headline"]["cases"], got["headline"]["cases_resolved"]) == (len(cases), resolved)
    assert got["headline"]["letters"] == len(letters)

    jsonschema.validate(feeds.epidemic(w), schema("epidemic"))


def test_nothing_personal_leaves_the_feed(cast):
    fill(cast, 7, n=6)
    text = json.dumps([feeds.letters(feeds.window()), feeds.cases(feeds.window())], ensure_ascii=False)
    assert "13812345678" not in text and "138****5678" in text
    for person in (cast.resident_a, cast.staff_a, cast.staff_b):
        assert person.real_name not in text and person.phone not in text


def test_the_flow_median_is_the_time_spent_before_each_move(cast, time_machine):
    time_machine.move_to(clock.now(), tick=False)
    c = case_services.create_case(actor=cast.staff_a, community=cast.a, source="visit", category="safety",
                                  title="路灯", content="北门路灯坏了")
    time_machine.shift(dt.timedelta(hours=2))
    case_services.handle_case(actor=cast.staff_a, case_id=c.pk, action="accept", note="收到")
    time_machine.shift(dt.timedelta(hours=10))
    case_services.handle_case(actor=cast.staff_a, case_id=c.pk, action="resolve", note="已修好")
    flow = {(r["from"], r["to"]): r["median_hours"] for r in feeds.cases(feeds.window())["flow"]}
    assert flow == {("new", "accepted"): 2.0, ("accepted", "resolved"): 10.0}


def test_words_over_days_counted_and_not_yet_counted_equal_a_direct_count(cast, time_machine):
    """Cases over 40 days: a period's words are the same whether the job has counted its days or not,
    with the period starting and ending mid-day, for the district and for one subdistrict."""
    start = clock.now() - dt.timedelta(days=40)
    time_machine.move_to(start, tick=False)
    texts = ["楼道灯坏了请修理", "垃圾清运不及时", "电梯经常故障需要维修", "楼道堆放杂物", "噪音扰民严重",
             "绿化带被占用停车", "电梯噪音扰民"]
    places = [(cast.a, cast.staff_a), (cast.b, cast.staff_b)]
    for i in range(60):
        time_machine.move_to(start + dt.timedelta(hours=16 * i + 3), tick=False)
        community, staff = places[i % 2]
        case_services.create_case(actor=staff, community=community, source="visit", category="safety",
                                  title=texts[i % len(texts)], content=texts[(i * 3) % len(texts)] + "，请尽快处理")
    now = start + dt.timedelta(days=40, hours=5)
    time_machine.move_to(now, tick=False)

    def check() -> None:
        for sub in (None, cast.tree.sub_a.pk):
            for days in (1, 7, 30):
                w = feeds.window(days, sub)
                cases = [c for c in Case.objects.all() if in_window(c, w)]
                got = case_rollups.top_terms(w.since, w.until, sub, feeds.TOP_TERMS)
                assert got == direct_terms(cases), (sub, days)

    check()  # nothing counted yet: every day from the cases
    time_machine.move_to(now - dt.timedelta(days=12), tick=False)
    assert case_rollups.close_term_days() > 0  # the days up to 13 days ago are counted, the rest not
    time_machine.move_to(now, tick=False)
    check()
    assert case_rollups.close_term_days() > 0  # now every day that is over
    check()
    assert case_rollups.close_term_days() == 0  # a day is counted once


@pytest.mark.parametrize("seed", [11, 12])
def test_the_flow_over_weeks_equals_the_case_histories(cast, time_machine, seed):
    """Cases raised over six weeks and handled hours or days later: each transition's count and median
    hours, in periods that cut through the cases, equal their histories counted row by row."""
    import random

    rnd = random.Random(seed)
    start = clock.now() - dt.timedelta(days=45)
    time_machine.move_to(start, tick=False)
    places = [(cast.a, cast.staff_a), (cast.b, cast.staff_b)]
    for i in range(24):
        at = start + dt.timedelta(hours=rnd.uniform(0, 44 * 24))
        time_machine.move_to(at, tick=False)
        community, staff = rnd.choice(places)
        case = case_services.create_case(actor=staff, community=community, source="visit", category="safety",
                                         title=f"路灯{i}", content="北门路灯坏了")
        for action in rnd.choice([(), ("accept",), ("accept", "update", "resolve"), ("accept", "resolve", "reopen"),
                                  ("reply", "escalate"), ("accept", "resolve", "close")]):
            at += dt.timedelta(minutes=rnd.randint(1, 60 * 72))
            time_machine.move_to(min(at, start + dt.timedelta(days=45)), tick=False)
            case_services.handle_case(actor=staff, case_id=case.pk, action=action, note="进展")
    time_machine.move_to(start + dt.timedelta(days=45, hours=1), tick=False)
    for sub in (None, cast.tree.sub_b.pk):
        for days in (7, 30):
            w = feeds.window(days, sub)
            cases = [c for c in Case.objects.all() if in_window(c, w)]
            flow = feeds.cases(w)["flow"]
            assert {(r["from"], r["to"]): r["median_hours"] for r in flow} == direct_medians(cases)
            assert sum(r["count"] for r in flow) == sum(
                1 for c in cases for e in CaseEvent.objects.filter(case=c)
                if e.status_from and e.status_to and e.status_from != e.status_to)


def test_top_open_cases_ranks_open_cases_of_the_place_by_the_given_count(cast):
    """The seam for 治慧中心's top-10 open problems: any count per case, open cases of the place only."""
    fill(cast, 8, n=30)
    every = list(Case.objects.order_by("pk"))
    scores = {c.pk: (i * 7) % 13 for i, c in enumerate(every)}
    for sub in (None, cast.tree.sub_a.pk):
        w = feeds.window(30, sub)
        expected = sorted((c for c in every if c.status in OPEN_STATUSES and scores[c.pk] > 0
                           and (sub is None or c.subdistrict_id == sub)), key=lambda c: (-scores[c.pk], -c.pk))
        got = feeds.top_open_cases(w, scores)
        assert [(r["id"], r["score"]) for r in got] == [(c.pk, scores[c.pk]) for c in expected[:feeds.TOP_N]]
    assert feeds.top_open_cases(feeds.window(), {}) == []


def test_most_followed_open_problems_count_the_people_following_each_case(cast):
    """治慧中心's top-10 open problems (CO-3) rank by 关注: the follows of each open case, as counted here."""
    from shequtong.accounts.roles import Role
    from shequtong.follows.models import Follow

    from ..factories import make_with_role

    fill(cast, 9, n=30)
    every = list(Case.objects.order_by("pk"))
    followers = [make_with_role(Role.DISTRICT_OBSERVER) for _ in range(4)]
    for i, c in enumerate(every):
        for person in followers[: i % 5]:  # 0..4 followers, some closed cases followed too
            Follow.objects.create(user=person, target_type="case", target_id=c.pk, created_at=clock.now())
    counts = Counter(f.target_id for f in Follow.objects.filter(target_type="case"))
    w = feeds.window(30, None)
    expected = sorted((c for c in every if c.status in OPEN_STATUSES and counts[c.pk] > 0),
                      key=lambda c: (-counts[c.pk], -c.pk))
    got = feeds.overview(w)["most_followed_open"]
    assert len(expected) > feeds.TOP_N  # the cut at ten is exercised
    assert [(r["id"], r["score"]) for r in got] == [(c.pk, counts[c.pk]) for c in expected[:feeds.TOP_N]]
