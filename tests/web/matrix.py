"""The machinery of the authorisation matrix (tests/web/test_authorisation_matrix.py).

Walks every URL pattern (the admin aside) and every API operation, fills
path parameters with real objects of community A (tree.comm_a1) and of
community B (tree.comm_b1, the other subdistrict), requests each as every
member of the cast and compares what happens with the one declared table,
tests/web/authorisation_matrix.py.

Each request runs inside a savepoint that is rolled back, so an allowed POST
(an empty form that still does something, like 点赞) changes nothing for the
next caller; the cache is cleared after each request for the same reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.common import clock

from ..factories import (
    CAST_ROLES,
    Cast,
    chat_message,
    estate_group,
    image_upload,
    make_post,
    make_user,
)
from ..factories import grant as give
from . import authorisation_matrix as table

# What a caller outside a community must never read in a 200 answer: every
# object of A carries MARK_A in its title or text, every object of B MARK_B.
MARK_A = "甲秘"
MARK_B = "乙秘"
SKIPPED_NAMESPACES = {"admin"}
REFUSALS = {"login", 401, 403, 404, 405}
# Rows a refused request may still touch: the session's idle-timeout refresh.
WRITE_ALLOWED_TABLES = {"django_session"}
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


# --- the objects the parameters are filled with ---------------------------------------


@dataclass
class Side:
    """The objects of one community (A or B), each carrying the community's mark."""

    community: Any
    post: Any
    reply: Any
    image: Any
    council: Any          # an 议事厅 topic with an open vote
    services: Any         # a 社区服务 offer with a booking
    booking: Any
    comment: Any          # a comment on the district announcement
    case: Any
    letter: Any
    visit: Any            # approved
    group: Any            # the 小区群 of the community's first estate
    group_member: User
    chat_message: Any
    inbox_message: Any
    membership: Any       # a pending application to join
    grant: Any            # a grant a secretary of the community could revoke
    token: Any            # the community's resident's API token (only its owner may see or revoke it)
    extra: dict[str, Any] = field(default_factory=dict)  # objects and path parameters of later apps (SIDE_HOOKS, SIDE_BUILDERS)
    incentives: dict[str, Any] = field(default_factory=dict)  # issue 17: lottery, quiz, award, gift, redemption ids
    policy: Any = None    # a 政策找人 draft of the community's 政策专员 (set in make_world)
    profile: Any = None   # the community's resident's demand profile (care tags)


@dataclass
class World:
    cast: Cast
    a: Side
    b: Side
    announcement: Any
    rural: Any = None     # a published 乡村振兴 activity with an image and the villager's sign-up (district-wide)


