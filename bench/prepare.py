"""Django side of the benchmark: simulated users, their targets, and each operation's SQL.

Run with the benchmark's environment (bench/run.py sets it):

    python bench/prepare.py --users 2000 --out var/bench/plan.json --capture var/bench/capture.pkl

1. Picks residents (of urban communities with posts, so 左邻右舍 exists) and
   committee staff (of communities with open cases), opens a session for each
   (rows in django_session, exactly what a login leaves) and collects what
   they act on: posts of their community, open cases of their committee.
2. Resolves each operation of bench/mix.py to a URL; an operation whose view
   is missing from this build, or that has nothing to act on, is reported as
   unavailable instead of being faked.
3. Captures the SQL of every operation by running the real views in-process
   (Django's test client with the same session) under
   ``connection.execute_wrapper``: statement, parameters, and what RETURNING
   gave back. bench/sqllimit.py replays exactly that at PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import random
import secrets
import string
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")

from importlib import import_module  # noqa: E402

import django  # noqa: E402
import django.db.models  # noqa: E402

django.setup()

import mix  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from shequtong.accounts import mfa  # noqa: E402
from shequtong.accounts.models import RoleGrant, User  # noqa: E402
from shequtong.accounts.roles import Role  # noqa: E402

BACKEND = "shequtong.accounts.backends.UsernameOrPhoneBackend"
POSTS_PER_USER = 30
CASES_PER_USER = 30
SAMPLES_PER_OP = 3
UPDATABLE = ("accepted", "in_progress", "escalated")

# What each operation sends. {post}/{case} are filled per request from the user's targets.
REQUESTS: dict[str, dict[str, Any]] = {
    "home": {"url": ("web:home", [])},
    "board_list": {"url": ("boards:board", ["neighbours"])},
    "post_detail": {"url": ("boards:post", ["{post}"])},
    "my_letters": {"url": ("letters:mine", [])},
    "case_list": {"url": ("cases:list", [])},
    "reply": {"url": ("boards:reply", ["{post}"]), "form": {"body": "同意，支持楼主！"}},
    "like": {"url": ("boards:like", ["{post}"]), "form": {}},
    "post": {"url": ("boards:new", ["neighbours"]),
             "form": {"title": "楼道灯坏了谁来修", "body": "三号楼二单元的楼道灯坏了好几天了，晚上走路很不方便。"}},
    "letter_submit": {"url": ("letters:new", []),
                      "form": {"kind": "problem", "category": "{category}", "subcategories": "{subcategory}",
                               "content": "小区门口的路灯不亮已经一周了，希望尽快修复。"}},
    "case_update": {"url": ("cases:act", ["{case}"]), "form": {"action": "update", "note": "已联系物业，正在处理"}},
}


def url_template(op: str) -> str | None:
    name, args = REQUESTS[op]["url"]
    marker = {"{post}": 987654321, "{case}": 987654322}
    try:
        url = reverse(name, args=[marker.get(a, a) for a in args])
    except NoReverseMatch:
        return None
    return url.replace("987654321", "{post}").replace("987654322", "{case}")


def open_session(user: User) -> str:
    """A session as the login leaves it, in the configured engine (database, or cache and database)."""
    s = import_module(settings.SESSION_ENGINE).SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = BACKEND
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s["_touched"] = int(time.time())
    if mfa.is_staff_account(user):  # staff sessions have passed the second factor (accounts/mfa.py)
        mfa.mark_session_verified(s, user)
    s.set_expiry(settings.SESSION_COOKIE_AGE * 48)  # outlives a long run; the idle rule still slides it
    s.create()
    assert s.session_key is not None
    return s.session_key


def csrf_secret() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def residents(n: int, rng: random.Random) -> list[dict[str, Any]]:
    with connection.cursor() as cur:
        # Communities whose 左邻右舍 has posts; bigger ones first is not wanted: sample across the skew.
        cur.execute("SELECT community_id, array_agg(id ORDER BY created_at DESC) FROM ("
                    "  SELECT id, community_id, created_at, row_number() OVER (PARTITION BY community_id "
                    "    ORDER BY created_at DESC) AS rn FROM boards_post WHERE board = 'neighbours' "
                    "    AND visibility = 'visible') p WHERE rn <= %s GROUP BY community_id", [POSTS_PER_USER * 4])
        posts = {cid: ids for cid, ids in cur.fetchall()}
    if not posts:
        return []
    grants = list(RoleGrant.objects.filter(role=Role.RESIDENT, community_id__in=list(posts),
                                           user__username__startswith="r").values_list("user_id", "community_id")[:n * 5])
    rng.shuffle(grants)
    chosen = grants[:n]
    users = User.objects.in_bulk([u for u, _ in chosen])
    out = []
    for uid, cid in chosen:
        ids = posts[cid]
        out.append({"role": "resident", "user_id": uid, "community_id": cid,
                    "posts": rng.sample(ids, min(POSTS_PER_USER, len(ids))), "cases": [],
                    "session": open_session(users[uid]), "csrf": csrf_secret()})
    return out


def committee(n: int, rng: random.Random) -> list[dict[str, Any]]:
    try:
        from shequtong.cases.models import Case
    except ImportError:
        return []
    open_cases: dict[int, list[int]] = {}
    for cid, pk in Case.objects.filter(status__in=UPDATABLE).values_list("community_id", "id").order_by("?")[:n * CASES_PER_USER * 4]:
        open_cases.setdefault(cid, []).append(pk)
    if not open_cases:
        return []
    grants = list(RoleGrant.objects.filter(role__in=[Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY],
                                           community_id__in=list(open_cases)).values_list("user_id", "community_id"))
    rng.shuffle(grants)
    # Several staff of one community may be online at once; cycle if there are fewer staff than users.
    chosen = [grants[i % len(grants)] for i in range(n)] if grants else []
    users = User.objects.in_bulk([u for u, _ in chosen])
    out = []
    for uid, cid in chosen:
        ids = open_cases[cid]
        out.append({"role": "committee", "user_id": uid, "community_id": cid, "posts": [],
                    "cases": rng.sample(ids, min(CASES_PER_USER, len(ids))),
                    "session": open_session(users[uid]), "csrf": csrf_secret()})
    return out


def subcategories() -> dict[str, list[int]]:
    try:
        from shequtong.letters.models import SubCategory
    except ImportError:
        return {}
    out: dict[str, list[int]] = {}
    for cat, pk in SubCategory.objects.filter(is_active=True).values_list("category", "id"):
        out.setdefault(cat, []).append(pk)
    return out


def observers() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for username in ("demo-district", "demo-subdistrict"):
        user = User.objects.filter(username=username).first()
        if user is not None:
            out[username] = {"session": open_session(user), "csrf": csrf_secret(), "user_id": user.pk}
    return out


def observer_pages(observers: dict[str, Any]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """What observers open, at the busiest subdistrict; pages missing from this build are listed as such."""
    from shequtong.places.models import CommunityStats, Subdistrict

    busiest = (CommunityStats.objects.values("subdistrict_id").annotate(n=django.db.models.Sum("residents"))
               .order_by("-n").first())
    sub_id = busiest["subdistrict_id"] if busiest else Subdistrict.objects.order_by("id").values_list("id", flat=True).first()
    own_sub = RoleGrant.objects.filter(user__username="demo-subdistrict", subdistrict__isnull=False).values_list(
        "subdistrict_id", flat=True).first()
    top = CommunityStats.objects.filter(subdistrict_id=sub_id).order_by("-residents").values_list(
        "community_id", flat=True).first()
    wanted: list[tuple[str, str, list[Any], str, str]] = [
        ("district overview 观察", "web:observe", [], "", "demo-district"),
        ("district data 数据", "web:data", [], "", "demo-district"),
        ("subdistrict drill-down (busiest)", "web:observe_subdistrict", [sub_id], "", "demo-district"),
        ("subdistrict observer's own drill-down", "web:observe_subdistrict", [own_sub], "", "demo-subdistrict"),
        ("community 观察 (busiest)", "web:observe_community", [top], "", "demo-district"),
        # 数据: the six themes (district), 宝山用户数据 with 户覆盖率 at each level, the subdistrict observer's.
        *[(f"数据 {code}", "web:data", [], f"?theme={code}", "demo-district")
          for code in ("users", "posts", "thought", "cases", "council", "reviews")],
        ("数据 users, subdistrict", "web:data", [], f"?theme=users&subdistrict={sub_id}", "demo-district"),
        ("数据 users, community", "web:data", [], f"?theme=users&community={top}", "demo-district"),
        ("数据 cases (subdistrict observer)", "web:data", [], "?theme=cases", "demo-subdistrict"),
        ("数据 posts, subdistrict", "web:data", [], f"?theme=posts&subdistrict={sub_id}", "demo-district"),
        ("数据 posts, one year", "web:data", [], "?theme=posts&period=365", "demo-district"),
        ("数据 cases, one year", "web:data", [], "?theme=cases&period=365", "demo-district"),
        ("数据 users, one year", "web:data", [], "?theme=users&period=365", "demo-district"),
        # 数据透视: the four views.
        *[(f"数据透视 {code}", "web:pivot", [], f"?theme={code}", "demo-district")
          for code in ("portrait", "handling", "deliberation", "interaction")],
        # 宝山圈 on the observer home, its 最热 tab and the live poll.
        ("宝山圈 home (district)", "web:home", [], "", "demo-district"),
        ("宝山圈 home (subdistrict observer)", "web:home", [], "", "demo-subdistrict"),
        ("宝山圈 最热", "web:home", [], "?feed=hot", "demo-district"),
        ("宝山圈 我关注的", "web:home", [], "?feed=following", "demo-district"),
        ("宝山圈 older items (infinite scroll)", "observe:feed", [], "", "demo-district"),
        # An observer's own 我的 (OB-3): overdue cases in scope, followed items, favourites.
        ("observer 我的", "observe:me", [], "", "demo-district"),
        ("observer 我的 (subdistrict observer)", "observe:me", [], "", "demo-subdistrict"),
        # The apps' drill-downs on observe's component.
        ("letters drill-down 人民信箱", "observe:letters", [], "", "demo-district"),
        ("letters by subdistrict", "observe:letters", [], f"?subdistrict={sub_id}", "demo-district"),
        ("letters by estate (busiest community)", "observe:letters", [], f"?community={top}", "demo-district"),
        ("面对面 drill-down", "observe:visits", [], "", "demo-district"),
        ("面对面 by subdistrict", "observe:visits", [], f"?subdistrict={sub_id}", "demo-district"),
        ("case ratings 评分", "observe:ratings", [], "", "demo-district"),
        ("case ratings by subdistrict", "observe:ratings", [], f"?subdistrict={sub_id}", "demo-district"),
        ("case ratings, a community's list (busiest)", "cases:ratings", [], f"?community={top}", "demo-district"),
        ("乡村振兴 drill-down", "rural:observe", [], "", "demo-district"),
        ("boards 逐级观察", "boards:observe", [], "", "demo-district"),
        ("case list, all", "cases:list", [], "", "demo-district"),
        ("case list, all overdue", "cases:list", [], "?status=overdue", "demo-district"),
    ]
    try:
        from shequtong.cases import overdue

        wanted += [(f"case list, {b.label}", "cases:list", [], f"?status={b.value}", "demo-district")
                   for b in overdue.Overdue]
        wanted += [(f"case list, {b.label} (subdistrict observer)", "cases:list", [], f"?status={b.value}",
                    "demo-subdistrict") for b in overdue.Overdue]
    except ImportError:
        pass
    # 全局信息穿透 (OB-5): a word of the generated posts and cases (fullscale_content: 楼道灯坏了有人报修吗,
    # 楼道堆物清理公约, 楼道堆放杂物有安全隐患), alone and with a type and the last year as time range.
    from shequtong.common import clock

    today = clock.today()
    keyword = urlencode({"q": "楼道"})
    narrowed = urlencode({"q": "楼道", "kind": "post", "date_from": (today - datetime.timedelta(days=365)).isoformat(),
                          "date_to": today.isoformat()})
    wanted += [
        ("global search 全局信息穿透, keyword", "observe:search", [], f"?{keyword}", "demo-district"),
        ("global search, keyword + type + time range", "observe:search", [], f"?{narrowed}", "demo-district"),
    ]
    pages: list[dict[str, str]] = []
    missing: dict[str, str] = {}
    for label, name, args, query, who in wanted:
        if who not in observers:
            missing[label] = f"no {who} account"
            continue
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            missing[label] = f"no view {name} in this build"
            continue
        pages.append({"name": label, "url": url + query, "as": who})
    return pages, missing


def fill(template: str, values: dict[str, Any]) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", str(v))
    return template


def plain(value: Any) -> Any:
    """Parameters as types any Python can unpickle: the replay must not need Django or our code."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, memoryview):
        return bytes(value)
    module = type(value).__module__
    if module in {"builtins", "datetime", "decimal", "uuid"} or module.startswith("psycopg"):
        return value
    return str(value)  # lazy translations and the like: Django turned them into text anyway


