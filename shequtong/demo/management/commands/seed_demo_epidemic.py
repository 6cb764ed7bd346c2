"""疫情防控 for the demo district: clues, help requests and archives in every state (run after seed_demo; safe twice).

The demo community gets clues and help requests in each response status (one
help request turned into a case), archives in each state (one of them the
demo resident's own, one their family's), a week of daily reports and one
estate with a fever warning. A few communities in each subdistrict get
answered clues, so the observers' figures and response times have numbers.
Dates are moved into the past the way seed_demo_cases does: only on rows this
command just wrote.
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
from shequtong.common import clock
from shequtong.common.idcard import make_id_number
from shequtong.epidemic import services
from shequtong.epidemic.models import HealthArchive, Report, ReportEvent
from shequtong.places.models import Community, Subdistrict

MARKER = "3号楼有从外地返沪人员未按要求报备"

CLUES = [
    # (kind, content, hours ago, steps)
    ("clue", MARKER, 3, []),
    ("clue", "小区东门快递点人员聚集，未戴口罩", 30, [("accept", "已联系物业加强现场管理")]),
    ("clue", "12号楼有居民发热未就医", 52, [("accept", "已电话联系本人"), ("progress", "")]),
    ("clue", "菜场有摊主健康码异常仍在营业", 100, [("accept", "已通报市场监管所"), ("finish", "经核实已停业整改，摊主已居家观察")]),
    ("help", "独居老人居家隔离，家中缺少常用降压药", 5, []),
    ("help", "家中孩子需要定期到医院复诊，居家观察期间如何出行", 28, [("accept", "已联系社区卫生服务中心")]),
    ("help", "隔离期间生活垃圾无人上门收取", 60, [("accept", "已安排志愿者"), ("progress", "志愿者每天上午上门收取")]),
    ("help", "需要代购婴儿奶粉", 120, [("accept", "收到"), ("finish", "志愿者已代购送达")]),
    ("help", "居家隔离期间透析治疗需要专车接送", 80, [("accept", "已上报街镇协调")]),  # → a case
]


class Command(BaseCommand):
    help = "Load 疫情防控 demo data (after seed_demo): clues, help requests and archives in every state."

    def add_arguments(self, parser: Any) -> None:
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
        if Report.objects.filter(community=home, content=MARKER).exists():
            self.stdout.write("demo epidemic data already loaded; nothing to do")
            return
        rng = random.Random(opts["seed"])  # noqa: S311 - reproducible demo data, not security
        with transaction.atomic():
            reports = self._reports(home, resident, staff, secretary)
            archives = self._archives(home, resident, staff, rng)
            spread = self._district(rng, exclude=home)
        self.stdout.write(self.style.SUCCESS(
            f"demo epidemic data loaded: {reports} clues and help requests and {archives} archives in {home.name}, "
            f"{spread} clues across the district"))

    # --- clues and help requests -------------------------------------------------------------

    def _report(self, actor: User, community: Community, kind: str, content: str, hours_ago: int,
                steps: list[tuple[str, str]], responder: User, building: str = "3") -> Report:
        estate = community.estates.order_by("id").first()
        assert estate is not None
        report = services.submit_report(actor=actor, kind=kind, data=services.ReportInput(
            community_id=community.pk, estate_id=estate.pk, occurred_at=clock.now() - dt.timedelta(hours=hours_ago + 1),
            content=content, contact_name=actor.real_name or "居民", contact_phone=actor.phone or "13800000000",
            building=building, room="201"))
        for action, note in steps:
            services.respond_report(actor=responder, kind=kind, report_id=report.pk, action=action, note=note)
        _shift_report(report, hours_ago)
        return report

    def _reports(self, home: Community, resident: User, staff: User, secretary: User) -> int:
        made = 0
        for kind, content, hours, steps in CLUES:
            report = self._report(resident, home, kind, content, hours, steps, secretary)
            made += 1
            if content.startswith("居家隔离期间透析"):
                services.help_request_to_case(actor=secretary, report_id=report.pk, category="social",
                                              note="需街镇协调医疗转运")
        # The committee reports too (居村委上报).
        self._report(staff, home, "clue", "巡查发现12号楼楼道有外来人员临时居住", 8, [], secretary, building="12")
        return made + 1

    # --- archives ----------------------------------------------------------------------------

    def _archives(self, home: Community, resident: User, staff: User, rng: random.Random) -> int:
        estates = list(home.estates.order_by("id"))
        today = clock.today()
        people = [
            # (name, reason, started days ago, final move, account?, relation, estate index)
            ("王秀英", "home_isolation", 6, "", True, "本人", 0),
            ("王建国", "home_isolation", 6, "", True, "父亲", 0),
            ("李春梅", "health_management", 10, "", False, "", 0),
            ("赵志刚", "home_isolation", 12, "confirm", False, "", min(1, len(estates) - 1)),
            ("孙丽娟", "health_management", 14, "release", False, "", min(1, len(estates) - 1)),
            ("周强", "home_isolation", 3, "", False, "", min(1, len(estates) - 1)),
            ("吴敏", "health_management", 0, "", False, "", 0),
        ]
        made = []
        for n, (name, reason, started, move, own, relation, e) in enumerate(people):
            archive = services.create_archive(actor=staff, data=services.ArchiveInput(
                community_id=home.pk, estate_id=estates[e].pk, person_name=name,
                id_number=make_id_number("310113", dt.date(1950 + n * 7, 3, 1 + n), 201 + n * 2),
                phone=f"1390021{n:04d}", reason=reason, started_on=today - dt.timedelta(days=started),
                building=str(3 + n), room=f"{n + 1}02", contacts=f"家属 1390031{n:04d}",
                account_phone=resident.phone if own else "", relation=relation if own else ""))
            made.append(archive)
            # Recorded when the observation began (the missed-report rule looks at when an archive existed).
            HealthArchive.objects.filter(pk=archive.pk).update(
                created_at=clock.day_start(archive.started_on) + dt.timedelta(hours=9))
            # A week of daily reports, normal; the last few days left to the demo.
            for back in range(min(started, 6), 0, -1):
                if name == "周强" and back == 1:
                    continue  # missed yesterday: the missed-report warning
                services.record_measurement(actor=resident if own else staff, archive_id=archive.pk,
                                            measured_on=today - dt.timedelta(days=back),
                                            temperature=f"{rng.choice([36.3, 36.5, 36.6, 36.8]):.1f}")
            if move:
                services.move_archive(actor=staff, archive_id=archive.pk, action=move,
                                      note="医院确诊" if move == "confirm" else "观察期满，无异常")
        # Today: one fever (the warning on the first estate) and one normal report.
        services.record_measurement(actor=staff, archive_id=made[2].pk, measured_on=today, temperature="37.8",
                                    symptoms=["cough"], note="电话随访：咳嗽两天")
        services.record_measurement(actor=resident, archive_id=made[0].pk, measured_on=today, temperature="36.5")
        services.record_measurement(actor=staff, archive_id=made[3].pk, measured_on=today, temperature="38.2",
                                    note="确诊后仍每日登记")
        services.scan_missed_reports()
        return len(made)

    # --- across the district (for the observers) --------------------------------------------

    def _district(self, rng: random.Random, *, exclude: Community) -> int:
        made = 0
        for sub in Subdistrict.objects.order_by("sort_order", "id"):
            for community in Community.objects.filter(subdistrict=sub).exclude(pk=exclude.pk).order_by("id")[:2]:
                grants = RoleGrant.objects.filter(community=community)
                reporter = User.objects.filter(pk__in=grants.filter(role=Role.RESIDENT).values("user_id")).first()
                responder = User.objects.filter(
                    pk__in=grants.filter(role=Role.COMMITTEE_SECRETARY).values("user_id")).first()
                reporter = reporter or responder  # a committee without residents yet reports itself (居村委上报)
                if reporter is None or not community.estates.exists():
                    continue
                for _ in range(rng.randint(1, 3)):
                    # The demo scale has no staff outside the demo community: those reports wait for 受理.
                    steps = rng.choice([[], [("accept", "已受理")], [("accept", "已受理"), ("finish", "已处理")]]) \
                        if responder is not None else []
                    report = self._report(reporter, community, rng.choice(["clue", "help"]), "楼道里有人员聚集",
                                          rng.randint(2, 72), steps, responder or reporter)
                    # Answered after a varying delay: the response times differ per committee.
                    if report.accepted_at is not None:
                        _shift_accept(report, rng.randint(10, 600))
                    made += 1
                estate = community.estates.order_by("id").first()
                assert estate is not None
                staff = User.objects.filter(pk__in=grants.filter(role=Role.COMMITTEE_SECRETARY).values("user_id")).first()
                if staff is not None and not HealthArchive.objects.filter(community=community).exists():
                    services.create_archive(actor=staff, data=services.ArchiveInput(
                        community_id=community.pk, estate_id=estate.pk, person_name="陈某", id_number="", phone="",
                        reason=rng.choice(["home_isolation", "health_management"]),
                        started_on=clock.today() - dt.timedelta(days=rng.randint(0, 5))))
        return made


def _shift_report(report: Report, hours: int) -> None:
    """Move a fresh report ``hours`` into the past; each later step one hour after the one before."""
    created = report.created_at - dt.timedelta(hours=hours)
    Report.objects.filter(pk=report.pk).update(created_at=created, occurred_at=created - dt.timedelta(hours=1))
    when = created
    for event in report.events.order_by("id"):
        ReportEvent.objects.filter(pk=event.pk).update(created_at=when)
        if event.kind == "accepted":
            Report.objects.filter(pk=report.pk).update(accepted_at=when)
        if event.kind == "done":
            Report.objects.filter(pk=report.pk).update(done_at=when)
        when += dt.timedelta(hours=1)
    report.refresh_from_db()


def _shift_accept(report: Report, minutes: int) -> None:
    accepted = report.created_at + dt.timedelta(minutes=minutes)
    Report.objects.filter(pk=report.pk).update(accepted_at=accepted)
    ReportEvent.objects.filter(report=report, kind="accepted").update(created_at=accepted)

