"""Test data through the real models and services.

`Tree` is a small jurisdiction tree: two subdistricts, each with an urban and
(one of them) a rural community, each community with two estates.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from shequtong.accounts import scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common.idcard import make_id_number
from shequtong.places.models import Community, CommunityStats, District, Estate, Subdistrict

PASSWORD = "Test@2026pw"
_seq = itertools.count(1)


@dataclass
class Tree:
    district: District
    sub_a: Subdistrict
    sub_b: Subdistrict
    comm_a1: Community  # urban, in sub_a
    comm_a2: Community  # rural, in sub_a
    comm_b1: Community  # urban, in sub_b

    def estate(self, community: Community) -> Estate:
        return community.estates.order_by("id").first()  # type: ignore[return-value]


def make_tree() -> Tree:
    district = District.objects.create(name="宝山区", code="310113")
    sub_a = Subdistrict.objects.create(district=district, name="友谊路街道", kind="street", sort_order=1)
    sub_b = Subdistrict.objects.create(district=district, name="罗店镇", kind="town", sort_order=2)
    comm_a1 = Community.objects.create(subdistrict=sub_a, name="友谊一村居委", kind="urban")
    comm_a2 = Community.objects.create(subdistrict=sub_a, name="沈杨村村委", kind="rural")
    comm_b1 = Community.objects.create(subdistrict=sub_b, name="罗南新村居委", kind="urban")
    for c in (comm_a1, comm_a2, comm_b1):
        CommunityStats.objects.create(community=c, subdistrict=c.subdistrict)
        for n in range(2):
            Estate.objects.create(community=c, name=f"{c.name}{n + 1}号小区" if c.kind == "urban" else f"第{n + 1}村民小组")
    return Tree(district, sub_a, sub_b, comm_a1, comm_a2, comm_b1)


def new_identity() -> tuple[str, str]:
    n = next(_seq)
    # Birth dates cycle through 40 years: a long test session must not reach dates in the future.
    id_number = make_id_number("310113", dt.date(1960, 1, 1) + dt.timedelta(days=(n * 37) % (365 * 40)), 100 + (n % 800))
    phone = f"139{n:08d}"
    return id_number, phone


def make_user(username: str | None = None, *, real_name: str = "张三丰", **extra: Any) -> User:
    id_number, phone = new_identity()
    username = username or f"user{next(_seq)}"
    user = User(
        username=username, real_name=real_name,
        id_number=id_number, id_number_index=account_services.id_number_index(id_number),
        phone=phone, phone_index=account_services.phone_index(phone), **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def grant(user: User, role: str, place: Any = None) -> RoleGrant:
    """Grant directly (test set-up of who holds which role; grant_role itself is tested separately)."""
    kwargs: dict[str, Any] = {}
    if isinstance(place, Subdistrict):
        kwargs = {"subdistrict": place}
    elif isinstance(place, Community):
        kwargs = {"subdistrict_id": place.subdistrict_id, "community": place}
    elif isinstance(place, Estate):
        kwargs = {"subdistrict_id": place.community.subdistrict_id, "community": place.community, "estate": place}
    g = RoleGrant.objects.create(user=user, role=role, **kwargs)
    scope.forget(user)
    return g


def make_with_role(role: str, place: Any = None, username: str | None = None, **kw: Any) -> User:
    user = make_user(username, **kw)
    grant(user, role, place)
    return user


def resident_of(community: Community, username: str | None = None) -> User:
    return make_with_role(Role.RESIDENT, community, username)


# --- boards ---------------------------------------------------------------------------


def image_upload(name: str = "photo.png", *, fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> Any:
    """A real small image as an uploaded file (Pillow draws it)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (217, 51, 46)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def make_post(author: User, community: Community, board: str = "neighbours", **kw: Any) -> Any:
    """A post through the real service (the author must be allowed to publish there)."""
    from shequtong.boards import services as board_services

    kw.setdefault("title", "楼道灯坏了")
    kw.setdefault("body", "3号楼2单元楼道灯不亮，晚上走路不方便。")
    if board == "services" and "offer" not in kw:
        kw["offer"] = board_services.OfferDetails(service_time="每周六上午", place="活动室")
    return board_services.create_post(actor=author, community_id=community.pk, board=board, **kw)


# --- chats and 信箱 ---------------------------------------------------------------------


def resident_of_estate(estate: Estate, username: str | None = None, **kw: Any) -> User:
    """A resident whose grant names the estate (so they are in its 小区群)."""
    return make_with_role(Role.RESIDENT, estate, username, **kw)


def estate_group(estate: Estate) -> Any:
    """The estate's 小区群 (created lazily, as the pages do)."""
    from shequtong.chats import services as chat_services
    from shequtong.chats.models import GroupChat

    chat_services.ensure_estate_groups(estate_ids=[estate.pk])
    return GroupChat.objects.get(estate=estate, kind=GroupChat.Kind.ESTATE)


def chat_message(author: User, group: Any, body: str = "今天小区停水吗？") -> Any:
    """A group message through the real service (the author must be allowed to send there)."""
    from shequtong.chats import services as chat_services

    return chat_services.send_message(actor=author, group_id=group.pk, body=body)


# --- the one test cast ------------------------------------------------------------------

