"""Committee staff with their roles, and residents: real-name people, encrypted on the way in.

Identity is the ID number (GB 11643, common/idcard): a person already on the platform (found
by the ID number's blind index) is not created again, so a re-run changes nothing. The clear
ID number, phone and name exist only in memory between the file and the encrypted columns
(`EncryptedTextField`); blind indexes (accounts/names.py, accounts.services) are computed the
way registration computes them, so an imported resident is found exactly like a registered one.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q

from shequtong.accounts import households, names, population
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import ADMIN_ROLES, MIN_LEVEL, Role
from shequtong.accounts.services import id_number_index, phone_index
from shequtong.common import clock, counters
from shequtong.common.idcard import IdNumberInfo, InvalidIdNumber, parse_id_number
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.common.text import clean_text
from shequtong.places.models import Community, CommunityStats, Estate, Subdistrict

from ..tabular import Column
from .base import Importer, Problem
from .bulk import insert

YES = {"是", "党员", "y", "yes", "1", "true", "√", "✓"}
NO = {"", "否", "n", "no", "0", "false", "群众"}


class PlaceIndex:
    """Every place by name, loaded once (a district has hundreds of communities, thousands of estates)."""

    def __init__(self) -> None:
        self.subs = {s.name: s.pk for s in Subdistrict.objects.all()}
        self.comms: dict[tuple[int, str], tuple[int, str]] = {
            (c["subdistrict_id"], c["name"]): (c["id"], c["kind"])
            for c in Community.objects.values("id", "subdistrict_id", "name", "kind")}
        self.estates = {(e["community_id"], e["name"]): e["id"] for e in Estate.objects.values("id", "community_id", "name")}

    def resolve(self, number: int, row: dict[str, str], *, estate_required: bool,
                community_required: bool = True) -> tuple[tuple[int | None, int | None, int | None], list[Problem]]:
        sub_id = self.subs.get(row.get("subdistrict", ""))
        if sub_id is None:
            return (None, None, None), [Problem(number, "街镇", "辖区中没有这个街镇（请先导入辖区）" if row.get("subdistrict") else "不能为空")]
        if not row.get("community"):
            if community_required:
                return (sub_id, None, None), [Problem(number, "居村委", "不能为空")]
            return (sub_id, None, None), []
        comm = self.comms.get((sub_id, row["community"]))
        if comm is None:
            return (sub_id, None, None), [Problem(number, "居村委", "该街镇下没有这个居村委（请先导入辖区）")]
        estate_name = row.get("estate", "")
        if not estate_name:
            if estate_required:
                label = "村民小组" if comm[1] == Community.Kind.RURAL else "小区"
                return (sub_id, comm[0], None), [Problem(number, "小区/村民小组", f"请填写{label}")]
            return (sub_id, comm[0], None), []
        estate_id = self.estates.get((comm[0], estate_name))
        if estate_id is None:
            return (sub_id, comm[0], None), [Problem(number, "小区/村民小组", "该居村委下没有这个小区/村民小组（请先导入辖区）")]
        return (sub_id, comm[0], estate_id), []


@dataclass
class Person:
    number: int
    real_name: str
    info: IdNumberInfo
    phone: str
    id_index: str
    phone_index: str


class _PeopleImporter(Importer):
    def __init__(self) -> None:
        self.places = PlaceIndex()
        self.seen_ids: dict[str, int] = {}
        self.seen_phones: dict[str, int] = {}

    def person(self, number: int, row: dict[str, str]) -> tuple[Person | None, list[Problem]]:
        problems: list[Problem] = []
        name = clean_text(row["real_name"].strip(), multiline=False)
        if not (2 <= len(name) <= 30):
            problems.append(Problem(number, "姓名", "请填写2至30个字的真实姓名"))
        info = None
        try:
            info = parse_id_number(row["id_number"])
        except InvalidIdNumber as exc:
            problems.append(Problem(number, "身份证号码", str(exc)))
        phone = ""
        try:
            phone = normalise_phone(row["phone"])
        except InvalidPhone as exc:
            problems.append(Problem(number, "手机号码", str(exc)))
        if problems or info is None:
            return None, problems
        id_idx, ph_idx = id_number_index(info.number), phone_index(phone)
        first = self.seen_ids.setdefault(id_idx, number)
        if first != number:
            problems.append(Problem(number, "身份证号码", f"与第{first}行的身份证号码重复"))
        first_phone = self.seen_phones.setdefault(ph_idx, number)
        if first_phone != number and first == number:
            problems.append(Problem(number, "手机号码", f"与第{first_phone}行的手机号码重复"))
        if problems:
            return None, problems
        return Person(number, name, info, phone, id_idx, ph_idx), []

    @staticmethod
    def existing(people: list[Person]) -> tuple[dict[str, int], dict[str, tuple[int, str | None]]]:
        """(user id by ID index, (user id, ID index) by phone index) of the people already on the platform."""
        rows = User.objects.filter(Q(id_number_index__in=[p.id_index for p in people])
                                   | Q(phone_index__in=[p.phone_index for p in people])).values_list(
            "pk", "id_number_index", "phone_index")
        by_id = {idx: pk for pk, idx, _ph in rows if idx}
        by_phone = {ph: (pk, idx) for pk, idx, ph in rows if ph}
        return by_id, by_phone

    def create_users(self, people: list[Person], *, staff: bool) -> dict[str, int]:
        """New accounts for `people` (none of them on the platform yet); user id by ID index.

        No usable password: a resident claims the account through registration's SMS check or a
        reset; a staff member gets a first password from the security administrator
        (工作人员账户 → 重置密码) and must change it at the first sign-in.
        """
        now = clock.now()
        objs = []
        for p in people:
            clean, masked, grams = names.derived(p.real_name)
            objs.append(User(
                username=("s" if staff else "r") + p.id_index[:15], real_name=clean, masked_name=masked,
                real_name_grams=grams, id_number=p.info.number, id_number_index=p.id_index, phone=p.phone,
                phone_index=p.phone_index, birth_date=p.info.birth_date, sex=p.info.sex,
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30), date_joined=now, must_change_password=staff,
            ))
        insert(User, objs)
        return {p.id_index: u.pk for p, u in zip(people, objs, strict=True)}

    def sort_out(self, people: list[Person]) -> tuple[dict[str, int], list[Person], list[Problem]]:
        """Who is already here, who is new, and whose phone belongs to another person already."""
        by_id, by_phone = self.existing(people)
        new: list[Person] = []
        problems: list[Problem] = []
        for p in people:
            owner = by_phone.get(p.phone_index)
            if owner is not None and owner[1] != p.id_index:
                problems.append(Problem(p.number, "手机号码", "该手机号码已被平台上的另一位用户使用"))
                by_id.pop(p.id_index, None)
                continue
            if p.id_index not in by_id:
                new.append(p)
        return by_id, new, problems


@dataclass
class ResidentRecord:
    person: Person
    subdistrict_id: int
    community_id: int
    estate_id: int
    building: str
    room: str
    party: bool


class ResidentImporter(_PeopleImporter):
    kind = "residents"
    title = "居民"
    columns = (
        Column("real_name", "姓名", example="张三"),
        Column("id_number", "身份证号码", help="18位，按 GB 11643 校验", example="310113198001010011"),
        Column("phone", "手机号码", help="11位手机号码", example="13800000000"),
        Column("subdistrict", "街镇", example="友谊路街道"),
        Column("community", "居村委", example="宝林一村居委会"),
        Column("estate", "小区/村民小组", example="宝林一村"),
        Column("building", "楼号", required=False, example="12"),
        Column("room", "室号", required=False, example="301"),
        Column("party", "党员", required=False, help="是或否，不填为否", example="否"),
    )
    batch_size = 1000

    def check(self, number: int, row: dict[str, str]) -> tuple[Any, list[Problem]]:
        person, problems = self.person(number, row)
        (sub_id, comm_id, estate_id), place_problems = self.places.resolve(number, row, estate_required=True)
        problems += place_problems
        party = row["party"].strip().lower()
        if party not in YES | NO:
            problems.append(Problem(number, "党员", "请填写“是”或“否”"))
        for key, header in (("building", "楼号"), ("room", "室号")):
            if len(row[key]) > 20:
                problems.append(Problem(number, header, "不能超过20个字"))
        if problems or person is None:
            return None, problems
        assert sub_id and comm_id and estate_id
        return ResidentRecord(person, sub_id, comm_id, estate_id, row["building"], row["room"], party in YES), []

    def apply(self, records: list[ResidentRecord]) -> tuple[Counter[str], list[Problem]]:
        counts: Counter[str] = Counter()
        by_id, new, problems = self.sort_out([r.person for r in records])
        refused = {p.row for p in problems}
        counts["skipped"] += len(refused)
        created_people = {p.id_index for p in new}
        if new:
            by_id.update(self.create_users(new, staff=False))
        wanted = [r for r in records if r.person.number not in refused]
        user_ids = [by_id[r.person.id_index] for r in wanted]
        memberships = {(m.user_id, m.community_id): m for m in Membership.objects.filter(
            user_id__in=user_ids, status__in=[Membership.Status.APPROVED, Membership.Status.PENDING])}
        grants = defaultdict(list)
        for g in RoleGrant.objects.filter(user_id__in=user_ids, role__in=[Role.RESIDENT, Role.PARTY_MEMBER]):
            grants[(g.user_id, g.role, g.community_id)].append(g)
        now = clock.now()
        new_memberships, new_grants, changed_memberships, moved_grants = [], [], [], []
        bumps: Counter[tuple[int, int, str]] = Counter()
        moved_from: set[int | None] = set()
        for r in wanted:
            uid = by_id[r.person.id_index]
            changed = False
            m = memberships.get((uid, r.community_id))
            if m is None:
                new_memberships.append(Membership(
                    user_id=uid, community_id=r.community_id, estate_id=r.estate_id, building=r.building, room=r.room,
                    status=Membership.Status.APPROVED, note="导入", requested_at=now, reviewed_at=now, review_seconds=0))
            elif (m.estate_id, m.building, m.room, m.status) != (r.estate_id, r.building, r.room, Membership.Status.APPROVED):
                if m.status == Membership.Status.PENDING:  # the committee's own list says this person lives here
                    m.status, m.reviewed_at = Membership.Status.APPROVED, now
                    m.review_seconds = max(0, int((now - m.requested_at).total_seconds()))
                moved_from.add(m.estate_id)
                m.estate_id, m.building, m.room = r.estate_id, r.building, r.room
                changed_memberships.append(m)
                changed = True
            resident = grants.get((uid, Role.RESIDENT, r.community_id))
            if not resident:
                new_grants.append(RoleGrant(user_id=uid, role=Role.RESIDENT, subdistrict_id=r.subdistrict_id,
                                            community_id=r.community_id, estate_id=r.estate_id))
                bumps[(r.community_id, r.subdistrict_id, "residents")] += 1
            elif resident[0].estate_id != r.estate_id:
                resident[0].estate_id = r.estate_id
                moved_grants.append(resident[0])
                changed = True
            if r.party and not grants.get((uid, Role.PARTY_MEMBER, r.community_id)):
                new_grants.append(RoleGrant(user_id=uid, role=Role.PARTY_MEMBER, subdistrict_id=r.subdistrict_id,
                                            community_id=r.community_id))
                bumps[(r.community_id, r.subdistrict_id, "party_members")] += 1
                changed = True
            if r.person.id_index in created_people:
                counts["created"] += 1
            else:
                counts["updated" if changed or m is None or not resident else "unchanged"] += 1
        insert(Membership, new_memberships, with_pks=False)
        Membership.objects.bulk_update(changed_memberships, ["estate", "building", "room", "status", "reviewed_at",
                                                             "review_seconds"], batch_size=1000)
        insert(RoleGrant, new_grants, with_pks=False)
        RoleGrant.objects.bulk_update(moved_grants, ["estate"], batch_size=1000)
        for (community_id, subdistrict_id, counter), n in bumps.items():
            counters.increment(CommunityStats, keys={"community_id": community_id}, deltas={counter: n},
                               defaults={"subdistrict_id": subdistrict_id})
        # 户覆盖率: the households of every estate a resident joined, left or moved within.
        households.refresh_covered({m.estate_id for m in new_memberships} | {m.estate_id for m in changed_memberships}
                                   | moved_from)
        # 人口画像: the communities a resident joined or was approved in (accounts.population).
        population.refresh({m.community_id for m in new_memberships} | {m.community_id for m in changed_memberships})
        return counts, problems


# Roles an import may give: community and subdistrict work roles. Residents join through the
# residents import; the three administrators only through bootstrap_district or the security
# administrator (三员分立).
STAFF_ROLES = {str(Role(r).label): r for r in Role.values if r not in ADMIN_ROLES | {Role.RESIDENT, Role.PARTY_MEMBER}}


@dataclass
class StaffRecord:
    person: Person
    role: str
    subdistrict_id: int | None
    community_id: int | None


class StaffImporter(_PeopleImporter):
    kind = "staff"
    title = "工作人员"
    columns = (
        Column("real_name", "姓名", example="李四"),
        Column("id_number", "身份证号码", example="310113198502020022"),
        Column("phone", "手机号码", example="13900000000"),
        Column("subdistrict", "街镇", required=False, help="区级角色不填", example="友谊路街道"),
        Column("community", "居村委", required=False, help="街镇级、区级角色不填", example="宝林一村居委会"),
        Column("role", "角色", help="书记、社工、社区民警、家庭医生、物业、业委会、社会组织、政策专员、街镇观察员、"
               "区级观察员、农委、社会组织服务中心、政策审核员", example="社工"),
    )
    batch_size = 200

    def check(self, number: int, row: dict[str, str]) -> tuple[Any, list[Problem]]:
        person, problems = self.person(number, row)
        role = STAFF_ROLES.get(row["role"])
        if role is None:
            problems.append(Problem(number, "角色", "未知角色，或该角色不能通过导入授予"))
            return None, problems
        level = MIN_LEVEL.get(role, "community")
        sub_id = comm_id = None
        if level == "district":
            if row["subdistrict"] or row["community"]:
                problems.append(Problem(number, "街镇", "区级角色不填街镇和居村委"))
        else:
            (sub_id, comm_id, _e), place_problems = self.places.resolve(
                number, {**row, "estate": ""}, estate_required=False, community_required=level == "community")
            problems += place_problems
            if level == "subdistrict":
                comm_id = None
        if problems or person is None:
            return None, problems
        return StaffRecord(person, role, sub_id, comm_id), []

    def person(self, number: int, row: dict[str, str]) -> tuple[Person | None, list[Problem]]:
        # One person may hold several roles: the same ID number on several rows is not a duplicate.
        self.seen_ids.clear()
        self.seen_phones.clear()
        return super().person(number, row)

    def apply(self, records: list[StaffRecord]) -> tuple[Counter[str], list[Problem]]:
        from shequtong.accounts import audit
        from shequtong.accounts.models import AuditEvent

        counts: Counter[str] = Counter()
        unique = {r.person.id_index: r.person for r in records}
        by_id, new, problems = self.sort_out(list(unique.values()))
        refused = {p.row for p in problems}
        created_people = {p.id_index for p in new}
        if new:
            by_id.update(self.create_users(new, staff=True))
        for r in records:
            if r.person.number in refused or r.person.id_index not in by_id:
                counts["skipped"] += 1
                continue
            uid = by_id[r.person.id_index]
            grant, made = RoleGrant.objects.get_or_create(
                user_id=uid, role=r.role, subdistrict_id=r.subdistrict_id, community_id=r.community_id, estate=None)
            if made:
                audit.record(AuditEvent.Action.ROLE_GRANT, target=grant.user,
                             detail={"role": r.role, "subdistrict_id": r.subdistrict_id,
                                     "community_id": r.community_id, "via": "import"})
            counts["created" if r.person.id_index in created_people else "updated" if made else "unchanged"] += 1
        return counts, problems
