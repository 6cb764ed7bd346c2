"""Item 2: history from the current platform (JSON lines): posts, replies, letters, cases with steps and ratings."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shequtong.boards.models import Post, Reply
from shequtong.cases.models import Case, CaseEvent, CaseRating, RatingStat
from shequtong.letters.models import Letter
from shequtong.operations.importers import importer_for
from shequtong.operations.importers.base import run
from shequtong.operations.models import ImportedRecord
from shequtong.places.models import Community, District

from .helpers import RESIDENT_HEADER, TREE_HEADER, csv_bytes, ident, phone

pytestmark = pytest.mark.django_db


def do(kind: str, data: bytes, fmt: str, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
    importer = importer_for(kind)
    return run(importer, importer.records(data, fmt), dry_run=dry_run)


def lines(*records: dict) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


PLACE = {"subdistrict": "友谊路街道", "community": "宝林一村居委会"}
HISTORY = [
    {"type": "user", "id": "U1", "id_number": ident(1), "phone": phone(1)},  # imported as a resident already
    {"type": "user", "id": "U2", "real_name": "社工老李", "id_number": ident(2), "phone": phone(2)},  # new
    {"type": "post", "id": "P1", **PLACE, "board": "左邻右舍", "author": "U1", "title": "楼道灯坏了",
     "body": "3号楼楼道灯不亮", "created_at": "2021-05-01T09:30:00+08:00"},
    {"type": "reply", "id": "R1", "post": "P1", "author": "U2", "body": "已报修", "created_at": "2021-05-01T10:00:00+08:00"},
    {"type": "case", "id": "C1", **PLACE, "source": "letter", "category": "建设管理", "title": "楼道堆物",
     "content": "楼道里堆满杂物", "status": "closed", "raised_by": "U1", "created_by": "U1",
     "created_at": "2021-06-01T08:00:00+08:00",
     "steps": [{"kind": "accepted", "status_from": "new", "status_to": "accepted", "actor": "U2",
                "created_at": "2021-06-01T09:00:00+08:00"},
               {"kind": "resolved", "status_from": "accepted", "status_to": "resolved", "actor": "U2", "note": "已清理",
                "created_at": "2021-06-02T09:00:00+08:00"},
               {"kind": "closed", "status_from": "resolved", "status_to": "closed", "actor": "U2",
                "created_at": "2021-06-03T09:00:00+08:00"}],
     "rating": {"stars": 5, "feedback": "处理及时", "created_at": "2021-06-02T12:00:00+08:00"},
     "letter": {"kind": "problem", "subcategories": ["市容环境卫生"]}},
    {"type": "case", "id": "C2", **PLACE, "source": "居委巡查", "title": "路灯不亮", "content": "弄堂口路灯不亮",
     "status": "new", "created_by": "U2", "created_at": "2021-07-01T08:00:00+08:00"},
]


@pytest.fixture
def platform(db):  # type: ignore[no-untyped-def]
    District.objects.create(name="宝山区", code="310113")
    do("tree", csv_bytes(TREE_HEADER, [["友谊路街道", "街道", "宝林一村居委会", "居委", "宝林一村"]]), "csv")
    do("residents", csv_bytes(RESIDENT_HEADER, [["王小红", ident(1), phone(1), "友谊路街道", "宝林一村居委会", "宝林一村",
                                                 "1", "101", "否"]]), "csv")


def test_history_lands_as_posts_replies_letters_and_cases_with_steps_and_ratings(platform):
    report = do("history", lines(*HISTORY), "jsonl")
    assert report.problem_count == 0 and report.counts["created"] == 6
    post = Post.objects.get()
    assert (post.board, post.title, post.reply_count, post.community.name) == ("neighbours", "楼道灯坏了", 1, "宝林一村居委会")
    assert post.author.id_number == ident(1)  # the resident imported before, matched by ID number
    assert Reply.objects.get().author.real_name == "社工老李"
    letter_case = Case.objects.get(title="楼道堆物")
    assert (letter_case.source, letter_case.status, letter_case.category) == ("letter", "closed", "construction")
    assert letter_case.resolved_at is not None and letter_case.closed_at is not None
    assert [e.kind for e in CaseEvent.objects.filter(case=letter_case)] == ["created", "accepted", "resolved", "closed"]
    letter = Letter.objects.get()
    assert letter.case_id == letter_case.pk and list(letter.subcategories.values_list("name", flat=True)) == ["市容环境卫生"]
    assert letter_case.origin_type == "letter" and letter_case.origin_id == letter.pk
    assert CaseRating.objects.get().stars == 5
    stat = RatingStat.objects.get(community=Community.objects.get())
    assert (stat.ratings, stat.stars_total) == (1, 5)
    assert Case.objects.get(title="路灯不亮").source == "patrol_committee"
    # 问题跟踪's rollups (cases/rollups.py): the imported moves with their hours, the imported days' words.
    from shequtong.cases.models import CaseStep, CaseTermDay
    from shequtong.observe import rollups

    hours = {(s.status_from, s.status_to): s.seconds / 3600 for s in CaseStep.objects.filter(case=letter_case)}
    assert hours == {("new", "accepted"): 1.0, ("accepted", "resolved"): 24.0, ("resolved", "closed"): 24.0}
    assert CaseTermDay.objects.filter(day=dt.date(2021, 6, 1), cases=1).exists()
    assert rollups.rebuild(only=("case_steps", "case_terms"), check=True) == []
    # 综合信息's daily rollup: the imported post and reply on their local days, as the services keep it.
    from shequtong.boards.models import PostDay

    assert rollups.rebuild(only=("post_days",), check=True) == []
    assert sum(PostDay.objects.values_list("posts", flat=True)) == 1
    assert sum(PostDay.objects.values_list("replies", flat=True)) == 1


def test_history_rerun_changes_nothing(platform):
    do("history", lines(*HISTORY), "jsonl")
    counts = (Post.objects.count(), Reply.objects.count(), Case.objects.count(), CaseEvent.objects.count(),
              Letter.objects.count(), CaseRating.objects.count(), ImportedRecord.objects.count())
    again = do("history", lines(*HISTORY), "jsonl")
    assert again.counts["unchanged"] == 6 and again.counts["created"] == 0
    assert (Post.objects.count(), Reply.objects.count(), Case.objects.count(), CaseEvent.objects.count(),
            Letter.objects.count(), CaseRating.objects.count(), ImportedRecord.objects.count()) == counts
    assert Post.objects.get().reply_count == 1


def test_history_dry_run_accepts_references_to_earlier_lines_and_writes_nothing(platform):
    report = do("history", lines(*HISTORY), "jsonl", dry_run=True)
    assert report.problem_count == 0 and report.counts["created"] == 6
    assert not Post.objects.exists() and not Case.objects.exists() and not ImportedRecord.objects.exists()


def test_history_problems_name_the_line_and_field(platform):
    bad = [
        "not json",
        {"type": "post", "id": "P9", **PLACE, "board": "未知版块", "author": "U404", "title": "x",
         "created_at": "2021-05-01"},
        {"type": "reply", "id": "R9", "post": "P404", "author": "U1", "body": "", "created_at": "2021-05-01T10:00:00+08:00"},
        {"type": "case", "id": "C9", **PLACE, "source": "letter", "category": "建设管理", "title": "t", "status": "new",
         "created_at": "2021-05-01T10:00:00+08:00", "rating": {"stars": 9}, "letter": {"subcategories": ["不存在"]}},
        {"type": "user", "id": "U9", "id_number": ident(9), "phone": phone(9)},  # not on the platform, no name
    ]
    data = b"\n".join(b if isinstance(b, bytes) else (json.dumps(b, ensure_ascii=False).encode() if isinstance(b, dict)
                                                     else b.encode()) for b in bad)
    report = do("history", data, "jsonl")
    found = {(p.row, p.column) for p in report.problems}
    assert (1, "整行") in found
    assert {(2, "board"), (2, "author"), (2, "created_at")} <= found
    assert {(3, "post"), (3, "body")} <= found
    assert {(4, "rating"), (4, "letter.subcategories"), (4, "raised_by")} <= found
    assert (5, "real_name") in found
    assert not Post.objects.exists() and not Case.objects.exists()


def test_a_later_file_refers_to_people_of_an_earlier_one_and_asks_once_per_person(platform):
    """History split in files: the people first, their posts and replies in the next; each person
    imported before is looked up once, not on every line that names them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    do("history", lines(*HISTORY[:2]), "jsonl")
    posts = [{"type": "post", "id": f"P{n}", **PLACE, "board": "左邻右舍", "author": "U1", "title": f"第{n}帖",
              "body": "内容", "created_at": "2021-05-01T09:30:00+08:00"} for n in range(10)]
    replies = [{"type": "reply", "id": f"R{n}", "post": f"P{n}", "author": "U2", "body": "收到",
                "created_at": "2021-05-01T10:00:00+08:00"} for n in range(10)]
    with CaptureQueriesContext(connection) as queries:
        report = do("history", lines(*posts, *replies), "jsonl")
    assert report.problem_count == 0 and report.counts["created"] == 20
    assert [p.author.id_number for p in Post.objects.select_related("author")] == [ident(1)] * 10  # encrypted: compared here
    assert [r.author.real_name for r in Reply.objects.select_related("author")] == ["社工老李"] * 10
    assert sum(1 for p in Post.objects.all() if p.reply_count == 1) == 10
    lookups = [q["sql"] for q in queries.captured_queries
               if "operations_importedrecord" in q["sql"] and "LIMIT 1" in q["sql"]]
    assert len(lookups) == 2  # U1 and U2, once each
