"""Load the demo district: places, demo accounts, N synthetic residents; `--scale full` loads the specification's size."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q

from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.common.idcard import make_id_number
from shequtong.demo import district as D
from shequtong.demo import fullscale, fullscale_content
from shequtong.demo.otp import enrol_demo_staff
from shequtong.places.models import Community, CommunityStats, District, Estate, Subdistrict


class Command(BaseCommand):
    help = "Load the demo district 宝山区 (13 subdistricts, 568 communities, 788 estates) and synthetic residents."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--residents", type=int, default=None,
                            help="synthetic residents to create (default 3000, or the scale's size)")
        parser.add_argument("--scale", choices=sorted(fullscale.SCALES), default="demo",
                            help="demo: --residents residents; small/medium/full: 20k/100k/800k residents, "
                                 "committee staff in every community (full is the specification's district)")
        parser.add_argument("--no-content", action="store_true",
                            help="people only: no posts, replies, reads, likes (small/medium/full scales)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the district already exists")

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        rng = random.Random(opts["seed"])
        if District.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("demo district already loaded; nothing to do")
                return
            raise CommandError("the database already holds a district; seed_demo loads an empty database only")
        with transaction.atomic():
            district = self._places(rng)
            self._demo_accounts(district)
        scale = fullscale.SCALES[opts["scale"]]
        residents = opts["residents"] if opts["residents"] is not None else (scale.residents or 3000)
        self._residents(residents, rng, scale.staff_per_community)
        self._rollups()
        if scale.content and not opts["no_content"]:
            fullscale_content.load_content(rng, lambda line: self.stdout.write(line),
                                           defer=residents >= fullscale.DEFER_INDEXES_FROM)
        self.stdout.write(self.style.SUCCESS(
            f"demo district loaded: {Subdistrict.objects.count()} subdistricts, {Community.objects.count()} communities, "
            f"{Estate.objects.count()} estates, {User.objects.count()} users in {time.monotonic() - started:.1f}s"
        ))

    # --- places -------------------------------------------------------------
    def _places(self, rng: random.Random) -> District:
        assert sum(s[2] for s in D.SUBDISTRICTS) == D.URBAN_TOTAL
        assert sum(s[3] for s in D.SUBDISTRICTS) == D.RURAL_TOTAL
        district = District.objects.create(name=D.DISTRICT[0], code=D.DISTRICT[1])
        communities: list[Community] = []
        for order, (name, kind, urban, rural) in enumerate(D.SUBDISTRICTS):
            sub = Subdistrict.objects.create(district=district, name=name, kind=kind, sort_order=order)
            names: set[str] = set()
            # The first community of 友谊路街道 is where the demo accounts live.
            while len(names) < urban:
                names.add(rng.choice(D.URBAN_WORDS) + rng.choice(D.URBAN_SUFFIXES) + "居委")
            ordered = sorted(names)
            communities += [Community(subdistrict=sub, name=n, kind=Community.Kind.URBAN) for n in ordered]
            rnames: set[str] = set()
            while len(rnames) < rural:
                rnames.add(rng.choice(D.RURAL_WORDS) + "村村委")
            communities += [Community(subdistrict=sub, name=n, kind=Community.Kind.RURAL) for n in sorted(rnames)]
        Community.objects.bulk_create(communities)
        communities = list(Community.objects.order_by("id"))
        # 788 estates: every community has one, 220 chosen communities a second.
        extra = set(rng.sample(range(len(communities)), D.ESTATE_TOTAL - len(communities)))
        estates = []
        for i, c in enumerate(communities):
            count = 2 if i in extra else 1
            if c.kind == Community.Kind.RURAL:
                estates += [Estate(community=c, name=f"第{n + 1}村民小组") for n in range(count)]
            else:
                words = rng.sample(D.ESTATE_WORDS, count)
                estates += [Estate(community=c, name=c.name.removesuffix("居委") + w) for w in words]
        Estate.objects.bulk_create(estates)
        CommunityStats.objects.bulk_create(
            [CommunityStats(community=c, subdistrict_id=c.subdistrict_id) for c in communities]
        )
        return district

    # --- demo accounts --------------------------------------------------------
    def _demo_accounts(self, district: District) -> None:
        youyi = Subdistrict.objects.get(name="友谊路街道")
        home = Community.objects.filter(subdistrict=youyi, kind=Community.Kind.URBAN).order_by("id").first()
        rural = Community.objects.filter(kind=Community.Kind.RURAL).order_by("id").first()
        assert home is not None and rural is not None
        password = make_password(D.DEMO_PASSWORD)
        people: list[tuple[str, str, int, list[tuple[str, Any]]]] = [
            # username, name, sex digit, grants [(role, place)]
            ("demo-resident", "张晓明", 1, [(Role.RESIDENT, home)]),
            ("demo-villager", "李秀英", 2, [(Role.RESIDENT, rural)]),
            # A 社工 who also lives in the community: 我的 shows the 居民版/居委版 switch.
            ("demo-staff", "王丽华", 4, [(Role.COMMITTEE_STAFF, home), (Role.PARTY_MEMBER, home), (Role.RESIDENT, home)]),
            ("demo-secretary", "陈建国", 3, [(Role.COMMITTEE_SECRETARY, home), (Role.PARTY_MEMBER, home)]),
            ("demo-subdistrict", "刘志强", 5, [(Role.SUBDISTRICT_OBSERVER, youyi)]),
            ("demo-district", "赵文辉", 7, [(Role.DISTRICT_OBSERVER, None), (Role.SYSADMIN, None)]),
            ("demo-rural-admin", "孙海燕", 6, [(Role.RURAL_ADMIN, None)]),
            ("demo-org", "周雅琪", 8, [(Role.SOCIAL_ORG, home)]),
            ("demo-center", "吴宏亮", 9, [(Role.SERVICE_CENTRE, None)]),
            ("demo-police", "郑俊峰", 11, [(Role.POLICE, home)]),
            ("demo-doctor", "黄佳慧", 10, [(Role.DOCTOR, home)]),
            ("demo-property", "徐国强", 13, [(Role.PROPERTY_MANAGER, home)]),
        ]
        now = clock.now()
        for i, (username, name, seq, grants) in enumerate(people):
            id_number = make_id_number("310113", dt.date(1970 + i, 1 + i % 12, 1 + i), 900 + seq)
            phone = f"138000000{i:02d}"
            user = User.objects.create(
                username=username, real_name=name, password=password,
                id_number=id_number, id_number_index=account_services.id_number_index(id_number),
                phone=phone, phone_index=account_services.phone_index(phone),
                birth_date=dt.date(1970 + i, 1 + i % 12, 1 + i), sex="M" if seq % 2 else "F",
            )
            for role, place in grants:
                kwargs: dict[str, Any] = {}
                if isinstance(place, Subdistrict):
                    kwargs = {"subdistrict": place}
                elif isinstance(place, Community):
                    kwargs = {"subdistrict_id": place.subdistrict_id, "community": place}
                RoleGrant.objects.create(user=user, role=role, **kwargs)
                if role == Role.RESIDENT:
                    Membership.objects.create(user=user, community=place, status=Membership.Status.APPROVED,
                                              requested_at=now - dt.timedelta(days=30), reviewed_at=now - dt.timedelta(days=29),
                                              review_seconds=86_000)
        # Staff sign in with a second factor: the demo's is one published secret (demo/otp.py).
        enrol_demo_staff([username for username, *_ in people])
        # A few applicants waiting in the demo committee's review queue.
        for j, name in enumerate(["钱思远", "冯雪梅", "蒋嘉豪"]):
            id_number = make_id_number("310113", dt.date(1985 + j, 3, 8), 700 + j * 2 + 1)
            phone = f"1380000010{j}"
            user = User.objects.create(
                username=f"applicant-{j + 1}", real_name=name, password=password,
                id_number=id_number, id_number_index=account_services.id_number_index(id_number),
                phone=phone, phone_index=account_services.phone_index(phone),
                birth_date=dt.date(1985 + j, 3, 8), sex="M" if j % 2 == 0 else "F",
            )
            Membership.objects.create(user=user, community=home, estate=home.estates.first(),
                                      note="新搬入，申请加入", requested_at=now - dt.timedelta(hours=3 + j * 9))

    # --- synthetic residents (COPY on PostgreSQL, bulk inserts elsewhere) -------
    def _residents(self, n: int, rng: random.Random, staff_per_community: int = 0) -> None:
        fullscale.load_people(n, staff_per_community, rng, lambda line: self.stdout.write(line))

    # --- rollups ----------------------------------------------------------------
    def _rollups(self) -> None:
        """Recompute per-community counters from the grants (seed only; services keep them after)."""
        counts = RoleGrant.objects.filter(community__isnull=False).values("community_id").annotate(
            residents=Count("id", filter=Q(role=Role.RESIDENT)), party=Count("id", filter=Q(role=Role.PARTY_MEMBER))
        )
        rows = {r["community_id"]: r for r in counts}
        stats = list(CommunityStats.objects.all())
        for s in stats:
            r = rows.get(s.community_id, {})
            s.residents = r.get("residents", 0)
            s.party_members = r.get("party", 0)
        CommunityStats.objects.bulk_update(stats, ["residents", "party_members"], batch_size=1000)
