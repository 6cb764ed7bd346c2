"""宝山圈's three tabs on a benchmark database, in-process: what each costs one observer.

    python bench/feed_times.py --db shequtong_full [--calls 10]

For the first district and the first subdistrict observer: `feed.items` (最新), `feed.hot`
(最热) ranked at request with an empty cache and then served from the worker's ranking
(`feed.rank_hot`, the `observe.hot` job), and `feed.followed` (我关注的); median and max of
--calls calls each, SQL included. One process, local-memory cache (no Redis needed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import server  # noqa: E402


def timed(fn: Callable[[], object], n: int) -> str:
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1000)
    return f"median {statistics.median(xs):.0f} ms, max {max(xs):.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    os.environ.update(server.bench_env(args.db, None))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequtong.settings"
    import django

    django.setup()
    from django.core.cache import cache

    from shequtong.accounts.models import RoleGrant
    from shequtong.accounts.roles import Role
    from shequtong.observe import feed

    for role in (Role.DISTRICT_OBSERVER, Role.SUBDISTRICT_OBSERVER):
        user = RoleGrant.objects.filter(role=role).select_related("user").first().user  # type: ignore[union-attr]
        print(f"{role} 最新: {timed(lambda u=user: feed.items(u), args.calls)}")
        cache.clear()
        t0 = time.perf_counter()
        feed.hot(user)
        print(f"{role} 最热 ranked at request: {(time.perf_counter() - t0) * 1000:.0f} ms")
        feed.rank_hot()
        print(f"{role} 最热 from the ranking: {timed(lambda u=user: feed.hot(u), args.calls)}")
        print(f"{role} 我关注的: {timed(lambda u=user: feed.followed(u), args.calls)}")
    t0 = time.perf_counter()
    n = feed.rank_hot()
    print(f"rank_hot, {n} scopes: {(time.perf_counter() - t0) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
