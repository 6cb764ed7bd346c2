"""政策找人 demo content for the demo community (after seed_demo; safe to run twice).

- demo-policy-officer (政策专员 of the demo resident's community) and
  demo-policy-reviewer (政策审核员 of its subdistrict);
- residents of the community whose committee keeps their household
  registration and care tags, and who wrote about their needs in their own
  words (a few as real 身边事 posts, most as earlier behaviour), folded into
  their demand profiles by the same job the worker runs;
- 既有多层住宅加装电梯补贴: matched, submitted, reviewed (one name struck with a
  reason) and sent by 信箱 and reminder; demo-resident received it;
- 老年助餐服务补贴: a draft whose matches, with their evidence, the officer sees;
- 临时救助: a list submitted and waiting for the reviewer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from shequtong.accounts import population, scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.boards import services as board_services
from shequtong.common import clock
from shequtong.common.idcard import make_id_number
from shequtong.demo import district as D
from shequtong.demo.otp import enrol_demo_staff
from shequtong.demo.rural import _account
from shequtong.places import services as places_services
from shequtong.places.models import Community
from shequtong.policy import services, store
from shequtong.policy.conditions import age_on
from shequtong.policy.models import DemandProfile, Entry, Policy

ELEVATOR = ("既有多层住宅加装电梯补贴",
            "支持老旧多层住宅加装电梯，解决居民上下楼难。本区户籍业主可申请加梯补贴，街镇提供加梯意见征询和代建服务。")
MEAL = ("老年助餐服务补贴",
        "为解决老年人吃饭难问题，本区户籍、年满60周岁的独居、空巢或孤寡老人，可在社区助餐点享受用餐补贴，"
        "行动不便的提供送餐上门服务。")
RELIEF = ("临时救助",
          "对因突发事件、意外事故、重大疾病等原因导致基本生活暂时出现严重困难的本区户籍家庭，给予临时救助。")
SERVICE = "请到居委会或街镇社区事务受理服务中心咨询办理，也可在社区通回复预约上门。"

# What residents said (posts as 身边事, the rest as earlier behaviour), by need.
SAYINGS = {
    "elevator": ["住六楼腿脚不好，天天爬楼梯太累了", "老楼没电梯，下楼买个菜要歇好几回", "我们楼想加装电梯，不知道怎么征询意见"],
    "meal": ["一个人住，年纪大了做饭不方便", "天天吃泡饭凑合，想有个吃饭的地方", "社区助餐点能不能送餐上门"],
    "relief": ["家里揭不开锅了，居委能帮忙吗", "突然生了大病，住院费交不起", "老伴走了，家里一下子没了收入"],
    "noise": ["小区垃圾分类做得不错", "停车位太少了", "电梯又坏了，物业快来修", "楼上装修太吵"],
}


NEIGHBOURS = ("钱阿婆", "孙老伯", "李桂英", "周德明", "吴秀兰", "郑国强", "王美华", "冯志刚", "陈素珍", "褚建国",
              "卫红梅", "蒋海平", "沈丽娟", "韩永福", "杨翠英", "朱卫东", "秦晓燕", "尤立新", "许金宝", "何玉兰",
              "吕建平", "施桂芳", "张国华", "孔丽萍")


def _neighbour(n: int, name: str, home: Community, password: str) -> User:
    """A resident of the demo community (seed_demo spreads its residents over 568 communities: few live here)."""
    username = f"demo-neighbour-{n}"
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    # Half of them are 62-88, the rest 28-55: the policies' age conditions have someone on each side.
    birth = dt.date(1938 + (n * 7) % 26, 1 + n % 12, 1 + n % 28) if n % 2 == 0 else \
        dt.date(1971 + (n * 5) % 27, 1 + n % 12, 1 + n % 28)
    id_number = make_id_number("310113", birth, 600 + n)
    phone = f"1371650{n:04d}"
    user = User.objects.create(
        username=username, real_name=name, password=password, id_number=id_number,
        id_number_index=account_services.id_number_index(id_number), phone=phone,
        phone_index=account_services.phone_index(phone), birth_date=birth, sex="M" if n % 3 else "F")
    now = clock.now()
    RoleGrant.objects.create(user=user, role=Role.RESIDENT, subdistrict_id=home.subdistrict_id, community=home)
    Membership.objects.create(user=user, community=home, estate=home.estates.first(),
                              status=Membership.Status.APPROVED, requested_at=now - dt.timedelta(days=30),
                              reviewed_at=now - dt.timedelta(days=29), review_seconds=3600)
    places_services.bump(home, "residents")
    return user


def _grant_subdistrict(user: User, role: str, subdistrict_id: int) -> None:
    if not RoleGrant.objects.filter(user=user, role=role, subdistrict_id=subdistrict_id).exists():
        RoleGrant.objects.create(user=user, role=role, subdistrict_id=subdistrict_id)


def _say(user: User, need: str, n: int, days: int) -> None:
    for i, text in enumerate(SAYINGS[need][:n]):
        services.record_behaviour(user=user, kind="post" if i % 2 == 0 else "reply", text=text,
                                  at=clock.now() - dt.timedelta(days=days + 9 * i))


def seed_demo_policy() -> dict[str, int]:
    """Create the demo content; returns what was created (all zero when it exists or without seed_demo)."""
    made = {"accounts": 0, "residents": 0, "policies": 0, "sent": 0}
    resident = User.objects.filter(username="demo-resident").first()
    staff = User.objects.filter(username="demo-staff").first()
    home = scope.home_community(resident) if resident else None
    if resident is None or staff is None or home is None or Policy.objects.filter(title=ELEVATOR[0]).exists():
        return made
    password = make_password(D.DEMO_PASSWORD)
    with transaction.atomic():
        before = User.objects.count()
        # Sequence numbers after seed_demo_rural's (21-26): the phone and ID number follow from them.
        officer = _account("demo-policy-officer", "蒋政芳", 27, [(Role.POLICY_OFFICER, home)], password)
        reviewer = _account("demo-policy-reviewer", "许审明", 28, [], password)
        _grant_subdistrict(reviewer, Role.POLICY_REVIEWER, home.subdistrict_id)
        made["accounts"] = User.objects.count() - before
        enrol_demo_staff([officer.username, reviewer.username])

        neighbours = [_neighbour(n, name, home, password) for n, name in enumerate(NEIGHBOURS, start=1)]
        population.refresh([home.pk])  # their memberships were written directly: the observers' rollups follow
        today = clock.now().date()
        elderly = [u for u in neighbours if (age_on(services.profile_for(u, home).birth_date, today) or 0) >= 60]
        younger = [u for u in neighbours if u not in elderly]
        # The committee keeps registration and care tags (every change is recorded).
        tags: dict[int, tuple[str, list[str]]] = {resident.pk: ("本区", [])}
        for n, u in enumerate(elderly):
            tags[u.pk] = ("本区" if n % 5 else "外省市", [["独居"], ["空巢"], ["孤寡", "慢性病"], []][n % 4])
        for n, u in enumerate(younger):
            tags[u.pk] = ("本区" if n % 6 else "外区", [["低收入"], ["失业"], [], ["婴幼儿家庭"]][n % 4])
        for uid, (hukou, care) in tags.items():
            services.set_care_tags(actor=staff, profile_id=services.profile_for(User.objects.get(pk=uid), home).pk,
                                   tags=care, hukou=hukou)
        # What they said: the demo resident and a few neighbours as real 身边事 posts, the rest as history.
        board_services.create_post(actor=resident, community_id=home.pk, board="neighbours", title="老楼加装电梯",
                                   body="住五楼，老人腿脚不好，天天爬楼梯太累了，我们楼想加装电梯")
        for n, u in enumerate(neighbours):
            if n % 3 != 2:
                _say(u, "elevator", 1 + n % 3, 20 + n)
            if u in elderly and n % 3 != 1:
                _say(u, "meal", 1 + n % 3, 30 + n)
            if u in younger and n % 3 != 0:
                _say(u, "relief", 1 + n % 3, 15 + n)
            _say(u, "noise", 2, 40 + n)
        for n, u in enumerate(neighbours[:3]):
            board_services.create_post(actor=u, community_id=home.pk, board="neighbours", title="说说家里的难处",
                                       body=SAYINGS["meal" if u in elderly else "relief"][n % 3])
        services.refresh_profiles()
        made["residents"] = len(tags)

        scoped = DemandProfile.objects.filter(community=home, user__isnull=False)

        def matched(policy: Policy, top: int) -> list[int]:
            _a, matches = store.match(policy.title, policy.text, services.conditions_of(policy), scoped, top=top)
            return [int(m.resident) for m in matches if m.evidence]

        elevator = services.create_policy(actor=officer, title=ELEVATOR[0], text=ELEVATOR[1], service=SERVICE,
                                          community_id=home.pk)
        ids = matched(elevator, 8)
        mine = services.profile_for(resident, home).pk
        ids = [mine, *[i for i in ids if i != mine]][:8]
        services.submit_list(actor=officer, policy_id=elevator.pk, profile_ids=ids)
        struck = Entry.objects.filter(policy=elevator).exclude(profile_id=mine).order_by("id").last()
        if struck is not None:
            services.review_entry(actor=reviewer, policy_id=elevator.pk, entry_id=struck.pk, confirm=False,
                                  reason="已享受同类补贴")
        services.complete_review(actor=reviewer, policy_id=elevator.pk)
        made["sent"] = services.send_policy(actor=reviewer, policy_id=elevator.pk, channels=["inbox", "reminder"])

        services.create_policy(actor=officer, title=MEAL[0], text=MEAL[1], service=SERVICE, community_id=home.pk)
        relief = services.create_policy(actor=officer, title=RELIEF[0], text=RELIEF[1], service=SERVICE,
                                         community_id=home.pk)
        relief_ids = matched(relief, 5)
        if relief_ids:
            services.submit_list(actor=officer, policy_id=relief.pk, profile_ids=relief_ids)
        made["policies"] = 3
    return made


def summary(made: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in made.items())
