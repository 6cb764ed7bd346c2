"""District-scale board content: posts, replies, reads and likes (NF-1, NF-3).

Volumes follow the specification: at 800,000 residents about five million
posts and replies and well over fourteen million interaction records (reads,
likes), spread over four years, with skew at every level: busy communities
(the residents' own skew), boards (左邻右舍 far busier than 党建园地), and
posts (a few posts are read by hundreds, most by a handful: Pareto weights).

Every row respects what boards.services would have enforced: a post sits on a
board the community has, written by someone allowed to publish there;
replies only on boards that take replies, by people who may reply; one read
and at most one like per person per post, only by people of the community,
a like only from someone who read the post; and the denormalised counters on
Post (reply_count, read_count, like_count) equal the rows. Nothing is hidden,
no post carries a problem tag (a tag makes a case; cases are generated with
their own app), and 社区服务/警民直通车/家庭医生/物业之窗 stay empty (they need
service offers or roles the synthetic people do not hold).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum

from shequtong.accounts.models import Membership, RoleGrant
from shequtong.accounts.roles import Role
from shequtong.boards import rollups as board_rollups
from shequtong.boards.models import Like, Post, Read, Reply
from shequtong.cases import rollups as case_rollups
from shequtong.cases.models import STAR_FIELDS, Case, CaseEvent, CaseRating, RatingStat
from shequtong.common import chinese, clock
from shequtong.common.categories import Category
from shequtong.demo.fullscale import (
    HISTORY_DAYS,
    Log,
    bulk_session,
    deferred_indexes,
    reserve_ids,
    write,
)
from shequtong.letters import services as letter_services
from shequtong.letters.models import Letter, SubCategory
from shequtong.places.models import Community


@dataclass(frozen=True)
class ContentRatios:
    """Per resident of a community, over the four years."""

    posts: float = 1.25
    replies: float = 5.0
    reads: float = 15.0
    like_share: float = 0.25  # of a post's readers, about this share like it


POST_COLUMNS = (
    "id", "community_id", "board", "author_id", "title", "body", "is_mutual_aid", "category", "tagged_by_id",
    "tagged_at", "stage", "visibility", "hidden_reason", "reply_count", "like_count", "read_count",
    "created_at", "updated_at", "search_text", "is_giveaway",
)
REPLY_COLUMNS = ("id", "post_id", "community_id", "author_id", "body", "visibility", "hidden_reason", "created_at")
INTERACTION_COLUMNS = ("id", "post_id", "community_id", "user_id", "created_at")

# (board, share of the community's posts, who writes): urban and rural mixes.
URBAN_MIX = (("neighbours", 0.50, "member"), ("council", 0.10, "member"), ("notice", 0.18, "staff"),
             ("affairs", 0.10, "staff"), ("party", 0.12, "party"))
RURAL_MIX = (("notice", 0.45, "staff"), ("affairs", 0.30, "staff"), ("party", 0.25, "party"))
# Boards that take replies, and who may reply there (boards.catalogue).
REPLY_BY = {"neighbours": "member", "council": "member", "notice": "member", "party": "party"}

TITLES = {
    "neighbours": ["楼道灯坏了有人报修吗", "谁家的猫走丢了", "闲置婴儿车免费送", "求推荐靠谱的家电维修", "小区停车位又被占了",
                   "周末一起去菜场团购", "电梯这两天老是停", "楼下垃圾桶满了没人清", "有没有邻居会修自行车", "晚上广场舞声音太大"],
    "council": ["关于加装电梯的议题", "小区充电桩设置讨论", "垃圾分类投放时间调整", "绿化带改造成停车位吗", "楼道堆物清理公约"],
    "notice": ["社区疫苗接种安排通知", "本周六消防演练", "停水停电通知", "社区活动室开放时间调整", "老年人助餐点开放"],
    "affairs": ["居委会本月工作安排", "低保申请办理流程", "居住证办理须知", "本季度经费使用公示", "社区事务受理时间"],
    "party": ["党员志愿服务报名", "主题党日活动回顾", "学习心得分享", "党员结对帮扶名单", "支部会议通知"],
}
BODIES = [
    "大家好，想跟邻居们说一下这件事，希望能尽快解决。", "具体情况如下，请大家留言说说自己的看法。",
    "已经反映过几次了，麻烦居委帮忙协调一下。", "感谢各位邻居的支持，有问题可以在下面回复。",
    "时间地点如下，请相互转告，谢谢配合。", "附近的邻居如果方便的话可以一起参与。",
]
REPLIES = ["同意", "我家也是这样", "已经报修了", "谢谢提醒", "支持！", "楼主说得对", "周末可以一起去", "居委已经在处理了",
           "希望尽快解决", "收到", "我也想参加", "这个办法好"]


@dataclass
class People:
    """Who lives and works in one community, with when they joined."""

    members: list[int] = field(default_factory=list)
    joined: dict[int, dt.datetime] = field(default_factory=dict)
    party: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)


def _people() -> dict[int, People]:
    out: dict[int, People] = defaultdict(People)
    rows = Membership.objects.filter(status=Membership.Status.APPROVED).values_list("user_id", "community_id", "requested_at")
    for uid, cid, asked in rows.iterator(chunk_size=20_000):
        p = out[cid]
        p.members.append(uid)
        p.joined[uid] = asked
    grants = RoleGrant.objects.filter(
        community__isnull=False, role__in=[Role.PARTY_MEMBER, Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY]
    ).values_list("user_id", "community_id", "role")
    for uid, cid, role in grants.iterator(chunk_size=20_000):
        if role == Role.PARTY_MEMBER:
            out[cid].party.append(uid)
        else:
            out[cid].staff.append(uid)
    return out


def _when(rng: random.Random, start: dt.datetime, now: dt.datetime, mean_hours: float) -> dt.datetime:
    return min(now, start + dt.timedelta(hours=rng.expovariate(1 / mean_hours)))


@dataclass
class Batch:
    posts: list[tuple[Any, ...]] = field(default_factory=list)
    replies: list[tuple[Any, ...]] = field(default_factory=list)
    reads: list[tuple[Any, ...]] = field(default_factory=list)
    likes: list[tuple[Any, ...]] = field(default_factory=list)


def community_content(cid: int, kind: str, people: People, *, first_post_id: int, rng: random.Random,
                      now: dt.datetime, ratios: ContentRatios) -> Batch:
    """One community's posts and everything on them; ids of replies/reads/likes are filled in by the writer."""
    out = Batch()
    members = people.members
    if not members:
        return out
    authors = {"member": members, "party": people.party, "staff": people.staff}
    mix = RURAL_MIX if kind == "rural" else URBAN_MIX
    n_posts = max(1, round(len(members) * ratios.posts * rng.uniform(0.7, 1.3)))
    boards = [b for b in mix if authors[b[2]]]
    picked = rng.choices(boards, weights=[b[1] for b in boards], k=n_posts)
    earliest = now - dt.timedelta(days=HISTORY_DAYS)
    weights = [rng.paretovariate(2.0) for _ in range(n_posts)]
    weight_total = sum(weights)
    reads_total = len(members) * ratios.reads
    repliable = [i for i, b in enumerate(picked) if b[0] in REPLY_BY and authors[REPLY_BY[b[0]]]]
    reply_weight_total = sum(weights[i] for i in repliable) or 1.0
    replies_total = len(members) * ratios.replies
    for i, (board, _share, who) in enumerate(picked):
        pid = first_post_id + i
        author = rng.choice(authors[who])
        start = max(earliest, people.joined.get(author, earliest))
        created = start + (now - start) * rng.random()
        # Reads: distinct people of the community; likes: a share of those readers.
        n_reads = min(len(members), round(reads_total * weights[i] / weight_total))
        readers = rng.sample(members, n_reads)
        likes = 0
        for uid in readers:
            at = _when(rng, max(created, people.joined.get(uid, created)), now, 48)
            out.reads.append((0, pid, cid, uid, at))
            if rng.random() < ratios.like_share:
                out.likes.append((0, pid, cid, uid, min(now, at + dt.timedelta(minutes=1))))
                likes += 1
        n_replies = 0
        if board in REPLY_BY and authors[REPLY_BY[board]]:
            n_replies = round(replies_total * weights[i] / reply_weight_total)
            repliers = authors[REPLY_BY[board]]
            for _ in range(n_replies):
                out.replies.append((0, pid, cid, rng.choice(repliers), rng.choice(REPLIES), "visible", "",
                                    _when(rng, created, now, 12)))
        title = rng.choice(TITLES[board])
        body = rng.choice(BODIES) * rng.randint(1, 4)
        out.posts.append((
            pid, cid, board, author, title, body,
            board == "neighbours" and rng.random() < 0.15, "", None, None,
            "discussing" if board == "council" else "", "visible", "", n_replies, likes, n_reads, created, created,
            # As boards.services.create_post writes it; memoised, the few distinct texts are cut once.
            chinese.search_text(title, body), False,
        ))
    return out


