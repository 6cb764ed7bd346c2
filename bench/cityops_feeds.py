"""How fast the city operations centre's feeds answer (issue 21; docs/performance.md).

    .venv/bin/python bench/cityops_feeds.py --db shequtong_full --rounds 20 --requests 200 [--days 30]

Against a seeded district (bench/run.py --full --seed-only --keep-db), for each feed:
- cold: the figures computed from the rows and rollups (nothing cached, no snapshot), `--rounds` times;
- snapshot: `--requests` GETs through the whole Django stack with a feed token, the cache cleared
  before each, so each is served from the worker's precomputed answer (services.precompute_feeds,
  run once first; its rows are deleted at the end);
- served: `--requests` GETs as a centre's screens poll (the answer is cached for
  CITYOPS_CACHE_SECONDS, so most are served from the cache).
Prints median and p95 milliseconds of each, one line a feed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="shequtong_full")
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    from server import bench_env  # the seeded database's keys and settings (bench/server.py)

    os.environ.update(bench_env(args.db, None))

    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from shequtong.accounts.models import RoleGrant, User
    from shequtong.cityops import feeds
    from shequtong.cityops.models import FeedSnapshot, FeedToken
    from shequtong.cityops.services import issue_token, precompute_feeds

    admin = User.objects.filter(pk__in=RoleGrant.objects.filter(role="sysadmin").values("user_id")).first()
    if admin is None:
        sys.exit("no 系统管理员 in this database: seed it first (bench/run.py --full --seed-only --keep-db)")
    from django.conf import settings

    settings.CITYOPS_REQUESTS_PER_MINUTE = 10**9
    settings.CITYOPS_PRECOMPUTE_DAYS = [args.days]
    token, key = issue_token(actor=admin, name="bench", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = "/api/v1/cityops/{}?days=" + str(args.days)
    had_snapshots = FeedSnapshot.objects.exists()

    def get(name: str) -> float:
        t = time.perf_counter()
        response = client.get(url.format(name))
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - t) * 1000

    print(f"{'feed':10} {'cold median':>12} {'cold p95':>10} {'snapshot median':>16} {'snapshot p95':>13} "
          f"{'served median':>14} {'served p95':>11}  (ms, {args.days} days)")
    try:
        started = time.perf_counter()
        precompute_feeds()
        print(f"(precompute_feeds: every feed, district and each subdistrict, in {time.perf_counter() - started:.1f} s)")
        for name, fn in feeds.FEEDS.items():
            cold = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                fn(feeds.window(args.days))
                cold.append((time.perf_counter() - t) * 1000)
            snap = []
            for _ in range(args.requests):
                cache.clear()
                snap.append(get(name))
            cache.clear()
            served = [get(name) for _ in range(args.requests)]
            print(f"{name:10} {statistics.median(cold):12.1f} {pct(cold, .95):10.1f} {statistics.median(snap):16.1f} "
                  f"{pct(snap, .95):13.1f} {statistics.median(served):14.1f} {pct(served, .95):11.1f}")
    finally:
        FeedToken.objects.filter(pk=token.pk).delete()
        if not had_snapshots:
            FeedSnapshot.objects.all().delete()


if __name__ == "__main__":
    main()
