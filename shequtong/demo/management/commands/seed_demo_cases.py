"""Letters and cases for the demo district, in every state, some overdue (run after seed_demo; safe to run twice).

The demo community (the one demo-resident lives in) gets a handful of
letters and cases covering each source and status, with dates moved into
the past so the overdue markers and reminders show; communities across the
district get letters and ratings so the observer drill-down has numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.cases import services
from shequtong.cases.models import Case, CaseEvent, CaseRating
from shequtong.common.categories import Category
from shequtong.letters import services as letter_services
from shequtong.letters.defaults import ensure_defaults
from shequtong.letters.models import Letter, SubCategory
from shequtong.notifications import outbox
from shequtong.places.models import Community

MARKER = "小区门口人行道破损"

DEMO_LETTERS = [
    # (by demo-resident?, title, category, sub-category index, content, days ago, actions, stars)
    (True, MARKER, "construction", 0, "小区南门口人行道地砖破损翘起，老人推车经过容易绊倒，请尽快修复。", 20, ["reply", "resolve"], 4),
    (False, "3号楼楼道灯不亮", "community", 0, "3号楼2单元三楼到五楼的楼道灯坏了一周，晚上上下楼很不方便。", 2, [], None),
    (True, "夜间广场舞噪音扰民", "safety", 2, "晚上九点以后广场舞音响仍然很响，影响老人和孩子休息，希望协调时间和音量。", 40, ["accept", "update"], None),
    (False, "希望增加社区助餐点", "social", 0, "小区独居老人多，希望社区增设助餐点或送餐服务。", 100, ["accept", "escalate"], None),
    (True, "建议规范电动车充电", "safety", 1, "不少居民在楼道里给电动车充电，存在火灾隐患，建议建集中充电桩。", 12, ["accept", "resolve"], 5),
    # Resolved and not yet rated: demo-resident can try 评分.
    (True, "垃圾箱房异味大", "construction", 6, "8号楼旁垃圾箱房清运不及时，夏天异味很大，希望增加清运次数。", 6, ["reply", "resolve"], None),
]
NOTES = {
    "reply": "已收到，居委已联系物业和市政养护单位现场查看。",
    "accept": "居委已受理，将尽快核实情况。",
    "update": "已与广场舞队负责人沟通，约定晚上八点半结束，将持续跟进。",
    "escalate": "涉及养老服务设施布点，需街镇和民政部门协调，上报网格化。",
    "resolve": "已处理完毕，感谢您的反映。",
}


def _shift(case: Case, days: int) -> None:
    """Move a fresh case `days` into the past: raised then, each later step three hours after the one before."""
    case.created_at -= dt.timedelta(days=days)
    when = case.created_at
    times = {}
    for event in case.events.order_by("id"):
        times[event.kind] = when
        # History is append-only for the services; the demo only rewrites the dates of rows it just wrote.
        CaseEvent.objects.filter(pk=event.pk).update(created_at=when)
        when += dt.timedelta(hours=3)
    case.updated_at = when
    responded = [t for k, t in times.items() if k in ("accepted", "reply", "update", "escalated", "resolved")]
    case.first_response_at = min(responded) if responded else None
    case.escalated_at = times.get("escalated")
    case.resolved_at = times.get("resolved") if case.resolved_at else None
    case.save(update_fields=["created_at", "updated_at", "first_response_at", "escalated_at", "resolved_at"])
    Letter.objects.filter(case=case).update(created_at=case.created_at)
    if "rated" in times:
        CaseRating.objects.filter(case=case).update(created_at=times["rated"])


class Command(BaseCommand):
    help = "Add demo letters and cases (every source and status, some overdue) to the demo district; safe to run twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--letters", type=int, default=60, help="letters spread over the district (default 60)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **opts: Any) -> None:
        resident = User.objects.filter(username="demo-resident").first()
        secretary = User.objects.filter(username="demo-secretary").first()
        staff = User.objects.filter(username="demo-staff").first()
        if not (resident and secretary and staff):
            self.stdout.write("demo accounts not found: run seed_demo first; nothing to do")
            return
        home = scope.home_community(resident)
        assert home is not None
        if Case.objects.filter(community=home, title=MARKER).exists():
            self.stdout.write("demo cases already loaded; nothing to do")
            return
        ensure_defaults()
        rng = random.Random(opts["seed"])  # noqa: S311 - reproducible demo data, not security
        with transaction.atomic():
            made = self._demo_community(home, resident, secretary, staff, rng)
            spread = self._district(opts["letters"], rng, exclude=home)
        outbox.deliver_due()  # escalations reach the local grid
        letter_services.rebuild_stats()
        self.stdout.write(self.style.SUCCESS(f"demo cases loaded: {made} in {home.name}, {spread} letters across the district"))

    def _neighbours(self, community: Community, n: int, exclude: list[int]) -> list[User]:
        ids = (RoleGrant.objects.filter(role=Role.RESIDENT, community=community).exclude(user_id__in=exclude)
               .order_by("id").values_list("user_id", flat=True)[:n])
        return list(User.objects.filter(pk__in=list(ids)))

    def _demo_community(self, home: Community, resident: User, secretary: User, staff: User, rng: random.Random) -> int:
        neighbours = self._neighbours(home, 3, [resident.pk]) or [resident]
        count = 0
        for i, (by_demo_resident, title, category, sub_index, content, days, actions, stars) in enumerate(DEMO_LETTERS):
            author = resident if by_demo_resident else neighbours[i % len(neighbours)]
            subs = list(SubCategory.objects.filter(category=category, is_active=True).order_by("sort_order", "id"))
            letter = letter_services.submit_letter(actor=author, community=home, category=category,
                                                   subcategory_ids=[subs[sub_index].pk], content=content, title=title)
            case = letter.case
            assert case is not None
            for action in actions:
                case = services.handle_case(actor=secretary, case_id=case.pk, action=action, note=NOTES[action])
            if stars:
                services.rate_case(actor=author, case_id=case.pk, stars=stars, feedback="处理及时，很满意。" if stars == 5 else "")
            _shift(case, days)
            count += 1
        # A committee letter with several sub-categories, resolved.
        subs = list(SubCategory.objects.filter(category="community", is_active=True).order_by("sort_order", "id")[:2])
        letter = letter_services.submit_letter(actor=staff, community=home, category="community", by_committee=True,
                                               subcategory_ids=[s.pk for s in subs], title="小区公共设施老化需整体更新",
                                               content="小区健身器材和休息座椅老化严重，建议纳入年度更新计划。", kind="suggestion")
        assert letter.case is not None
        services.handle_case(actor=secretary, case_id=letter.case.pk, action="accept", note=NOTES["accept"])
        _shift(Case.objects.get(pk=letter.case.pk), 8)
        # A resident's @居委 (no category yet: the committee must tag it when opening it).
        c = services.create_case(actor=resident, community=home, source="mention", category="", title="@居委 5号楼电梯经常停运",
                                 content="@居委 5号楼电梯这周停了三次，楼里老人多，上下楼太难了。", raised_by=resident,
                                 origin_type="reply_mention")
        _shift(c, 0)
        # Committee patrol of a group-chat message, tagged and accepted.
        c = services.create_case(actor=staff, community=home, source="patrol_committee", category="",
                                 title="群里反映地下车库渗水", content="地下车库B区顶部渗水，车辆被污水滴到。",
                                 raised_by=neighbours[0], origin_type="reply_mention")
        services.set_category(actor=secretary, case_id=c.pk, category="construction")
        services.handle_case(actor=secretary, case_id=c.pk, action="accept", note=NOTES["accept"])
        _shift(Case.objects.get(pk=c.pk), 5)
        # A face-to-face problem left unresolved for more than six months.
        c = services.create_case(actor=staff, community=home, source="visit", category="construction", title="加装电梯意见协调",
                                 content="7号楼部分低层住户不同意加装电梯，需要居委组织协商。", raised_by=neighbours[-1])
        services.handle_case(actor=secretary, case_id=c.pk, action="accept", note=NOTES["accept"])
        services.handle_case(actor=secretary, case_id=c.pk, action="update", note="已组织两次协商会，低层住户仍有顾虑。")
        _shift(Case.objects.get(pk=c.pk), 200)
        return count + 4

    def _district(self, n: int, rng: random.Random, exclude: Community) -> int:
        """Letters (and some ratings) in communities across the district, for the observers' drill-down."""
        communities = list(Community.objects.exclude(pk=exclude.pk).order_by("id"))
        if not communities:
            return 0
        subs = {c: list(SubCategory.objects.filter(category=c, is_active=True)) for c in Category.values}
        made = 0
        for _ in range(n):
            community = rng.choice(communities)
            writers = self._neighbours(community, 1, [])
            if not writers:
                continue
            category = rng.choice(Category.values)
            sub = rng.choice(subs[category])
            letter = letter_services.submit_letter(
                actor=writers[0], community=community, category=category, subcategory_ids=[sub.pk],
                content=rng.choice(["希望尽快处理，谢谢。", "这个问题存在很久了，请居委关注。", "建议相关部门研究解决。"]) + "（演示数据）",
                title=f"{sub.name}方面的问题",
            )
            case = letter.case
            assert case is not None
            staff = User.objects.filter(role_grants__role=Role.COMMITTEE_SECRETARY, role_grants__community=community).first()
            if staff is not None and rng.random() < 0.6:
                services.handle_case(actor=staff, case_id=case.pk, action="accept", note="已受理")
                if rng.random() < 0.7:
                    services.handle_case(actor=staff, case_id=case.pk, action="resolve", note="已解决")
                    services.rate_case(actor=writers[0], case_id=case.pk, stars=rng.choice([3, 4, 4, 5, 5]))
            _shift(Case.objects.get(pk=case.pk), rng.randint(0, 150))
            made += 1
        return made
