"""The feeds' figures (CO-1..CO-4): each equals a direct count over the source rows, in Python.

Random districts (several seeds) of letters and cases in two subdistricts; the expected
figures are counted row by row here, not with the feeds' queries.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from shequtong.cases import overdue
from shequtong.cases.models import OPEN_STATUSES, Case, CaseEvent
from shequtong.cityops import feeds
from shequtong.letters.models import Letter

from .conftest import fill

pytestmark = pytest.mark.django_db
SCHEMAS = Path(feeds.__file__).parent / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def in_window(row, w) -> bool:
    return w.since <= row.created_at < w.until and (w.subdistrict_id is None or row.subdistrict_id == w.subdistrict_id)


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
    moves = Counter((e.status_from, e.status_to) for e in CaseEvent.objects.exclude(status_to="")
                    if e.status_from and e.status_from != e.status_to and any(c.pk == e.case_id for c in cases))
    assert {(r["from"], r["to"]): r["count"] for r in got["flow"]} == moves

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
    import datetime as dt

    from shequtong.cases import services as case_services
    from shequtong.common import clock

    time_machine.move_to(clock.now(), tick=False)
    c = case_services.create_case(actor=cast.staff_a, community=cast.a, source="visit", category="safety",
                                  title="路灯", content="北门路灯坏了")
    time_machine.shift(dt.timedelta(hours=2))
    case_services.handle_case(actor=cast.staff_a, case_id=c.pk, action="accept", note="收到")
    time_machine.shift(dt.timedelta(hours=10))
    case_services.handle_case(actor=cast.staff_a, case_id=c.pk, action="resolve", note="已修好")
    flow = {(r["from"], r["to"]): r["median_hours"] for r in feeds.cases(feeds.window())["flow"]}
    assert flow == {("new", "accepted"): 2.0, ("accepted", "resolved"): 10.0}
