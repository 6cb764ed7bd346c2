"""Fill `search_text` (jieba-segmented, common/chinese.py) of posts, cases and 面对面 records in batches.

    manage.py rebuild_search_text [--batch 5000] [--only posts,cases,visits] [--missing]

For rows written before search existed or by a bulk load, and after a
change to the domain dictionary. Rows are read in primary-key order in
keyset batches (WHERE id > last ORDER BY id LIMIT batch: no long-lived
cursor, no OFFSET), each batch's new texts are written with one UPDATE
(PostgreSQL: UPDATE … FROM (VALUES …); SQLite: executemany) in its own
transaction, so an interrupted run keeps what it did and `--missing` resumes.
Unchanged rows are not written. Segmentation is memoised per distinct text
(chinese.segment), so the repeated phrases of generated data cost nothing.

On PostgreSQL a large run drops the table's full-text GIN index first and
builds it again at the end (one index build is far cheaper than a million
index insertions), then ANALYZEs the table so the planner knows how common
each word is.

The texts must be built as the services build them: posts from title and
body (boards.services.create_post), cases from title and content
(cases.services.create_case), visits from title, content and the problems
in order (visits.services._search_text); tests/observe/test_rebuild.py
checks that both agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model

from shequtong.common import chinese, fulltext

# Below this many rows the GIN index is kept and updated in place.
REBUILD_INDEX_FROM = 50_000


@dataclass(frozen=True)
class Target:
    name: str
    model: type[Model]
    fields: tuple[str, ...]
    index: str
    # More text per row id (a visit's problems), read once per batch.
    more_text: Callable[[list[int]], dict[int, list[str]]] | None = None


def _visit_problems(ids: list[int]) -> dict[int, list[str]]:
    from shequtong.visits.models import VisitProblem

    out: dict[int, list[str]] = {}
    rows = VisitProblem.objects.filter(visit_id__in=ids).order_by("visit_id", "position", "id")
    for visit_id, content in rows.values_list("visit_id", "content"):
        out.setdefault(visit_id, []).append(content)
    return out


def targets() -> dict[str, Target]:
    from shequtong.boards.models import Post
    from shequtong.cases.models import Case
    from shequtong.visits.models import Visit

    return {
        "posts": Target("posts", Post, ("title", "body"), "post_search"),
        "cases": Target("cases", Case, ("title", "content"), "case_search"),
        "visits": Target("visits", Visit, ("title", "content"), "visit_search", more_text=_visit_problems),
    }


def _write(table: str, rows: list[tuple[int, str]]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::text)"] * len(rows))
            params = [p for row in rows for p in row]
            cur.execute(
                f'UPDATE "{table}" AS t SET search_text = v.st FROM (VALUES {values}) AS v(id, st) '  # noqa: S608 - our table
                "WHERE t.id = v.id", params)
        else:
            cur.executemany(f'UPDATE "{table}" SET search_text = %s WHERE id = %s',  # noqa: S608 - our table
                            [(text, pk) for pk, text in rows])


class Command(BaseCommand):
    help = "Fill the jieba-segmented search_text of posts, cases and visits (batches; --missing to resume)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000, help="rows per batch (default 5000)")
        parser.add_argument("--only", default="", help="comma-separated: posts,cases,visits (default: all)")
        parser.add_argument("--missing", action="store_true", help="only rows whose search_text is empty")
        parser.add_argument("--keep-index", action="store_true",
                            help="PostgreSQL: update the GIN index in place even for large runs")

    def handle(self, *args: Any, **opts: Any) -> None:
        batch = opts["batch"]
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        known = targets()
        names = [n.strip() for n in opts["only"].split(",") if n.strip()] or list(known)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CommandError(f"unknown target(s): {', '.join(unknown)}; choose from {', '.join(known)}")
        started = time.monotonic()
        for name in names:
            self._run(known[name], batch=batch, missing=opts["missing"], keep_index=opts["keep_index"])
        info = chinese.segment.cache_info()
        self.stdout.write(f"done in {time.monotonic() - started:.1f}s "
                          f"(segmentation cache: {info.hits} hits, {info.misses} distinct texts cut)")

    def _run(self, target: Target, *, batch: int, missing: bool, keep_index: bool) -> None:
        model = target.model
        table = model._meta.db_table
        qs = model._default_manager.all()
        if missing:
            qs = qs.filter(search_text="")
        total = qs.count()
        self.stdout.write(f"{target.name}: {total} rows")
        if total == 0:
            return
        rebuild = connection.vendor == "postgresql" and total >= REBUILD_INDEX_FROM and not keep_index
        if rebuild:
            with connection.cursor() as cur:
                cur.execute(f'DROP INDEX IF EXISTS "{target.index}"')
            self.stdout.write(f"  dropped {target.index} (rebuilt at the end)")
        t0 = time.monotonic()
        seen = written = 0
        last = 0
        try:
            while True:
                rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", "search_text", *target.fields)[:batch])
                if not rows:
                    break
                last = rows[-1][0]
                more = target.more_text([r[0] for r in rows]) if target.more_text else {}
                changed = []
                for pk, old, *parts in rows:
                    text = chinese.search_text(*parts, *more.get(pk, []))
                    if text != old:
                        changed.append((pk, text))
                if changed:
                    with transaction.atomic():
                        _write(table, changed)
                seen += len(rows)
                written += len(changed)
                elapsed = time.monotonic() - t0
                self.stdout.write(f"  {target.name}: {seen}/{total} read, {written} written, {elapsed:.1f}s "
                                  f"({seen / elapsed if elapsed else 0:,.0f} rows/s)")
        finally:
            if rebuild:
                t1 = time.monotonic()
                with connection.cursor() as cur:
                    cur.execute("SET maintenance_work_mem = '256MB'")
                    cur.execute(fulltext.gin_index_sql(table, target.index))
                self.stdout.write(f"  rebuilt {target.index} in {time.monotonic() - t1:.1f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f'ANALYZE "{table}"')
        self.stdout.write(f"{target.name}: {written} of {seen} rows updated in {time.monotonic() - t0:.1f}s")
