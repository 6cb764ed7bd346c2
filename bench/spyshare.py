"""Where a worker's CPU goes, from a py-spy raw profile (folded stacks).

    python bench/spyshare.py var/bench/spy.txt [--top 25]

bench/cpurun.py --profile writes the profile. Each sample is given to the most specific
part of the request it was in, looking from the innermost frame outwards (a query built by a
template tag counts as the ORM, not as the template), and the shares are printed with the
functions where most samples were taken. A sampling profiler ranks small, frequent calls
correctly; cProfile does not (docs/performance.md, "Issue 11, second steps").
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]*)(?::(?P<line>\d+))?\)$")

# (part, test on a frame's file and function), innermost match wins.
PARTS: list[tuple[str, str, str]] = [
    ("PostgreSQL driver (psycopg)", "/psycopg", ""),
    ("Redis client", "/redis/", ""),
    ("crypto", "/cryptography/", ""),
    ("ORM: SQL compilation", "django/db/models/sql/", ""),
    ("ORM: rows to objects", "django/db/models/query.py", "__iter__|from_db|_fetch_all|iterator"),
    ("ORM: query building", "django/db/models/", ""),
    ("database backend", "django/db/", ""),
    ("Jinja2", "jinja2/", ""),
    ("Jinja2", ".jinja", ""),
    ("Django templates", "django/template/", ""),
    ("gettext", "gettext.py", ""),
    ("gettext", "django/utils/translation/", ""),
    ("URL reverse", "django/urls/", ""),
    ("sessions", "django/contrib/sessions/", ""),
    ("middleware (Django)", "django/middleware/", ""),
    ("middleware (Django)", "django/contrib/", ""),
    ("middleware (third party)", "/csp/", ""),
    ("middleware (third party)", "/axes/", ""),
    ("middleware (third party)", "/django_htmx/", ""),
    ("middleware (third party)", "/whitenoise/", ""),
    ("forms", "django/forms/", ""),
    ("HTTP request and response (Django)", "django/http/", ""),
    ("request handling (Django)", "django/core/handlers/", ""),
    ("project code", "shequtong/", ""),
    ("gunicorn and sockets", "gunicorn/", ""),
    ("gunicorn and sockets", "socket.py", ""),
    ("gunicorn and sockets", "selectors.py", ""),
    ("Django, other", "django/", ""),
]


def parse(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        head, _, count = line.rpartition(" ")
        if not head or not count.isdigit():
            continue
        frames = []
        for raw in head.split(";"):
            m = FRAME.match(raw.strip())
            frames.append((m["func"], m["file"]) if m else (raw.strip(), ""))
        stacks.append((frames, int(count)))
    return stacks


def part_of(frames: list[tuple[str, str]]) -> str:
    for func, file in reversed(frames):
        for part, where, funcs in PARTS:
            if where in file and (not funcs or re.search(funcs, func)):
                return part
    return "other (interpreter, idle threads)"


def report(path: Path, top: int = 25) -> str:
    stacks = parse(path)  # py-spy leaves idle threads out by default: every sample is work
    total = sum(n for _, n in stacks) or 1
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    project: Counter[str] = Counter()
    for frames, n in stacks:
        parts[part_of(frames)] += n
        func, file = frames[-1]
        own[f"{func} ({file.split('site-packages/')[-1]})"] += n
        seen = set()
        for func, file in frames:  # inclusive, per project function
            if "shequtong/" in file and (func, file) not in seen:
                seen.add((func, file))
                project[f"{func} ({file.split('shequtong/', 1)[-1]})"] += n
    out = [f"{total} samples of the worker at work", "", "| part | share |", "|---|---:|"]
    out += [f"| {p} | {n / total:.1%} |" for p, n in parts.most_common()]
    out += ["", "| innermost function | share |", "|---|---:|"]
    out += [f"| {f} | {n / total:.1%} |" for f, n in own.most_common(top)]
    out += ["", "| project function (inclusive) | share |", "|---|---:|"]
    out += [f"| {f} | {n / total:.1%} |" for f, n in project.most_common(top)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(report(Path(args.profile), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