# Every role of accounts/roles.py by one name, in the order the authorisation
# matrix lists them. "A" is tree.comm_a1 (urban, sub_a), "B" is tree.comm_b1
# (urban, sub_b, the other subdistrict); the villager lives in tree.comm_a2
# (rural, sub_a): the same subdistrict as A but another community.
CAST_ROLES: tuple[str, ...] = (
    "anonymous",
    "resident_a", "resident_b", "villager", "party_member_a",
    "staff_a", "staff_b", "secretary_a", "secretary_b",
    "police_a", "doctor_a", "property_a", "owners_a", "social_org", "policy_officer",
    "subdistrict_observer", "subdistrict_observer_other", "service_center", "policy_reviewer",
    "district", "rural_admin", "sysadmin", "security_admin", "audit_admin",
)


@dataclass
class Cast:
    """One person for every role, named for the role and the place (tests/conftest.py: `cast`)."""

    tree: Tree
    resident_a: User                  # resident of A, granted on A's first estate (in its 小区群)
    resident_b: User                  # resident of B, granted on B's first estate
    villager: User                    # resident of comm_a2 (rural, A's subdistrict)
    party_member_a: User              # resident of A's second estate and party member of A
    staff_a: User                     # 社工 of A
    staff_b: User                     # 社工 of B
    secretary_a: User                 # 书记 of A
    secretary_b: User                 # 书记 of B
    police_a: User                    # 社区民警 of A
    doctor_a: User                    # 家庭医生 of A
    property_a: User                  # 物业 of A
    owners_a: User                    # 业委会 of A
    social_org: User                  # 社会组织 in A
    policy_officer: User              # 政策专员 in A
    subdistrict_observer: User        # 街镇观察员 of sub_a (A's subdistrict)
    subdistrict_observer_other: User  # 街镇观察员 of sub_b (B's subdistrict)
    service_center: User              # 社会组织服务中心 of sub_a
    policy_reviewer: User             # 政策审核员 of sub_a
    district: User                    # 区级观察员
    rural_admin: User                 # 农委 (the whole district)
    sysadmin: User                    # 系统管理员
    security_admin: User              # 安全管理员 (三员分立, issue 20)
    audit_admin: User                 # 审计管理员

    @property
    def a(self) -> Community:
        return self.tree.comm_a1

    @property
    def b(self) -> Community:
        return self.tree.comm_b1

    def member(self, name: str) -> User | None:
        """The cast member called `name` ("anonymous" is None)."""
        if name == "anonymous":
            return None
        if name not in CAST_ROLES:
            raise KeyError(name)
        return getattr(self, name)  # type: ignore[no-any-return]

    def members(self) -> dict[str, User | None]:
        return {name: self.member(name) for name in CAST_ROLES}


def make_cast(tree: Tree) -> Cast:
    a, b, a2 = tree.comm_a1, tree.comm_b1, tree.comm_a2
    a_first, a_second = a.estates.order_by("id")[:2]
    party = resident_of_estate(a_second, real_name="党建红")
    grant(party, Role.PARTY_MEMBER, a)
    return Cast(
        tree=tree,
        resident_a=resident_of_estate(a_first, real_name="王小红"),
        resident_b=resident_of_estate(tree.estate(b), real_name="钱多多"),
        villager=resident_of_estate(tree.estate(a2), real_name="张大山"),
        party_member_a=party,
        staff_a=make_with_role(Role.COMMITTEE_STAFF, a, real_name="孙丽华"),
        staff_b=make_with_role(Role.COMMITTEE_STAFF, b, real_name="周志强"),
        secretary_a=make_with_role(Role.COMMITTEE_SECRETARY, a, real_name="陈建国"),
        secretary_b=make_with_role(Role.COMMITTEE_SECRETARY, b, real_name="刘书记"),
        police_a=make_with_role(Role.POLICE, a, real_name="警民通"),
        doctor_a=make_with_role(Role.DOCTOR, a, real_name="林医生"),
        property_a=make_with_role(Role.PROPERTY_MANAGER, a, real_name="物业通"),
        owners_a=make_with_role(Role.OWNERS_COMMITTEE, a, real_name="业委通"),
        social_org=make_with_role(Role.SOCIAL_ORG, a, real_name="社组通"),
        policy_officer=make_with_role(Role.POLICY_OFFICER, a, real_name="政策通"),
        subdistrict_observer=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, real_name="吴晓东"),
        subdistrict_observer_other=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b, real_name="街镇乙"),
        service_center=make_with_role(Role.SERVICE_CENTRE, tree.sub_a, real_name="服务中心"),
        policy_reviewer=make_with_role(Role.POLICY_REVIEWER, tree.sub_a, real_name="审核通"),
        district=make_with_role(Role.DISTRICT_OBSERVER, None, real_name="郑文辉"),
        rural_admin=make_with_role(Role.RURAL_ADMIN, None, real_name="冯海燕"),
        sysadmin=make_with_role(Role.SYSADMIN, None, real_name="管理员"),
        security_admin=make_with_role(Role.SECURITY_ADMIN, None, real_name="安全员"),
        audit_admin=make_with_role(Role.AUDIT_ADMIN, None, real_name="审计员"),
    )
