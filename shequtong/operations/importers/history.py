"""History from the current platform: people, posts, replies, letters and cases with their steps
and ratings, one JSON object per line (docs/operations.md "History file").

Streaming: lines are read one at a time and written in batches. Every record carries the old
platform's `id`; `ImportedRecord` remembers what each became, so a re-run skips everything
already in and a run that died resumes where it stopped. A record may refer only to records on
earlier lines (people before their posts, a post before its replies).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shequtong.boards import rollups as board_rollups
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Post, Reply
from shequtong.cases import rollups as case_rollups
from shequtong.cases.models import (
    CASES_KEPT_FIGURES,
    Case,
    CaseEvent,
    CaseRating,
    RatingStat,
    Source,
    Status,
    star_field,
)
from shequtong.common import chinese, counters, versioned
from shequtong.common.categories import Category
from shequtong.common.text import clean_text
from shequtong.letters import services as letter_services
from shequtong.letters.models import Letter, SubCategory

from ..models import ImportedRecord
from .base import Problem
from .bulk import insert
from .people import PlaceIndex, _PeopleImporter

TYPES = ("user", "post", "reply", "case")
BOARDS = {v: v for v in Board.values} | {str(label): v for v, label in Board.choices}
CATEGORIES = {v: v for v in Category.values} | {str(label): v for v, label in Category.choices}
SOURCES = {v: v for v in Source.values} | {str(label): v for v, label in Source.choices}
STATUSES = {v: v for v in Status.values} | {str(label): v for v, label in Status.choices}
EVENT_KINDS = {v: v for v in CaseEvent.Kind.values} | {str(label): v for v, label in CaseEvent.Kind.choices}


@dataclass
class Rec:
    number: int
    type: str
    id: str
    data: dict[str, Any]


def _at(value: Any) -> dt.datetime:
    """A time already checked by `check` (never None when written)."""
    parsed = _when(value)
    assert parsed is not None
    return parsed


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return clean_text(str(value).strip()) if value not in (None, "") else ""


class HistoryImporter(_PeopleImporter):
    kind = "history"
    title = "历史数据"
    columns = ()
    batch_size = 2000

    def __init__(self) -> None:
        super().__init__()
        self.places = PlaceIndex()
        # Ids seen in this file (a dry run writes nothing, so later lines cannot find earlier ones in the database).
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.known: dict[str, set[str]] = defaultdict(set)  # ids found in ImportedRecord (an earlier file)
        self.dry_run = False
        self.subcategories = {(s.category, s.name): s.pk for s in SubCategory.objects.all()}
        self.case_days: set[dt.date] = set()  # the local days of the cases written: their words are recounted

    # --- reading -------------------------------------------------------------------------------

    def records(self, data: bytes, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                yield number, {"_line": line}

    def check(self, number: int, row: dict[str, Any]) -> tuple[Any, list[Problem]]:
        try:
            data = json.loads(row["_line"])
        except (ValueError, UnicodeDecodeError):
            return None, [Problem(number, "整行", "不是有效的 JSON")]
        if not isinstance(data, dict):
            return None, [Problem(number, "整行", "每行应为一个 JSON 对象")]
        kind = data.get("type")
        if kind not in TYPES:
            return None, [Problem(number, "type", "应为 user、post、reply 或 case")]
        ext = str(data.get("id") or "").strip()
        if not ext or len(ext) > 64:
            return None, [Problem(number, "id", "缺少原平台编号（最长64位）")]
        if ext in self.seen[kind]:
            return None, [Problem(number, "id", f"与前面的 {kind} 记录编号重复")]
        problems = getattr(self, f"_check_{kind}")(number, data)
        if problems:
            return None, problems
        self.seen[kind].add(ext)
        return Rec(number, kind, ext, data), []

    def _ref(self, number: int, data: dict[str, Any], key: str, kind: str, *, required: bool = True) -> list[Problem]:
        value = data.get(key)
        if value in (None, ""):
            return [Problem(number, key, "不能为空")] if required else []
        ext = str(value)
        if ext in self.seen[kind] or ext in self.known[kind]:
            return []
        if not ImportedRecord.objects.filter(kind=kind, external_id=ext).exists():
            return [Problem(number, key, f"找不到编号为该值的 {kind} 记录（须在前面的行或已导入）")]
        self.known[kind].add(ext)  # imported by an earlier file: asked once, not on every line naming it
        return []

    def _place(self, number: int, data: dict[str, Any]) -> list[Problem]:
        (_s, comm, _e), problems = self.places.resolve(
            number, {"subdistrict": _text(data, "subdistrict"), "community": _text(data, "community"), "estate": ""},
            estate_required=False)
        data["_community"] = comm
        data["_subdistrict"] = _s
        return problems

    def _check_user(self, number: int, data: dict[str, Any]) -> list[Problem]:
        # A person already on the platform (the residents import) is matched by ID number: no name needed.
        # Someone new needs one, which only the database can tell (apply).
        name = _text(data, "real_name")
        person, problems = self.person(number, {
            "real_name": name or "待定名", "id_number": _text(data, "id_number"), "phone": _text(data, "phone")})
        if person is not None and not name:
            person.real_name = ""
        data["_person"] = person
        return problems

    def _check_post(self, number: int, data: dict[str, Any]) -> list[Problem]:
        problems = self._place(number, data) + self._ref(number, data, "author", "user")
        if _text(data, "board") not in BOARDS:
            problems.append(Problem(number, "board", "未知版块"))
        if not _text(data, "title") or len(_text(data, "title")) > 100:
            problems.append(Problem(number, "title", "标题不能为空且不超过100字"))
        if len(_text(data, "body")) > 5000:
            problems.append(Problem(number, "body", "内容不能超过5000字"))
        if _when(data.get("created_at")) is None:
            problems.append(Problem(number, "created_at", "应为带时区的 ISO 8601 时间，如 2021-05-01T09:30:00+08:00"))
        return problems

    def _check_reply(self, number: int, data: dict[str, Any]) -> list[Problem]:
        problems = self._ref(number, data, "post", "post") + self._ref(number, data, "author", "user")
        if not _text(data, "body") or len(_text(data, "body")) > 2000:
            problems.append(Problem(number, "body", "回复内容不能为空且不超过2000字"))
        if _when(data.get("created_at")) is None:
            problems.append(Problem(number, "created_at", "应为带时区的 ISO 8601 时间"))
        return problems

    def _check_case(self, number: int, data: dict[str, Any]) -> list[Problem]:
        problems = self._place(number, data)
        problems += self._ref(number, data, "raised_by", "user", required=False)
        problems += self._ref(number, data, "created_by", "user", required=False)
        if _text(data, "source") not in SOURCES:
            problems.append(Problem(number, "source", "未知问题来源"))
        if _text(data, "category") and _text(data, "category") not in CATEGORIES:
            problems.append(Problem(number, "category", "未知问题标签"))
        if _text(data, "status") not in STATUSES:
            problems.append(Problem(number, "status", "未知状态"))
        if not _text(data, "title") or len(_text(data, "title")) > 200:
            problems.append(Problem(number, "title", "标题不能为空且不超过200字"))
        if _when(data.get("created_at")) is None:
            problems.append(Problem(number, "created_at", "应为带时区的 ISO 8601 时间"))
        for i, step in enumerate(data.get("steps") or [], start=1):
            if not isinstance(step, dict) or _text(step, "kind") not in EVENT_KINDS or _when(step.get("created_at")) is None:
                problems.append(Problem(number, f"steps[{i}]", "步骤须有 kind（如 accepted、update、resolved）和 created_at"))
            elif step.get("actor"):
                problems += self._ref(number, step, "actor", "user")
        rating = data.get("rating")
        if rating:
            if not isinstance(rating, dict) or rating.get("stars") not in (1, 2, 3, 4, 5) or _when(rating.get("created_at")) is None:
                problems.append(Problem(number, "rating", "评分须有 stars（1–5）和 created_at"))
            elif _text(data, "status") not in ("resolved", "closed", "已解决", "已关闭"):
                problems.append(Problem(number, "rating", "只有已解决或已关闭的问题才能有评分"))
        if _text(data, "source") in ("letter", "人民信箱"):
            letter = data.get("letter") or {}
            category = CATEGORIES.get(_text(data, "category"), "")
            if not category:
                problems.append(Problem(number, "category", "人民信箱来信须有问题大类"))
            subs = letter.get("subcategories") or []
            if not subs or any((category, str(s)) not in self.subcategories for s in subs):
                problems.append(Problem(number, "letter.subcategories", "小类须为该大类下已有的小类名称"))
            if not data.get("raised_by"):
                problems.append(Problem(number, "raised_by", "人民信箱来信须有写信人"))
        return problems

    # --- writing -------------------------------------------------------------------------------

    def apply(self, records: list[Rec]) -> tuple[Counter[str], list[Problem]]:
        counts: Counter[str] = Counter()
        problems: list[Problem] = []
        done: dict[str, dict[str, int]] = defaultdict(dict)
        for kind, ext, pk in ImportedRecord.objects.filter(
                external_id__in=[r.id for r in records]).values_list("kind", "external_id", "object_id"):
            done[kind][ext] = pk
        fresh = [r for r in records if r.id not in done[r.type]]
        counts["unchanged"] += len(records) - len(fresh)
        users = [r for r in fresh if r.type == "user"]
        if users:
            n, user_problems = self._users(users)
            counts["created"] += n
            problems += user_problems
        refs = self._resolve([r for r in fresh if r.type != "user"])
        self._made: list[ImportedRecord] = []
        # Posts, then replies (a reply may name a post of this batch), then cases; each kind in bulk where it can.
        for kind in ("post", "reply", "case"):
            ready = []
            for r in fresh:
                if r.type != kind:
                    continue
                missing = refs.missing(r)
                if missing:
                    if self.dry_run:
                        counts["created"] += 1  # its references are earlier lines of this file, not written in a dry run
                    else:
                        problems.append(Problem(r.number, missing, "引用的记录未能导入"))
                        counts["skipped"] += 1
                    continue
                ready.append(r)
            if ready:
                {"post": self._write_posts, "reply": self._write_replies, "case": self._write_cases}[kind](ready, refs)
                counts["created"] += len(ready)
        insert(ImportedRecord, self._made, with_pks=False)
        return counts, problems

    def _users(self, recs: list[Rec]) -> tuple[int, list[Problem]]:
        people = [r.data["_person"] for r in recs]
        by_id, new, problems = self.sort_out(people)
        nameless = {p.id_index for p in new if not p.real_name}
        if nameless:
            problems += [Problem(r.number, "real_name", "平台上没有此人，须提供真实姓名")
                         for r in recs if r.data["_person"].id_index in nameless]
            new = [p for p in new if p.real_name]
        if new:
            by_id.update(self.create_users(new, staff=False))
        refused = {p.row for p in problems}
        insert(ImportedRecord, [
            ImportedRecord(kind="user", external_id=r.id, object_id=by_id[r.data["_person"].id_index])
            for r in recs if r.number not in refused and r.data["_person"].id_index in by_id], with_pks=False)
        return len(recs) - len(refused), problems

    def _resolve(self, recs: list[Rec]) -> _Refs:
        wanted: dict[str, set[str]] = defaultdict(set)
        for r in recs:
            d = r.data
            for key in ("author", "raised_by", "created_by"):
                if d.get(key):
                    wanted["user"].add(str(d[key]))
            for step in d.get("steps") or []:
                if step.get("actor"):
                    wanted["user"].add(str(step["actor"]))
            if r.type == "reply":
                wanted["post"].add(str(d["post"]))
        refs = _Refs()
        for kind, ids in wanted.items():
            for ext, pk in ImportedRecord.objects.filter(kind=kind, external_id__in=ids).values_list("external_id", "object_id"):
                refs.ids[kind][ext] = pk
        if refs.ids["post"]:
            refs.post_community = dict(Post.objects.filter(pk__in=refs.ids["post"].values()).values_list("pk", "community_id"))
        return refs

    def _write_posts(self, recs: list[Rec], refs: _Refs) -> None:
        posts = []
        for r in recs:
            d = r.data
            title, body = _text(d, "title"), _text(d, "body")
            posts.append(Post(community_id=d["_community"], board=BOARDS[_text(d, "board")], author_id=refs.user(d["author"]),  # type: ignore[misc]
                              title=title, body=body, created_at=_at(d["created_at"]),
                              search_text=chinese.search_text(title, body)))
        insert(Post, posts)
        board_rollups.add(board_rollups.counts_of(posts, []))  # 综合信息's daily rollup, as create_post keeps it
        for r, post in zip(recs, posts, strict=True):
            self._made.append(ImportedRecord(kind="post", external_id=r.id, object_id=post.pk))
            refs.ids["post"][r.id] = post.pk
            refs.post_community[post.pk] = post.community_id

    def _write_replies(self, recs: list[Rec], refs: _Refs) -> None:
        replies = []
        per_post: Counter[int] = Counter()
        for r in recs:
            d = r.data
            post_id = refs.ids["post"][str(d["post"])]
            per_post[post_id] += 1
            replies.append(Reply(post_id=post_id, community_id=refs.post_community[post_id], author_id=refs.user(d["author"]),  # type: ignore[misc]
                                 body=_text(d, "body"), created_at=_at(d["created_at"])))
        insert(Reply, replies)
        boards = dict(Post.objects.filter(pk__in=list(per_post)).values_list("pk", "board"))
        board_rollups.add(board_rollups.counts_of([], [(r, boards[r.post_id]) for r in replies]))  # as reply_to does
        by_count: dict[int, list[int]] = defaultdict(list)  # one UPDATE per distinct count, not per post
        for post_id, n in per_post.items():
            by_count[n].append(post_id)
        for n, post_ids in by_count.items():
            Post.objects.filter(pk__in=post_ids).update(reply_count=F("reply_count") + n)
        self._made += [ImportedRecord(kind="reply", external_id=r.id, object_id=reply.pk)
                       for r, reply in zip(recs, replies, strict=True)]

    def _write_cases(self, recs: list[Rec], refs: _Refs) -> None:
        """The batch's cases with their steps, ratings and letters: one COPY per table, not a statement per row."""
        cases, events, ratings, letters, letter_subs = [], [], [], [], []
        stars: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
        for r in recs:
            d = r.data
            created = _at(d["created_at"])
            steps = sorted(((s, _at(s["created_at"])) for s in d.get("steps") or []), key=lambda st: st[1])
            last = max([created] + [at for _s, at in steps])

            def first_at(*kinds: str, steps: list[tuple[dict[str, Any], dt.datetime]] = steps) -> dt.datetime | None:
                return next((at for s, at in steps if EVENT_KINDS[_text(s, "kind")] in kinds), None)

            title, content = _text(d, "title"), _text(d, "content")
            case = Case(
                community_id=d["_community"], subdistrict_id=d["_subdistrict"], source=SOURCES[_text(d, "source")],
                category=CATEGORIES.get(_text(d, "category"), ""), title=title, content=content,
                raised_by_id=refs.user(d.get("raised_by")), created_by_id=refs.user(d.get("created_by")),
                status=STATUSES[_text(d, "status")], first_response_at=first_at("accepted", "reply", "update"),
                resolved_at=first_at("resolved"), closed_at=first_at("closed"), created_at=created, updated_at=last,
                search_text=chinese.search_text(title, content))
            cases.append((r, case, steps))
        insert(Case, [c for _r, c, _s in cases])
        for r, case, steps in cases:
            d = r.data
            events.append(CaseEvent(case=case, actor_id=refs.user(d.get("created_by") or d.get("raised_by")),
                                    kind="created", status_to="new", created_at=case.created_at))
            events += [CaseEvent(case=case, actor_id=refs.user(s.get("actor")), kind=EVENT_KINDS[_text(s, "kind")],
                                 status_from=STATUSES.get(_text(s, "status_from"), ""),
                                 status_to=STATUSES.get(_text(s, "status_to"), ""), note=_text(s, "note")[:5000],
                                 created_at=at) for s, at in steps]
            rating = d.get("rating")
            if rating:
                ratings.append(CaseRating(case=case, rater_id=refs.user(rating.get("rater") or d.get("raised_by")),
                                          community_id=case.community_id, subdistrict_id=case.subdistrict_id,
                                          stars=rating["stars"], feedback=_text(rating, "feedback")[:1000],
                                          created_at=_at(rating["created_at"])))
                tally = stars[(case.community_id, case.subdistrict_id)]
                tally.update({"ratings": 1, "stars_total": rating["stars"], star_field(rating["stars"]): 1})
            if case.source == Source.LETTER:
                letter_data = d.get("letter") or {}
                letters.append(Letter(
                    community_id=case.community_id, subdistrict_id=case.subdistrict_id, author_id=case.raised_by_id,  # type: ignore[misc]
                    by_committee=bool(letter_data.get("by_committee")),
                    kind="suggestion" if letter_data.get("kind") in ("suggestion", "建议") else "problem",
                    category=case.category, title=case.title, content=case.content[:2000], case=case,
                    created_at=case.created_at))
                letter_subs.append([self.subcategories[(case.category, str(s))] for s in letter_data["subcategories"]])
            self._made.append(ImportedRecord(kind="case", external_id=r.id, object_id=case.pk))
        insert(CaseEvent, events, with_pks=False)
        # The handling flow's rollup and the words' days, as the services and the job keep them (cases/rollups.py).
        case_rollups.write_steps(case_rollups.expected_steps([case.pk for _r, case, _s in cases]))
        self.case_days.update(timezone.localdate(case.created_at) for _r, case, _s in cases)
        insert(CaseRating, ratings, with_pks=False)
        insert(Letter, letters)
        through = Letter.subcategories.through
        insert(through, [through(letter_id=letter.pk, subcategory_id=sub)
                         for letter, subs in zip(letters, letter_subs, strict=True) for sub in dict.fromkeys(subs)],
               with_pks=False)
        letter_cases: list[Case] = []
        for letter in letters:
            of = letter.case
            assert of is not None
            of.origin_type, of.origin_id, of.origin_url = "letter", letter.pk, letter.get_absolute_url()
            letter_cases.append(of)
        Case.objects.bulk_update(letter_cases, ["origin_type", "origin_id", "origin_url"], batch_size=1000)
        for (community_id, subdistrict_id), tally in stars.items():
            counters.increment(RatingStat, keys={"community_id": community_id},
                               deltas=dict(tally), defaults={"subdistrict_id": subdistrict_id})

    def finish(self, report: Any, *, dry_run: bool) -> None:
        if not dry_run and report.counts["created"]:
            letter_services.rebuild_stats()  # 人民信箱's per-day rollups, as the services keep them
            case_rollups.recount_days(self.case_days)  # 问题跟踪's words of those days (cases/rollups.py)
            versioned.touch(*CASES_KEPT_FIGURES)  # 数据 问题解决's kept figures of older cases


class _Refs:
    def __init__(self) -> None:
        self.ids: dict[str, dict[str, int]] = defaultdict(dict)
        self.post_community: dict[int, int] = {}

    def user(self, ext: Any) -> int | None:
        return self.ids["user"].get(str(ext)) if ext not in (None, "") else None

    def missing(self, r: Rec) -> str:
        d = r.data
        keys = {"post": ["author"], "reply": ["author"], "case": ["raised_by", "created_by"]}[r.type]
        for key in keys:
            if d.get(key) and self.user(d[key]) is None:
                return key
        if r.type == "reply" and str(d["post"]) not in self.ids["post"]:
            return "post"
        for s in d.get("steps") or []:
            if s.get("actor") and self.user(s["actor"]) is None:
                return "steps.actor"
        return ""
