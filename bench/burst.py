"""A burst on the draw endpoint (issue 17, LQ-6): 2,000 simulated players press 抽奖 at once.

    python bench/burst.py                      # 2,000 players, 1 press each, 200 in flight
    python bench/burst.py --players 500 --presses 2 --in-flight 100 --workers 2 --threads 4

Steps: a fresh PostgreSQL database (dropped at the end unless --keep-db),
migrate, one community with ``--players`` residents and an API token each,
a running lottery (stock 50, each player may draw ``--presses`` times);
gunicorn (bench/server.py, DEBUG off) with ``--workers`` × ``--threads``;
then every player presses at once (aiohttp, ``--in-flight`` connections,
each press with its own ``Idempotency-Key``). Reported: draws per second,
p50/p95/p99 latency, answers by status, and the database checked afterwards
(draws recorded = 201 answers, wins = prizes drawn ≤ stock, nobody over the
limit). Results land in var/bench/burst-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
import psycopg  # noqa: E402
import server  # noqa: E402
import stats  # noqa: E402

ROOT = server.ROOT
PY = str(ROOT / ".venv" / "bin" / "python")

SETUP = r'''
import datetime as dt, json, sys
import django
django.setup()
from shequtong.accounts import services as account_services
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.campaigns import services as campaigns
from shequtong.common import clock
from shequtong.places.models import Community, CommunityStats, District, Subdistrict

players, presses = int(sys.argv[1]), int(sys.argv[2])
district = District.objects.create(name="宝山区", code="310113")
sub = Subdistrict.objects.create(district=district, name="友谊路街道", kind="street", sort_order=1)
community = Community.objects.create(subdistrict=sub, name="友谊一村居委", kind="urban")
CommunityStats.objects.create(community=community, subdistrict=sub)
staff = User.objects.create(username="burst-staff", real_name="孙丽华")
RoleGrant.objects.create(user=staff, role=Role.COMMITTEE_STAFF, subdistrict=sub, community=community)
users = User.objects.bulk_create([User(username=f"burst{i}", real_name="王小红") for i in range(players)])
RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.RESIDENT, subdistrict=sub, community=community) for u in users])
lottery = campaigns.create_lottery(actor=staff, data=campaigns.LotteryInput(
    community_id=community.pk, theme="并发抽奖", starts_at=clock.now() - dt.timedelta(minutes=1),
    ends_at=clock.now() + dt.timedelta(hours=2), expected_participants=players, draws_total=presses,
    draws_per_day=presses, prizes=(campaigns.PrizeInput("一等奖", 10), campaigns.PrizeInput("二等奖", 40)),
    rules=("并发测试",)))
campaigns.publish_lottery(actor=staff, lottery_id=lottery.pk)
tokens = [account_services.create_api_token(actor=u, name="burst", token_scope="write")[1] for u in users]
print(json.dumps({"lottery": lottery.pk, "tokens": tokens}))
'''

CHECK = r'''
import json, sys
import django
django.setup()
from django.db.models import Max, Sum
from shequtong.campaigns.models import Draw, Player, Prize
lottery = int(sys.argv[1])
print(json.dumps({
    "draws": Draw.objects.filter(lottery_id=lottery).count(),
    "wins": Draw.objects.filter(lottery_id=lottery, prize__isnull=False).count(),
    "prizes_drawn": Prize.objects.filter(lottery_id=lottery).aggregate(n=Sum("drawn"))["n"],
    "stock": Prize.objects.filter(lottery_id=lottery).aggregate(n=Sum("quantity"))["n"],
    "max_draws_per_person": Player.objects.filter(lottery_id=lottery).aggregate(m=Max("draws"))["m"],
}))
'''


def django_run(env: dict[str, str], code: str, *args: str) -> Any:
    out = subprocess.run([PY, "-c", code, *args], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "shequtong.settings"},
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def burst(base: str, lottery: int, tokens: list[str], presses: int, in_flight: int) -> tuple[list[stats.Sample], float]:
    samples: list[stats.Sample] = []
    connector = aiohttp.TCPConnector(limit=in_flight)
    url = f"{base}/api/v1/campaigns/lotteries/{lottery}/draws"
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def press(token: str) -> None:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
            start = time.perf_counter()
            async with session.post(url, headers=headers, json={}) as r:
                await r.read()
                samples.append(stats.Sample("draw", "insert", time.perf_counter() - start, r.status == 201,
                                            at=time.perf_counter(), status=r.status))

        began = time.perf_counter()
        await asyncio.gather(*(press(t) for t in tokens for _ in range(presses)))
        return samples, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--presses", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--db", default="shequtong_burst")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    admin = psycopg.connect(f"{server.PG}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    admin.execute(f'CREATE DATABASE "{args.db}"')
    env = server.bench_env(args.db, None)
    proc = None
    try:
        print("migrating …", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        print(f"creating {args.players} players …", flush=True)
        setup = django_run(env, SETUP, str(args.players), str(args.presses))
        proc = server.start_server(env, args.port, args.workers, args.threads)
        base = f"http://127.0.0.1:{args.port}"
        server.wait_ready(base, proc=proc)
        print(f"burst: {args.players} players × {args.presses} presses, {args.in_flight} in flight …", flush=True)
        samples, seconds = asyncio.run(burst(base, setup["lottery"], setup["tokens"], args.presses, args.in_flight))
        check = django_run(env, CHECK, str(setup["lottery"]))
    finally:
        server.stop(proc)
        if not args.keep_db:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    statuses = Counter(s.status for s in samples)
    ok = [s.latency for s in samples if s.status == 201]
    result = {
        "players": args.players, "presses": args.presses, "in_flight": args.in_flight,
        "server": f"gunicorn {args.workers} workers × {args.threads} threads", "cpus": os.cpu_count(),
        "seconds": round(seconds, 2), "draws_per_second": round(len(ok) / seconds, 1),
        "p50_ms": round(stats.percentile(ok, 50) * 1000, 1), "p95_ms": round(stats.percentile(ok, 95) * 1000, 1),
        "p99_ms": round(stats.percentile(ok, 99) * 1000, 1), "statuses": dict(statuses), "database": check,
        "correct": check["draws"] == statuses.get(201, 0) and check["wins"] == check["prizes_drawn"] <= check["stock"]
        and (check["max_draws_per_person"] or 0) <= args.presses,
    }
    out = ROOT / "var" / "bench" / f"burst-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["correct"] and not any(s >= 500 for s in statuses) else 1


if __name__ == "__main__":
    raise SystemExit(main())