def _with_ids(table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    first = reserve_ids(table, len(rows))
    return [(first + k, *row[1:]) for k, row in enumerate(rows)]


def load_boards(rng: random.Random, log: Log, *, ratios: ContentRatios | None = None, defer: bool = False) -> dict[str, int]:
    """Posts, replies, reads and likes for every community; returns the row counts."""
    ratios = ratios or ContentRatios()
    now = clock.now()
    people = _people()
    communities = list(Community.objects.order_by("id").values_list("id", "kind"))
    totals = {"posts": 0, "replies": 0, "reads": 0, "likes": 0}
    tables = [m._meta.db_table for m in (Post, Reply, Read, Like)]
    group = 25
    with bulk_session(), deferred_indexes(tables, enabled=defer, log=log):
        for start in range(0, len(communities), group):
            chunk = communities[start:start + group]
            with transaction.atomic():
                batch = Batch()
                present = [(cid, kind, people[cid]) for cid, kind in chunk if cid in people]
                # One block of post ids per group (an upper bound; the sequence skips what is unused).
                next_id = reserve_ids(Post._meta.db_table, sum(round(len(p.members) * ratios.posts * 1.3) + 1
                                                               for _cid, _kind, p in present))
                for cid, kind, p in present:
                    one = community_content(cid, kind, p, first_post_id=next_id, rng=rng, now=now, ratios=ratios)
                    next_id += len(one.posts)
                    batch.posts += one.posts
                    batch.replies += one.replies
                    batch.reads += one.reads
                    batch.likes += one.likes
                write(Post, POST_COLUMNS, batch.posts)
                write(Reply, REPLY_COLUMNS, _with_ids(Reply._meta.db_table, batch.replies))
                write(Read, INTERACTION_COLUMNS, _with_ids(Read._meta.db_table, batch.reads))
                write(Like, INTERACTION_COLUMNS, _with_ids(Like._meta.db_table, batch.likes))
            totals["posts"] += len(batch.posts)
            totals["replies"] += len(batch.replies)
            totals["reads"] += len(batch.reads)
            totals["likes"] += len(batch.likes)
            if defer:
                log(f"  boards: {min(start + group, len(communities))}/{len(communities)} communities, "
                    + ", ".join(f"{k} {v}" for k, v in totals.items()))
    # 综合信息's daily rollup, as the boards services would have kept it.
    totals["post_days"] = board_rollups.rebuild()
    log("  boards: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return totals


def load_content(rng: random.Random, log: Log, *, defer: bool = False) -> dict[str, int]:
    """Everything generated after the people: board content, then letters, cases and ratings."""
    totals = load_boards(rng, log, defer=defer)
    totals.update(load_cases(rng, log, defer=defer))
    return totals


# --- letters, cases, ratings ------------------------------------------------------------

CASE_COLUMNS = (
    "id", "community_id", "subdistrict_id", "source", "category", "title", "content", "raised_by_id", "created_by_id",
    "origin_type", "origin_id", "origin_url", "status", "send_state", "escalation_key", "external_id", "grid_status",
    "grid_result", "grid_checked_at", "first_response_at", "escalated_at", "resolved_at", "closed_at", "created_at",
    "updated_at", "search_text", "assignee_id",
)
EVENT_COLUMNS = ("id", "case_id", "actor_id", "kind", "status_from", "status_to", "note", "created_at")
RATING_COLUMNS = ("id", "case_id", "rater_id", "community_id", "subdistrict_id", "stars", "feedback", "created_at")
LETTER_COLUMNS = ("id", "community_id", "subdistrict_id", "author_id", "by_committee", "kind", "category", "title",
                  "content", "case_id", "created_at", "estate_id")
LETTER_SUB_COLUMNS = ("id", "letter_id", "subcategory_id")

CASES_PER_RESIDENT = 0.175  # 140,000 cases at 800,000 residents
LETTER_SHARE = 0.6  # the rest: committee patrol and 面对面 records
RATED_SHARE = 0.35  # of resolved letters, the writer rates
CASE_TEXT = ["小区门口路灯不亮", "楼道堆放杂物有安全隐患", "垃圾清运不及时", "绿化带被占用停车", "电梯经常故障",
             "噪音扰民", "下水道堵塞", "共享单车乱停放", "外墙渗水", "菜场周边交通拥堵"]


@dataclass
class CaseBatch:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    letters: list[tuple[Any, ...]] = field(default_factory=list)
    letter_subs: list[tuple[Any, ...]] = field(default_factory=list)


def _status_for(age: dt.timedelta, rng: random.Random) -> str:
    """Older cases are mostly settled; a stubborn few stay open for months (the overdue buckets)."""
    r = rng.random()
    if age > dt.timedelta(days=180):
        return "closed" if r < 0.45 else "resolved" if r < 0.92 else "in_progress" if r < 0.98 else "accepted"
    if age > dt.timedelta(days=30):
        return "closed" if r < 0.25 else "resolved" if r < 0.75 else "in_progress" if r < 0.93 else "accepted"
    if age > dt.timedelta(days=1):
        return "resolved" if r < 0.4 else "in_progress" if r < 0.7 else "accepted" if r < 0.9 else "new"
    return "new" if r < 0.6 else "accepted"


def community_cases(cid: int, sid: int, people: People, *, first_case_id: int, first_letter_id: int,
                    subcategories: dict[str, list[int]], rng: random.Random, now: dt.datetime) -> CaseBatch:
    out = CaseBatch()
    if not people.members or not people.staff:
        return out
    n = round(len(people.members) * CASES_PER_RESIDENT * rng.uniform(0.7, 1.3))
    categories = list(Category.values)
    earliest = now - dt.timedelta(days=HISTORY_DAYS)
    letter_id = first_letter_id
    for k in range(n):
        case_id = first_case_id + k
        category = rng.choice(categories)
        is_letter = rng.random() < LETTER_SHARE and bool(subcategories.get(category))
        staff = rng.choice(people.staff)
        # Recent months carry more cases than the first year (the platform grew).
        created = earliest + (now - earliest) * (rng.random() ** 0.7)
        status = _status_for(now - created, rng)
        text = rng.choice(CASE_TEXT)
        content = f"{text}，已经持续一段时间，请居委协调处理。"
        events: list[tuple[str, str, str, int | None, dt.datetime, str]] = []
        origin: tuple[str, int | None, str]
        if is_letter:
            author = rng.choice(people.members)
            created = max(created, people.joined.get(author, created))
            status = _status_for(now - created, rng)
            source, raised_by, created_by = "letter", author, author
            origin = ("letter", letter_id, f"/letters/{letter_id}/")
            sub = rng.choice(subcategories[category])
            kind = "problem" if rng.random() < 0.8 else "suggestion"
            out.letters.append((letter_id, cid, sid, author, False, kind, category, text, content, case_id, created,
                                None))
            out.letter_subs.append((0, letter_id, sub))
            content = f"【{'问题' if kind == 'problem' else '建议'}】{content}"
            letter_id += 1
        else:
            source = "patrol_committee" if rng.random() < 0.5 else "visit"
            raised_by, created_by = None, staff
            origin = ("", None, "")
        events.append(("created", "", "new", created_by, created, ""))
        first_response = resolved = closed = None
        t = created
        if status != "new":
            t = first_response = _when(rng, created, now, 10)
            events.append(("accepted", "new", "accepted", staff, t, ""))
            if status in ("in_progress", "resolved", "closed"):
                t = _when(rng, t, now, 48)
                events.append(("update", "accepted", "in_progress", staff, t, "已联系相关部门，正在处理"))
            if status in ("resolved", "closed"):
                t = resolved = _when(rng, t, now, 120)
                events.append(("resolved", "in_progress", "resolved", staff, t, "问题已处理完毕"))
            if status == "closed":
                t = closed = _when(rng, t, now, 72)
                events.append(("closed", "resolved", "closed", staff, t, ""))
        if resolved is not None and raised_by is not None and rng.random() < RATED_SHARE:
            stars = rng.choices((1, 2, 3, 4, 5), weights=(3, 4, 10, 30, 53))[0]
            rated = _when(rng, resolved, now, 24)
            out.ratings.append((0, case_id, raised_by, cid, sid, stars, "" if rng.random() < 0.6 else "处理及时，谢谢",
                                rated))
            events.append(("rated", "", "", raised_by, rated, f"{stars}星"))
            t = max(t, rated)
        out.cases.append((
            case_id, cid, sid, source, category, text, content, raised_by, created_by, origin[0], origin[1], origin[2],
            status, "none", "", "", "", "", None, first_response, None, resolved, closed, created, t,
            chinese.search_text(text, content),  # as cases.services.create_case writes it
            None,
        ))
        for kind_, s_from, s_to, actor, at, note in events:
            out.events.append((0, case_id, actor, kind_, s_from, s_to, note, at))
    return out


def load_cases(rng: random.Random, log: Log, *, defer: bool = False) -> dict[str, int]:
    """Letters (each with its case), patrol and 面对面 cases, their history and ratings, and the rollups."""
    now = clock.now()
    people = _people()
    subcategories: dict[str, list[int]] = {}
    for cat, pk in SubCategory.objects.filter(is_active=True).values_list("category", "id"):
        subcategories.setdefault(cat, []).append(pk)
    through = Letter.subcategories.through
    communities = list(Community.objects.order_by("id").values_list("id", "subdistrict_id"))
    totals = {"cases": 0, "case_events": 0, "ratings": 0, "letters": 0}
    tables = [m._meta.db_table for m in (Case, CaseEvent, CaseRating, Letter, through)]
    group = 50
    with bulk_session(), deferred_indexes(tables, enabled=defer, log=log):
        for start in range(0, len(communities), group):
            present = [(cid, sid, people[cid]) for cid, sid in communities[start:start + group] if cid in people]
            bound = sum(round(len(p.members) * CASES_PER_RESIDENT * 1.3) + 1 for _c, _s, p in present)
            with transaction.atomic():
                next_case = reserve_ids(Case._meta.db_table, bound)
                next_letter = reserve_ids(Letter._meta.db_table, bound)
                batch = CaseBatch()
                for cid, sid, p in present:
                    one = community_cases(cid, sid, p, first_case_id=next_case, first_letter_id=next_letter,
                                          subcategories=subcategories, rng=rng, now=now)
                    next_case += len(one.cases)
                    next_letter += len(one.letters)
                    for name in ("cases", "events", "ratings", "letters", "letter_subs"):
                        getattr(batch, name).extend(getattr(one, name))
                # Cases first: letters point at them.
                write(Case, CASE_COLUMNS, batch.cases)
                write(Letter, LETTER_COLUMNS, batch.letters)
                write(through, LETTER_SUB_COLUMNS, _with_ids(through._meta.db_table, batch.letter_subs))
                write(CaseEvent, EVENT_COLUMNS, _with_ids(CaseEvent._meta.db_table, batch.events))
                write(CaseRating, RATING_COLUMNS, _with_ids(CaseRating._meta.db_table, batch.ratings))
            totals["cases"] += len(batch.cases)
            totals["case_events"] += len(batch.events)
            totals["ratings"] += len(batch.ratings)
            totals["letters"] += len(batch.letters)
    # Rollups, as the services would have kept them.
    with transaction.atomic():
        RatingStat.objects.all().delete()
        RatingStat.objects.bulk_create([
            RatingStat(community_id=r.pop("community_id"), subdistrict_id=r.pop("subdistrict_id"), ratings=r.pop("n"),
                       stars_total=r.pop("total"), **r)
            for r in CaseRating.objects.values("community_id", "subdistrict_id").annotate(
                n=Count("id"), total=Sum("stars"), **{f: Count("id", filter=Q(stars=i)) for i, f in enumerate(STAR_FIELDS, 1)})
        ], batch_size=1000)
    totals["letter_stats"] = letter_services.rebuild_stats()
    totals["case_steps"] = case_rollups.rebuild_steps()
    totals["case_term_days"] = case_rollups.rebuild_terms()
    log("  cases: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return totals
