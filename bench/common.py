"""Helpers shared by the load generator, the SQL-limit driver and the profiler (no HTTP client imported)."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from pathlib import Path
from typing import Any


def fill(template: str, values: dict[str, Any]) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", str(v))
    return template


def values_for(user: dict[str, Any], plan: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """What one request acts on: a post of the user's community, a case of their committee, a letter category."""
    values: dict[str, Any] = {}
    if user["posts"]:
        values["post"] = rng.choice(user["posts"])
    if user["cases"]:
        values["case"] = rng.choice(user["cases"])
    subs = plan.get("subcategories") or {}
    if subs:
        category = rng.choice(sorted(subs))
        values["category"] = category
        values["subcategory"] = rng.choice(subs[category])
    return values


def send_in_process(client: Any, plan: dict[str, Any], op: str, user: dict[str, Any], rng: random.Random) -> Any:
    """One request of ``op`` as ``user`` through Django's test client (bench/pageab.py, bench/middleware_cost.py):
    the user's prepared session and CSRF cookies, the plan's URL and form filled in. Returns (url, response)."""
    client.cookies.clear()
    client.cookies[plan["session_cookie"]] = user["session"]
    client.cookies[plan["csrf_cookie"]] = user["csrf"]
    values = values_for(user, plan, rng)
    url, form = fill(plan["urls"][op], values), plan["forms"][op]
    if form is None:
        return url, client.get(url)
    data = {k: fill(v, values) if isinstance(v, str) else v for k, v in form.items()}
    return url, client.post(url, {**data, "csrfmiddlewaretoken": user["csrf"]}, HTTP_X_CSRFTOKEN=user["csrf"])


def run_loop(coro: Any) -> Any:
    """asyncio.run on uvloop when it is installed (less client CPU on a machine shared with the server)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def raise_open_files() -> int:
    """2,000 simulated users hold 2,000 sockets: lift the soft limit on open files to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# --- CPU by process tree (bench/load.py --watch): what the measured window cost each process ---

TICKS = os.sysconf("SC_CLK_TCK")


def tree_pids(root: int) -> list[int]:
    """A process and all its descendants (gunicorn's workers, PostgreSQL's backends, nginx's workers)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(x) for x in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:13]) / TICKS


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of each live process of the tree, by pid."""
    out = {}
    for pid in tree_pids(root):
        try:
            out[pid] = cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / TICKS, sum(ticks[:8]) / TICKS


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def watch_window(watched: dict[str, int], start: float, end: float, result: dict[str, Any]) -> None:
    """CPU seconds each watched process tree, the generator and the machine spent in [start, end).

    A process that starts or ends inside the window counts only from or up to the moment it was seen."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    before = {name: tree_cpu(pid) for name, pid in watched.items()}
    gen0, (busy0, total0), t0 = self_cpu(), machine_busy(), time.monotonic()
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    after = {name: tree_cpu(pid) for name, pid in watched.items()}
    gen1, (busy1, total1), t1 = self_cpu(), machine_busy(), time.monotonic()
    seconds = {name: sum(cpu - before[name].get(pid, cpu) for pid, cpu in after[name].items()) for name in watched}
    seconds["load generator"] = gen1 - gen0
    result.update({"window_seconds": t1 - t0, "cpu_seconds": seconds, "machine_busy_seconds": busy1 - busy0,
                   "machine_cpu_seconds": total1 - total0})