class Recorder:
    """execute_wrapper: every statement with its parameters and what RETURNING produced."""

    def __init__(self) -> None:
        self.statements: list[dict[str, Any]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head in {"SAVEPOINT", "RELEASE", "ROLLBACK"}:
            return result
        returned = None
        raw = getattr(context["cursor"], "cursor", None)
        # psycopg's client-side cursors can rewind; others (SQLite) keep their rows to themselves.
        if not many and " RETURNING " in sql.upper() and hasattr(raw, "scroll"):
            returned = raw.fetchall()
            raw.scroll(0, mode="absolute")  # hand the rows back to Django untouched
        if params is None:
            kept = None
        elif many:
            kept = [plain(list(p)) for p in params]
        else:
            kept = plain(list(params))
        self.statements.append({"sql": sql, "params": kept,
                                "many": many, "returning": returned})
        return result


def capture(plan: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Run every available operation a few times through the real views; keep the SQL."""
    captured: dict[str, Any] = {}
    for op in plan["available"]:
        spec = mix.OPS_BY_NAME[op]
        pool = [u for u in plan["users"] if u["role"] == spec.role]
        samples = []
        users = rng.sample(pool, len(pool))
        if op == "like":
            # Capture a like, not its undo: the replay must insert as most presses do.
            users = [u for u in users if unliked_post(u) is not None] or users
        for user in users[:SAMPLES_PER_OP]:
            values = request_values(op, user, plan, rng)
            if op == "like":
                values["post"] = unliked_post(user) or values["post"]
            url = fill(plan["urls"][op], values)
            form = {k: fill(v, values) for k, v in REQUESTS[op].get("form", {}).items()}
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = user["session"]
            # As on a running server, where this user has just been active: their session and
            # identity sit in the cache (with Redis), so the captured SQL is the steady state's.
            client.get(plan["urls"]["home"])
            rec = Recorder()
            with connection.execute_wrapper(rec):
                response = client.post(url, form) if spec.method == "POST" else client.get(url)
            variables = {"user_id": user["user_id"], "session": user["session"], "community_id": user["community_id"]}
            variables.update({k: v for k, v in values.items() if k in ("post", "case")})
            samples.append({"status": response.status_code, "statements": rec.statements, "variables": variables,
                            "url": url})
        captured[op] = samples
    return captured


def unliked_post(user: dict[str, Any]) -> int | None:
    from shequtong.boards.models import Like

    liked = set(Like.objects.filter(user_id=user["user_id"], post_id__in=user["posts"]).values_list("post_id", flat=True))
    return next((p for p in user["posts"] if p not in liked), None)


def request_values(op: str, user: dict[str, Any], plan: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if user["posts"]:
        values["post"] = rng.choice(user["posts"])
    if user["cases"]:
        values["case"] = rng.choice(user["cases"])
    if plan["subcategories"]:
        category = rng.choice(sorted(plan["subcategories"]))
        values["category"] = category
        values["subcategory"] = rng.choice(plan["subcategories"][category])
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--capture", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    roles = mix.assign_roles(args.users, mix.OPS)
    n_committee = roles.count("committee")
    users = residents(args.users - n_committee, rng) + committee(n_committee, rng)
    have = {"resident": any(u["role"] == "resident" for u in users),
            "committee": any(u["role"] == "committee" for u in users)}
    urls: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    subs = subcategories()
    for op in mix.OPS:
        url = url_template(op.name)
        if url is None:
            unavailable[op.name] = "no such view in this build"
        elif not have[op.role]:
            unavailable[op.name] = f"no {op.role} with something to act on (posts/cases not generated?)"
        elif op.name == "letter_submit" and not subs:
            unavailable[op.name] = "no letter sub-categories"
        else:
            urls[op.name] = url
    observers_ = observers()
    pages, pages_missing = observer_pages(observers_)
    plan: dict[str, Any] = {
        "users": users, "urls": urls, "available": sorted(urls), "unavailable": unavailable,
        "forms": {k: v.get("form") for k, v in REQUESTS.items()}, "subcategories": subs,
        "observers": observers_, "observer_pages": pages, "observer_pages_missing": pages_missing,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }
    started = time.monotonic()
    captured = capture(plan, rng)
    plan["capture_statuses"] = {op: [s["status"] for s in samples] for op, samples in captured.items()}
    plan["statements_per_op"] = {op: sum(len(s["statements"]) for s in samples) / max(1, len(samples))
                                 for op, samples in captured.items()}
    Path(args.out).write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(args.capture, "wb") as fh:
        pickle.dump(captured, fh)
    print(f"prepared {len(users)} users ({n_committee} committee); ops available: {', '.join(plan['available'])}; "
          f"unavailable: {unavailable or 'none'}; captured in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