def _side(cast: Cast, mark: str, announcement: Any, *, community: Any, resident: User, staff: User, secretary: User) -> Side:
    from shequtong.accounts import services as account_services
    from shequtong.boards import services as board_services
    from shequtong.boards.models import AnnouncementComment, Booking
    from shequtong.inbox import services as inbox_services
    from shequtong.visits import services as visit_services

    from ..cases import helpers as case_helpers

    post = make_post(resident, community, title=f"{mark}楼道灯坏了", body=f"{mark}：3号楼楼道灯不亮。",
                     image_files=[image_upload()])
    reply = board_services.reply_to(actor=staff, post_id=post.pk, body=f"{mark}回复：已报修")
    council = make_post(resident, community, board="council", title=f"{mark}议题", body=f"{mark}：垃圾投放时间调整")
    board_services.open_vote(actor=staff, post_id=council.pk, question=f"{mark}投票", options=["同意", "反对"],
         deadline=clock.now() + dt.timedelta(days=7))
    services = make_post(staff, community, board="services", title=f"{mark}理发服务", body=f"{mark}：免费理发")
    booking = board_services.book_service(actor=resident, post_id=services.pk, note=f"{mark}预约")
    assert isinstance(booking, Booking)
    comment = board_services.comment_on_announcement(actor=resident, announcement_id=announcement.pk,
                   body=f"{mark}留言")
    assert isinstance(comment, AnnouncementComment)
    case = case_helpers.case(staff, community, title=f"{mark}加装电梯协调", content=f"{mark}：5号楼加装电梯意见不统一。")
    letter = case_helpers.letter(resident, community, category="community", content=f"{mark}：楼道里堆满杂物，存在消防隐患。")
    visit = visit_services.create_visit(actor=staff, submit=True, data=visit_services.VisitInput(
        community_id=community.pk, visit_type="home", title=f"{mark}走访独居老人", content=f"{mark}：老人反映楼道灯坏了。",
        visited_on=clock.today(), person_name="周桂兰",
        person_address="友谊路100弄5号302室",
        problems=(visit_services.ProblemInput("construction", f"{mark}楼道灯损坏"),)))
    visit = visit_services.approve_visit(actor=secretary, visit_id=visit.pk)
    group = estate_group(cast.tree.estate(community))  # the resident's own estate (Cast)
    message = chat_message(resident, group, body=f"{mark}群消息：今天停水吗")
    inbox_message = inbox_services.send_letter(actor=staff, recipient_id=resident.pk, subject=f"{mark}来信",
                                               body=f"{mark}：楼道灯明天修好")
    applicant = make_user(real_name=f"{mark}申请人")
    membership = account_services.request_membership(actor=applicant, community_id=community.pk, note=f"{mark}申请")
    grant = give(make_user(real_name=f"{mark}民警"), Role.POLICE, community)
    token, _ = account_services.create_api_token(actor=resident, name=f"{mark}令牌")
    return Side(
        community=community, post=post, reply=reply, image=post.images.get(), council=council, services=services,
        booking=booking, comment=comment, case=case, letter=letter, visit=visit, group=group, group_member=resident,
        chat_message=message, inbox_message=inbox_message, membership=membership, grant=grant, token=token,
    )


def make_world(cast: Cast) -> World:
    from shequtong.boards import services as board_services

    announcement = board_services.publish_announcement(
        actor=cast.district, title="爱宝山公告：垃圾分类新规", body="全区垃圾分类新规下月起施行。", comments_open=True)
    a = _side(cast, MARK_A, announcement, community=cast.a, resident=cast.resident_a, staff=cast.staff_a,
              secretary=cast.secretary_a)
    b = _side(cast, MARK_B, announcement, community=cast.b, resident=cast.resident_b, staff=cast.staff_b,
              secretary=cast.secretary_b)
    a.incentives = incentives(MARK_A, community=cast.a, staff=cast.staff_a, resident=cast.resident_a)
    b.incentives = incentives(MARK_B, community=cast.b, staff=cast.staff_b, resident=cast.resident_b)
    _policy_objects(cast, a, b)
    world = World(cast=cast, a=a, b=b, announcement=announcement, rural=_rural_item(cast))
    for hook in SIDE_HOOKS:  # epidemic
        hook(world)
    for build in SIDE_BUILDERS:  # charity
        build(world)
    return world


def _policy_objects(cast: Cast, a: Side, b: Side) -> None:
    """政策找人: a draft policy in each community and each resident's demand profile."""
    from shequtong.policy import services as policy_services

    officer_b = make_user(real_name="政策乙")
    give(officer_b, Role.POLICY_OFFICER, cast.b)
    for side, officer, resident, mark in ((a, cast.policy_officer, cast.resident_a, MARK_A),
                                          (b, officer_b, cast.resident_b, MARK_B)):
        side.policy = policy_services.create_policy(actor=officer, title=f"{mark}加装电梯补贴",
                                                    text=f"{mark}：本区户籍业主可申请加装电梯补贴。")
        side.profile = policy_services.profile_for(resident)


# --- what is requested ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    key: str             # the table's row: "GET boards:post[A]", "POST /api/v1/cases/{case_id}/actions[B]"
    method: str
    url: str
    api: bool
    body: Any = None


