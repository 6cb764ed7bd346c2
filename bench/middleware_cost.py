"""What each middleware costs a request, in process: wall time between probes put around every layer.

    python bench/middleware_cost.py --db shequtong_full --op like [--requests 300]

Runs one operation of the mix (bench/mix.py) as the prepared users of var/bench/<db>.cpu-plan.json
(bench/cpurun.py or bench/prepare.py makes it) through Django's test client, with a probe between
every two entries of settings.MIDDLEWARE. A middleware's own time is the time from its probe to the
next one on the way in plus the time from the next one back to its probe on the way out, so what
runs inside it (the view, the access rule's session and identity look-ups in process_view) is not
counted against it. The access log goes nowhere here (gunicorn's run writes it). Start a Redis on
--redis-port first (as pageab.py does): the sessions and identities are read from it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

STAMPS: list[tuple[str, int, int]] = []


class Probe:
    def __init__(self, get_response: Callable[[Any], Any], index: int) -> None:
        self.get_response, self.index = get_response, index

    def __call__(self, request: Any) -> Any:
        STAMPS.append(("in", self.index, time.perf_counter_ns()))
        response = self.get_response(request)
        STAMPS.append(("out", self.index, time.perf_counter_ns()))
        return response


def probe_factory(index: int) -> Callable[[Callable[[Any], Any]], Probe]:
    return lambda get_response: Probe(get_response, index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--op", default="like", help="an operation of bench/mix.py")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--redis-port", type=int, default=6397)
    args = parser.parse_args()
    os.chdir(ROOT)
    import server

    os.environ.update(server.bench_env(args.db, args.redis_port))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequtong.settings"
    import logging

    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.CRITICAL)
    from common import send_in_process
    from django.test import Client

    names = list(settings.MIDDLEWARE)
    probed: list[str] = []
    for i in range(len(names) + 1):  # a module per probe: MIDDLEWARE holds dotted paths
        module = type(sys)(f"_middleware_probe{i}")
        module.Probe = probe_factory(i)  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
        probed.append(f"{module.__name__}.Probe")
        if i < len(names):
            probed.append(names[i])
    settings.MIDDLEWARE = probed

    plan = json.loads((server.VAR / f"{args.db}.cpu-plan.json").read_text(encoding="utf-8"))
    committee = args.op in ("case_list", "case_update")
    users = [u for u in plan["users"] if (u["role"] == "committee") == committee]
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(1)

    def once(i: int) -> None:
        send_in_process(client, plan, args.op, users[i % len(users)], rng)

    for i in range(args.requests):  # warm: handlers, kept values, prepared shapes
        once(i)
    own = dict.fromkeys(names, 0)
    inside = 0
    started = time.perf_counter_ns()
    for i in range(args.requests):
        STAMPS.clear()
        once(i)
        at = {(kind, index): t for kind, index, t in STAMPS}
        for j, name in enumerate(names):
            own[name] += (at[("in", j + 1)] - at[("in", j)]) + (at[("out", j)] - at[("out", j + 1)])
        inside += at[("out", len(names))] - at[("in", len(names))]
    wall = (time.perf_counter_ns() - started) / args.requests / 1e3
    print(f"| middleware ({args.op}, {args.requests} requests) | µs a request |\n|---|---:|")
    for name in names:
        print(f"| {name} | {own[name] / args.requests / 1e3:.1f} |")
    print(f"| **all middleware** | **{sum(own.values()) / args.requests / 1e3:.1f}** |")
    print(f"| the view, with the access rule's look-ups | {inside / args.requests / 1e3:.1f} |")
    print(f"| the whole request in the test client | {wall:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
