"""Rural demo content (issue 18): a villager's first look is not empty.

For the demo village (the one demo-villager lives in): a 村委 社工 and a second
农委 administrator (the reviewer) as demo accounts, 社区公告 and 办事指南 posts,
three letters that became cases, and 乡村振兴 items published through the real
workflow (written by demo-rural-admin, approved by demo-rural-reviewer), one
pinned, an activity with sign-ups from the village. Safe to run twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from shequtong.accounts import scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.boards import services as board_services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Post
from shequtong.cases import services as case_services
from shequtong.common import clock
from shequtong.common.idcard import make_id_number
from shequtong.demo import district as D
from shequtong.demo.otp import enrol_demo_staff
from shequtong.letters import services as letter_services
from shequtong.letters.defaults import ensure_defaults
from shequtong.letters.models import SubCategory
from shequtong.places import services as places_services
from shequtong.places.models import Community
from shequtong.rural import services as rural_services
from shequtong.rural.models import Item

MARKER = "农村人居环境整治志愿活动"

NOTICES = [
    (Board.NOTICE, "秋冬季秸秆禁烧通知", "秋收已开始，请各村民小组严禁焚烧秸秆，村委可协调秸秆还田机械，有需要请到村委会登记。"),
    (Board.NOTICE, "村民小组长会议通知", "本周五下午两点在村委会二楼会议室召开村民小组长会议，讨论冬季道路养护事宜。"),
    (Board.AFFAIRS, "农村宅基地建房审批办事指南", "申请人需提交申请表、户口簿、身份证复印件，经村民小组公示后报镇审批。"),
    (Board.AFFAIRS, "城乡居民医保缴费办事指南", "明年度城乡居民医保缴费即日起开始，可在村委会便民服务点或随申办线上缴纳。"),
]
LETTERS = [
    ("construction", "村东头农路坑洼", "村东头通往第二村民小组的农路有多处坑洼，雨天积水，农用车通行困难。", ["accept"]),
    ("construction", "河道漂浮物较多", "村南河道近期漂浮物较多，影响水质，希望安排保洁。", ["reply", "resolve"]),
    ("social", "希望开设老年助餐点", "村里独居老人较多，希望在村委会开设老年助餐点。", []),
]
ITEMS: list[dict[str, Any]] = [
    {"title": "2026年宝山区耕地地力保护补贴政策解读", "item_type": "policy", "pin": 1,
     "body": "耕地地力保护补贴按实际种植面积发放，承包户请于12月20日前到村委会核对种植面积。补贴资金将直接发放至承包户社保卡账户。"},
    {"title": MARKER, "item_type": "activity", "pin": 2,
     "body": "区农委联合各镇开展农村人居环境整治志愿活动：清理河道、整治宅前屋后、美化村庄道路。欢迎村民报名参加，活动提供手套和工具。",
     "days": 10, "place": "村委会门口集合", "capacity": 40, "deadline_days": 7},
    {"title": "水稻秸秆还田与冬季绿肥种植技术要点", "item_type": "farming",
     "body": "秸秆粉碎长度宜在10厘米以下，均匀抛撒后及时翻耕；冬季绿肥推荐紫云英，亩播种量2-3公斤。区农技中心提供免费技术咨询。"},
    {"title": "宝山区第六届农民丰收节圆满落幕", "item_type": "news",
     "body": "第六届农民丰收节在罗店镇举行，展示了宝山大米、罗泾蟹等特色农产品，数千名村民和市民参加。"},
]


def _account(username: str, name: str, seq: int, grants: list[tuple[str, Any]], password: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    id_number = make_id_number("310113", dt.date(1968, 3, seq), 700 + seq)
    phone = f"1380000{seq:04d}"
    user = User.objects.create(
        username=username, real_name=name, password=password,
        id_number=id_number, id_number_index=account_services.id_number_index(id_number),
        phone=phone, phone_index=account_services.phone_index(phone),
        birth_date=dt.date(1968, 3, seq), sex="M" if seq % 2 else "F",
    )
    now = clock.now()
    for role, place in grants:
        kwargs: dict[str, Any] = {}
        if isinstance(place, Community):
            kwargs = {"subdistrict_id": place.subdistrict_id, "community": place}
        RoleGrant.objects.create(user=user, role=role, **kwargs)
        if role == Role.RESIDENT:
            Membership.objects.create(user=user, community=place, estate=place.estates.first(),
                                      status=Membership.Status.APPROVED, requested_at=now - dt.timedelta(days=20),
                                      reviewed_at=now - dt.timedelta(days=19), review_seconds=3600)
            places_services.bump(place, "residents")
    return user


def seed_demo_rural() -> dict[str, int]:
    """Create the rural demo content; returns what was created (all zero when it exists or without seed_demo)."""
    made = {"accounts": 0, "posts": 0, "cases": 0, "items": 0, "signups": 0}
    villager = User.objects.filter(username="demo-villager").first()
    admin = User.objects.filter(username="demo-rural-admin").first()
    village = scope.home_community(villager) if villager else None
    if villager is None or admin is None or village is None or Item.objects.filter(title=MARKER).exists():
        return made
    password = make_password(D.DEMO_PASSWORD)
    with transaction.atomic():
        before = User.objects.count()
        staff = _account("demo-village-staff", "陆建平", 21, [(Role.COMMITTEE_STAFF, village)], password)
        reviewer = _account("demo-rural-reviewer", "王振兴", 22, [(Role.RURAL_ADMIN, None)], password)
        neighbours = [_account(f"demo-villager-{n}", name, 23 + n, [(Role.RESIDENT, village)], password)
                      for n, name in enumerate(("沈阿根", "顾桂芳", "朱建华"), start=1)]
        made["accounts"] = User.objects.count() - before
        enrol_demo_staff([staff.username, reviewer.username])

        if not Post.objects.filter(community=village).exists():
            for board, title, body in NOTICES:
                board_services.create_post(actor=staff, community_id=village.pk, board=board, title=title, body=body)
                made["posts"] += 1

        ensure_defaults()
        for n, (category, title, content, actions) in enumerate(LETTERS):
            sub = SubCategory.objects.filter(category=category, is_active=True).order_by("sort_order", "id").first()
            if sub is None:
                continue
            author = villager if n == 0 else neighbours[n % len(neighbours)]
            letter = letter_services.submit_letter(actor=author, community=village, category=category,
                                                   subcategory_ids=[sub.pk], content=content, title=title)
            assert letter.case is not None
            for action in actions:
                case_services.handle_case(actor=staff, case_id=letter.case.pk, action=action,
                                          note="村委已受理，将尽快安排处理。" if action == "accept" else "已安排处理，感谢反映。")
            made["cases"] += 1

        # Activities start and close at sensible local hours, whenever the demo is loaded.
        morning = timezone.localtime(clock.now()).replace(hour=9, minute=0, second=0, microsecond=0)
        now = morning.replace(hour=18)
        for spec in ITEMS:
            data = rural_services.ItemInput(
                title=spec["title"], body=spec["body"], item_type=spec["item_type"],
                starts_at=morning + dt.timedelta(days=spec["days"]) if "days" in spec else None,
                place=spec.get("place", ""), capacity=spec.get("capacity"),
                signup_deadline=now + dt.timedelta(days=spec["deadline_days"]) if "deadline_days" in spec else None,
            )
            item = rural_services.create_item(actor=admin, data=data, submit=True)
            rural_services.approve_item(actor=reviewer, item_id=item.pk)
            rural_services.publish_item(actor=admin, item_id=item.pk)
            if spec.get("pin"):
                rural_services.pin_item(actor=admin, item_id=item.pk, order=spec["pin"])
            made["items"] += 1
            for who in (staff, *neighbours):
                rural_services.record_read(actor=who, item_id=item.pk)
            rural_services.toggle_like(actor=neighbours[0], item_id=item.pk)
            if item.is_activity:
                for who in (staff, *neighbours):
                    rural_services.sign_up(actor=who, item_id=item.pk)
                    made["signups"] += 1
        # One item written and waiting for the reviewer: the 农委's 待审核 list is not empty either.
        rural_services.create_item(actor=admin, submit=True, data=rural_services.ItemInput(
            title="高素质农民培育计划报名通知", item_type="policy",
            body="2026年高素质农民培育计划面向全区种养大户、家庭农场主，培训免费，请通过村委会报名。"))
        made["items"] += 1
    return made