def _walk(patterns: list[Any], namespaces: tuple[str, ...] = (), prefix: str = "") -> Iterator[tuple[tuple[str, ...], URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield namespaces, p


def _allowed_methods(view: Any) -> list[str] | None:
    """The methods a view restricts itself to (django's require_http_methods), or None."""
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        try:
            nonlocals = inspect.getclosurevars(view).nonlocals
        except (TypeError, ValueError):
            nonlocals = {}
        methods = nonlocals.get("request_method_list")
        if methods:
            return list(methods)
        view = getattr(view, "__wrapped__", None)
    return None


def _param(world: World, where: str, name: str, side: Side) -> Any:
    """The value of path parameter `name` of URL/operation `where` for one side."""
    if name == "message_id":
        return side.inbox_message.pk if where.startswith(("inbox", "/inbox")) else side.chat_message.pk
    if name == "post_id":
        if "vote" in where or "ballot" in where or "stage" in where:
            return side.council.pk
        if "giveaway" in where:
            return side.extra["giveaway_post"].pk
        if "book" in where:
            return side.services.pk
        return side.post.pk
    if name in ("case_id", "request_id"):
        return side.case.pk
    for resolve in PARAM_HOOKS:  # app-specific resolvers first: two apps may share a parameter name
        value = resolve(where, name, side)
        if value is not None:
            return value
    if name in side.extra:
        return side.extra[name]
    values = {
        "community_id": side.community.pk, "subdistrict_id": side.community.subdistrict_id,
        "reply_id": side.reply.pk, "image_id": side.image.pk, "booking_id": side.booking.pk,
        "comment_id": side.comment.pk, "letter_id": side.letter.pk, "visit_id": side.visit.pk,
        "group_id": side.group.pk, "user_id": side.group_member.pk, "membership_id": side.membership.pk,
        "grant_id": side.grant.pk, "token_id": side.token.pk,
        "policy_id": side.policy.pk, "profile_id": side.profile.pk,
    }
    if name in values:
        return values[name]
    if name in side.incentives:
        return side.incentives[name]
    raise KeyError(f"{where}: no object for the path parameter {name!r} (tests/web/matrix.py _param)")


# Parameters that are not objects of a community: one value, one row.
PLAIN = {"file_type": "xlsx", "import_kind": "tree", "board": "neighbours", "kind": "posts", "category": "community", "fmt": "json", "service_code": "safety",
         "screen": "left",
         "captcha_id": "no-such-challenge",
         "announcement_id": None, "item_id": None, "picture_id": None}
_URL_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")
_API_PARAM = re.compile(r"{(?:\w+:)?(\w+)}")


def _pattern_params(pattern: URLPattern) -> list[str]:
    return [m.group("name") or m.group("rname") for m in _URL_PARAM.finditer(str(pattern.pattern))]


def _plain(world: World, name: str) -> Any:
    if name == "announcement_id":
        return world.announcement.pk
    if name == "item_id":
        return world.rural.pk
    if name == "picture_id":
        return world.rural.images.get().pk
    return PLAIN[name]


def _operation_routes() -> set[str]:
    """The routes of the API's operations as django-ninja mounts them ("cases/<case_id>")."""
    from shequtong.api.rules import operations
    from shequtong.api.v1 import api

    return {re.sub(r"{(?:\w+:)?(\w+)}", r"<\1>", f"{prefix.strip('/')}{path}").strip("/")
            for prefix, router in api._routers for _m, path, _op in operations(router)}


def page_targets(world: World) -> list[Target]:
    out: list[Target] = []
    operation_routes = _operation_routes()
    for namespaces, pattern in _walk(get_resolver().url_patterns):
        if set(namespaces) & SKIPPED_NAMESPACES:
            continue
        if "api" in namespaces and re.sub(r"<\w+:", "<", str(pattern.pattern)).strip("/") in operation_routes:
            continue  # an API operation: api_targets requests it with its own method and body
        name = ":".join((*namespaces, pattern.name or ""))
        methods = _allowed_methods(pattern.callback)
        method = "GET" if methods is None or "GET" in methods else methods[0]
        params = _pattern_params(pattern)
        sides = [("", None)]
        if any(p not in PLAIN for p in params):
            sides = [("[A]", world.a), ("[B]", world.b)]
        for suffix, side in sides:
            kwargs = {p: (_plain(world, p) if p in PLAIN else _param(world, name, p, side)) for p in params}
            out.append(Target(f"{method} {name}{suffix}", method, reverse(name, kwargs=kwargs), api=False))
    return out


def api_targets(world: World) -> list[Target]:
    from shequtong.api.rules import operations
    from shequtong.api.v1 import api

    out: list[Target] = []
    for prefix, router in api._routers:
        prefix = prefix.strip("/")
        if not prefix:
            continue
        for method, path, _op in operations(router):
            where = f"/{prefix}{path}"
            params = _API_PARAM.findall(path)
            sides = [("", None)]
            if any(p not in PLAIN for p in params):
                sides = [("[A]", world.a), ("[B]", world.b)]
            for suffix, side in sides:
                url = "/api/v1" + where
                for p in params:
                    value = _plain(world, p) if p in PLAIN else _param(world, where, p, side)
                    url = re.sub(r"{(?:\w+:)?" + p + "}", str(value), url)
                key = f"{method} /api/v1{where}{suffix}"
                body = table.API_BODIES.get(f"{method} /api/v1{where}", {} if method in ("POST", "PUT", "PATCH") else None)
                if callable(body):
                    body = body(world, side)
                out.append(Target(key, method, url, api=True, body=body))
    return out


def targets(world: World) -> list[Target]:
    return page_targets(world) + api_targets(world)


# --- requesting and comparing -----------------------------------------------------------


@dataclass
class Outcome:
    status: Any          # an HTTP status, or "login" for a redirect to the login page
    writes: list[str] = field(default_factory=list)
    leak: str = ""       # the other community's mark found in a 200 answer
    error: str = ""


def clients(cast: Cast) -> dict[str, Client]:
    out = {}
    for name in CAST_ROLES:
        c = Client(raise_request_exception=False)
        user = cast.member(name)
        if user is not None:
            c.force_login(user)
        out[name] = c
    return out


def request(client: Client, target: Target) -> tuple[Any, list[str]]:
    """One request inside a rolled-back savepoint; the tables it wrote to (the session's aside)."""
    writes: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        m = _WRITE.match(sql)
        if m and m.group(2) not in WRITE_ALLOWED_TABLES:
            writes.append(m.group(2))
        return execute(sql, params, many, context)

    cookies = copy.deepcopy(client.cookies)  # 退出 (logout) must not log the caller out of later rows
    with connection.execute_wrapper(watch), transaction.atomic():
        if target.api and target.method == "GET":
            response = client.get(target.url, target.body or {})
        elif target.api and target.body is not None:
            response = client.generic(target.method, target.url, json.dumps(target.body), content_type="application/json")
        elif target.method == "GET":
            response = client.get(target.url)
        else:
            response = client.generic(target.method, target.url, "", content_type="application/x-www-form-urlencoded")
        transaction.set_rollback(True)
    cache.clear()
    client.cookies = cookies
    return response, writes


LOGIN_URL = "/accounts/login/"


def observe(client: Client, target: Target, role: str) -> Outcome:
    response, writes = request(client, target)
    status: Any = response.status_code
    if status == 302 and response.get("Location", "").startswith(LOGIN_URL) and role == "anonymous":
        status = "login"
    outcome = Outcome(status, writes)
    exc = getattr(response, "exc_info", None)
    if exc:
        outcome.error = f"{exc[0].__name__}: {exc[1]}"
    if status == 200 and not getattr(response, "streaming", False):
        text = response.content.decode("utf-8", "replace")
        for mark, outsiders in ((MARK_A, table.OUTSIDE_A), (MARK_B, table.OUTSIDE_B)):
            if role in outsiders and mark in text:
                outcome.leak = mark
    return outcome


def problems(target: Target, role: str, outcome: Outcome) -> list[str]:
    """What is wrong with one answer, compared with the table (empty when it agrees)."""
    found = []
    expected = table.expected(target.key, role)
    if outcome.status != expected:
        found.append(f"{target.key} as {role}: got {outcome.status}, the table says {expected}"
                     + (f" ({outcome.error})" if outcome.error else ""))
    if outcome.leak and target.key.split("[")[0] not in table.PUBLISHED:
        found.append(f"{target.key} as {role}: the answer contains {outcome.leak} (another community's data)")
    if outcome.writes and outcome.status in REFUSALS:
        found.append(f"{target.key} as {role}: refused ({outcome.status}) but wrote to {sorted(set(outcome.writes))}")
    elif outcome.writes and role in outsiders_of(target.key) and target.key not in table.WRITES_ALLOWED:
        found.append(f"{target.key} as {role}: wrote to {sorted(set(outcome.writes))} for another community's object")
    return found


def outsiders_of(key: str) -> frozenset[str]:
    """Who must change nothing through this row: the callers outside the community of its object."""
    if key.endswith("[A]"):
        return table.OUTSIDE_A
    if key.endswith("[B]"):
        return table.OUTSIDE_B
    return frozenset({"anonymous"})


def run(world: World, only: Callable[[Target], bool] | None = None) -> tuple[list[Target], dict[tuple[str, str], Outcome], list[str]]:
    """Request every target as every cast member; return the targets, the outcomes and the mismatches."""
    all_targets = [t for t in targets(world) if only is None or only(t)]
    by_role = clients(world.cast)
    outcomes: dict[tuple[str, str], Outcome] = {}
    found: list[str] = []
    # Thousands of expected refusals: django.request would log (and format) each one.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        for t in all_targets:
            if t.key not in table.TABLE:
                continue
            for role in CAST_ROLES:
                o = observe(by_role[role], t, role)
                outcomes[(t.key, role)] = o
                found.extend(problems(t, role, o))
    finally:
        request_log.setLevel(level)
    return all_targets, outcomes, found


# --- objects of apps added later: each appends a hook that fills Side.extra, and a resolver ---
SIDE_HOOKS: list[Callable[[World], None]] = []
PARAM_HOOKS: list[Callable[[str, str, Side], Any]] = []


# 疫情防控 (epidemic): a clue with a photo, a help request and a health archive per side.
def _epidemic_sides(world: World) -> None:
    from shequtong.epidemic import services as epidemic_services

    for side, mark, resident, staff in ((world.a, MARK_A, world.cast.resident_a, world.cast.staff_a),
                                        (world.b, MARK_B, world.cast.resident_b, world.cast.staff_b)):
        estate = side.group.estate
        report = {"estate_id": estate.pk, "community_id": side.community.pk,
                  "occurred_at": clock.now() - dt.timedelta(hours=1), "contact_name": "王小红",
                  "contact_phone": "13812345678", "building": f"{mark}3", "room": "201"}
        clue = epidemic_services.submit_report(actor=resident, kind="clue", data=epidemic_services.ReportInput(
            content=f"{mark}：楼里有人发热", images=[image_upload()], **report))
        help_request = epidemic_services.submit_report(actor=resident, kind="help", data=epidemic_services.ReportInput(
            content=f"{mark}：需要代购药品", **report))
        archive = epidemic_services.create_archive(actor=staff, data=epidemic_services.ArchiveInput(
            community_id=side.community.pk, estate_id=estate.pk, person_name="周桂兰", id_number="", phone="",
            reason="home_isolation", started_on=clock.today(), building=f"{mark}5", account_phone=resident.phone))
        side.extra.update(clue=clue, help=help_request, photo=clue.images.get(), archive=archive)


def _epidemic_param(where: str, name: str, side: Side) -> Any:
    if "epidemic" not in where:
        return None  # charity's progress reports are report_id too
    if name == "report_id":
        return side.extra["help" if where.startswith("epidemic:help") else "clue"].pk
    if name == "photo_id":
        return side.extra["photo"].pk
    if name == "archive_id":
        return side.extra["archive"].pk
    return None


SIDE_HOOKS.append(_epidemic_sides)
PARAM_HOOKS.append(_epidemic_param)


# 人民信箱 photos (issue 14 item 4): a photo on each side's letter.
def _letter_photo_sides(world: World) -> None:
    from shequtong.letters.models import LetterPhoto

    for side in (world.a, world.b):
        photo = LetterPhoto(letter=side.letter, community=side.community)
        photo.image.save("matrix.png", image_upload(), save=False)
        photo.save()
        side.extra["letter_photo"] = photo


def _letter_photo_param(where: str, name: str, side: Side) -> Any:
    if where.startswith("letters:") and name == "photo_id":
        return side.extra["letter_photo"].pk
    return None


SIDE_HOOKS.append(_letter_photo_sides)
PARAM_HOOKS.append(_letter_photo_param)


def _cityops_param(where: str, name: str, side: Side) -> Any:
    """A feed token of the city operations centre (not a person's API token, whose parameter is also token_id)."""
    if not where.startswith(("cityops", "/cityops")) or name != "token_id":
        return None
    from shequtong.accounts.models import RoleGrant
    from shequtong.cityops.models import FeedToken
    from shequtong.common import clock

    if "feed_token" not in side.extra:
        admin = RoleGrant.objects.filter(role="sysadmin").values_list("user_id", flat=True).first()
        side.extra["feed_token"] = FeedToken.objects.create(
            name="矩阵", prefix=f"m{side.community.pk}", key_hash=f"matrix-{side.community.pk}", created_by_id=admin,
            created_at=clock.now(), expires_at=clock.now()).pk
    return side.extra["feed_token"]


PARAM_HOOKS.append(_cityops_param)
# --- 乡村振兴 (rural): one district-wide item, published by the 农委, approved by a second administrator ---


def _rural_item(cast: Cast) -> Any:
    from shequtong.rural import services as rural_services

    reviewer = make_user(real_name="王振兴")
    give(reviewer, Role.RURAL_ADMIN)
    item = rural_services.create_item(actor=cast.rural_admin, submit=True, data=rural_services.ItemInput(
        title="乡村振兴：水稻机收培训", body="区农委组织水稻收割机操作培训。", item_type="activity",
        starts_at=clock.now() + dt.timedelta(days=7), place="罗店镇农技站", capacity=30,
        signup_deadline=clock.now() + dt.timedelta(days=5), images=(image_upload(),)))
    rural_services.approve_item(actor=reviewer, item_id=item.pk)
    rural_services.publish_item(actor=cast.rural_admin, item_id=item.pk)
    rural_services.sign_up(actor=cast.villager, item_id=item.pk)
    return item
# --- later apps' objects (each fills side.extra with its path parameters) ----------------


def _charity(world: World) -> None:
    """A project of an organisation of each side (approved, on shelf, serving the side's community)."""
    from shequtong.charity import services as charity

    cast = world.cast
    for side, mark, org, centre in (
        (world.a, MARK_A, cast.social_org, cast.service_center),
        (world.b, MARK_B, make_user(real_name="乙组织"), make_user(real_name="乙中心")),
    ):
        if side is world.b:
            give(org, Role.SOCIAL_ORG, side.community)
            give(centre, Role.SERVICE_CENTRE, side.community.subdistrict)
        project = charity.create_project(actor=org, submit=True, data=charity.ProjectInput(
            title=f"{mark}助老项目", category="elderly", services=f"{mark}助餐", audience=("elderly",),
            community_ids=(side.community.pk,), starts_on=clock.today(), ends_on=clock.today() + dt.timedelta(days=90),
            description=f"{mark}：为老人助餐。"))
        charity.approve_project(actor=centre, project_id=project.pk)
        charity.shelve_project(actor=org, project_id=project.pk)
        site = charity.create_site(actor=org, data=charity.SiteInput(
            name=f"{mark}服务站", address=f"{mark}路1号", community_ids=(side.community.pk,), opening_hours="9:00-17:00",
            lead_name="站长"))
        binding = charity.create_binding(actor=org, project_id=project.pk, site_id=site.pk, service_time="每周三",
                                         submit=True)
        charity.approve_binding(actor=centre, binding_id=binding.pk)
        milestone = charity.add_milestone(actor=org, project_id=project.pk, data=charity.MilestoneInput(
            title=f"{mark}节点", target=f"{mark}目标", due_on=clock.today(), weight=1))
        report = charity.save_progress(actor=org, milestone_id=milestone.pk, completion=50, evidence=f"{mark}进展",
                                       photos=[image_upload()])
        starts = clock.now() + dt.timedelta(days=1)
        slot = charity.open_slot(actor=org, binding_id=binding.pk, title=f"{mark}助餐", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), capacity=30)
        resident = cast.resident_a if side is world.a else cast.resident_b
        booking = charity.book_slot(actor=resident, slot_id=slot.pk)
        moved = clock.now() + dt.timedelta(days=3)
        with mock.patch.object(clock, "now", return_value=moved):  # the resident has taken part: they may review
            review = charity.review_project(actor=resident, project_id=project.pk, stars=5, text=f"{mark}很好")
        side.extra.update({"project_id": project.pk, "site_id": site.pk, "binding_id": binding.pk,
                           "milestone_id": milestone.pk, "report_id": report.pk, "photo_id": report.photos.get().pk,
                           "slot_id": slot.pk, "slot_booking_id": booking.pk, "review_id": review.pk})


SIDE_BUILDERS: list[Callable[[World], None]] = [_charity]


# --- operations (issue 20): an import job checked by a dry run, the side's estate, a staff member ---
def _operations(world: World) -> None:
    from shequtong.operations.models import ImportJob

    for side in (world.a, world.b):
        job = ImportJob.objects.create(kind="tree", status=ImportJob.Status.CHECKED, file_name="辖区.csv",
                                       file_format="csv", created_by=world.cast.sysadmin, created_at=clock.now())
        side.extra.update(job_id=job.pk, estate_id=side.group.estate_id, staff_id=side.grant.user_id)


SIDE_BUILDERS.append(_operations)
# --- issue 17: 积分 and 抽奖/有奖答题 ----------------------------------------------------------


def incentives(mark: str, *, community: Any, staff: User, resident: User) -> dict[str, int]:
    """A published lottery the resident drew a prize in, a published quiz, a gift the resident exchanged."""
    from shequtong.campaigns import services as campaign_services
    from shequtong.points import services as points_services

    from ..campaigns.helpers import published_lottery, quiz_input

    lottery = published_lottery(staff, community, theme=f"{mark}抽奖")
    draw = campaign_services.draw(actor=resident, lottery_id=lottery.pk)
    quiz = campaign_services.create_quiz(actor=staff, data=quiz_input(community, title=f"{mark}答题"))
    campaign_services.publish_quiz(actor=staff, quiz_id=quiz.pk)
    points_services.award_quality(actor=staff, user_id=resident.pk, reputation=1, beans=10, reason=f"{mark}优质回复")
    gift = points_services.create_gift(actor=staff, data=points_services.GiftInput(
        name=f"{mark}礼品", description="", kind="physical", cost=1, stock=5, how_to_collect="居委会领取",
        community_id=community.pk))
    redemption = points_services.redeem_gift(actor=resident, gift_id=gift.pk)
    now = clock.now()
    auction = points_services.create_auction(actor=staff, data=points_services.AuctionInput(
        community_id=community.pk, title=f"{mark}拍品", description="", how_to_collect="居委会领取", start_price=1,
        increment=1, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=3)))
    points_services.place_bid(actor=resident, auction_id=auction.pk, amount=2)
    assert draw.award_id is not None
    return {"lottery_id": lottery.pk, "quiz_id": quiz.pk, "award_id": draw.award_id, "gift_id": gift.pk,
            "redemption_id": redemption.pk, "auction_id": auction.pk}


# --- issue 22: 闲置赠送 (a giveaway post with a neighbour's request) ---------------------------------------
def _issue22_sides(world: World) -> None:
    from shequtong.boards import services as board_services

    for side, mark, giver in ((world.a, MARK_A, world.cast.resident_a), (world.b, MARK_B, world.cast.resident_b)):
        post = make_post(giver, side.community, title=f"{mark}闲置婴儿车", body=f"{mark}：送给有需要的邻居",
                         giveaway=board_services.GiveawayDetails(pickup_place=f"{mark}门卫室"))
        neighbour = make_user(real_name=f"{mark}邻居")
        give(neighbour, Role.RESIDENT, side.community)
        req = board_services.request_giveaway(actor=neighbour, post_id=post.pk, note=f"{mark}想要")
        side.extra.update(giveaway_post=post, giveaway_request_id=req.pk)


SIDE_HOOKS.append(_issue22_sides)


def _follows_param(where: str, name: str, side: Side) -> Any:
    """关注 of a 议事厅 topic: the side's council post (a 左邻右舍 post is no topic)."""
    if where.startswith("follows:") and name == "topic_id":
        return side.council.pk
    return None


PARAM_HOOKS.append(_follows_param)
