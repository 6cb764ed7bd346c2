"""Helpers shared by the load generator, the SQL-limit driver and the profiler (no HTTP client imported)."""

from __future__ import annotations

import asyncio
import random
import resource
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
