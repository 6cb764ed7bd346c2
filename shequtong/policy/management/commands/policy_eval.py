"""The evaluation harness of 政策找人 (issue 16 item 5).

    manage.py policy_eval --residents R.jsonl --events E.jsonl --policies P.jsonl --top K

Loads the district into a scratch SQLite database of its own (a temporary
file, removed afterwards; the configured database is never touched), runs
the schema from the models and loads the lexicon fixture, stores residents and
events, builds the demand profiles as the background task does, matches
every policy over every resident and prints one JSON object
{policy_id: [resident_id, ...]} (best first, at most K each) on standard
output. Progress goes to standard error. `--method overlap` prints the
word-overlap baseline instead; `--no-feedback` turns pseudo-relevance
feedback off.

It runs as a scratch process (SHEQUTONG_SCRATCH=1, set by manage.py for
this command; see settings.py): no .env is read, no secrets are needed
(keys are random for the process) and the configured database is never
opened, so it works from a clean clone. Called some other way (a test, a
shell) it still works only in its own temporary database.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction


def _rows(path: str) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CommandError(f"{path}:{n}: not JSON ({exc})") from exc
    return out


def _time(value: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Match policies over a self-contained district in a scratch database; print {policy_id: [resident_id…]}."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", required=True)
        parser.add_argument("--events", required=True)
        parser.add_argument("--policies", required=True)
        parser.add_argument("--top", type=int, default=50)
        parser.add_argument("--method", choices=["match", "overlap"], default="match")
        parser.add_argument("--no-feedback", action="store_true")

    def log(self, msg: str) -> None:
        print(f"[policy_eval {time.monotonic() - self.t0:6.1f}s] {msg}", file=sys.stderr)

    def handle(self, *args: Any, **opts: Any) -> None:
        self.t0 = time.monotonic()
        residents, events, policies = _rows(opts["residents"]), _rows(opts["events"]), _rows(opts["policies"])
        self.log(f"read {len(residents)} residents, {len(events)} events, {len(policies)} policies")
        with tempfile.TemporaryDirectory(prefix="policy_eval_") as tmp:
            self.use_scratch(Path(tmp) / "district.sqlite3")
            self.create_tables()
            self.log("scratch database created")
            result = self.run(residents, events, policies, opts)
            connections.close_all()
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def use_scratch(self, path: Path) -> None:
        connections.close_all()
        db = connections.databases["default"]
        db.update({"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "CONN_MAX_AGE": 0,
                   "OPTIONS": {"timeout": 30}, "ATOMIC_REQUESTS": False})
        for key in ("USER", "PASSWORD", "HOST", "PORT"):
            db[key] = ""
        del connections["default"]
        with connections["default"].cursor() as cur:
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")

    def create_tables(self) -> None:
        """The schema straight from the models (`migrate --run-syncdb` with no migration modules), then the
        lexicon fixture that migration 0002_lexicon would load. Replaying the 66 migrations one by one took 46 s
        of a 3-minute run, and a throw-away database needs none of their history (triggers, data fixes)."""
        from django.apps import apps
        from django.conf import settings

        from shequtong.policy import store

        saved = getattr(settings, "MIGRATION_MODULES", {})
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        try:
            call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        finally:
            settings.MIGRATION_MODULES = saved
        store.load_lexicon_fixture()

    def run(self, residents: list[dict[str, Any]], events: list[dict[str, Any]], policies: list[dict[str, Any]],
            opts: dict[str, Any]) -> dict[str, list[str]]:
        from shequtong.policy import engine, store
        from shequtong.policy.models import BehaviourEvent, DemandProfile, tag_bits

        with transaction.atomic():
            DemandProfile.objects.bulk_create([
                DemandProfile(ref=str(r["id"]), birth_date=dt.date.fromisoformat(r["birth_date"]) if r.get("birth_date") else None,
                              sex=r.get("sex", "") or "", hukou=r.get("hukou", "") or "", tags=sorted(set(r.get("tags", []))),
                              tag_bits=tag_bits(r.get("tags", [])), subdistrict_label=str(r.get("subdistrict", ""))[:40],
                              community_label=str(r.get("community", ""))[:60])
                for r in residents], batch_size=5000)
            ids = dict(DemandProfile.objects.values_list("ref", "id"))
            refs = {v: k for k, v in ids.items()}
            batch: list[BehaviourEvent] = []
            latest: dt.datetime | None = None
            for e in events:
                pid = ids.get(str(e.get("resident")))
                if pid is None or not e.get("text"):
                    continue
                at = _time(e["time"])
                latest = at if latest is None or at > latest else latest
                batch.append(BehaviourEvent(profile_id=pid, kind=str(e.get("type", "read"))[:8], text=str(e["text"]),
                                            target=str(e.get("target") or "")[:120], occurred_at=at))
                if len(batch) >= 20_000:
                    BehaviourEvent.objects.bulk_create(batch)
                    batch = []
            BehaviourEvent.objects.bulk_create(batch)
        self.log("district stored")
        ref_time = latest or dt.datetime.now(dt.UTC)
        today = ref_time.date()
        if opts["method"] == "overlap":
            tf = store.text_features()
            texts: dict[str, list[str]] = {}
            for pid, text in BehaviourEvent.objects.values_list("profile_id", "text").iterator(chunk_size=20_000):
                texts.setdefault(str(pid), []).append(text)
            people = store.residents_of(DemandProfile.objects.all(), today)
            return {str(p["id"]): [refs[int(r)] for r in engine.overlap_rank(p.get("title", ""), p.get("text", ""), tf, texts,
                                                                          people, opts["top"])] for p in policies}
        store.rebuild_profiles(ref=ref_time, full=True)
        self.log("profiles built")
        result = {}
        for p in policies:
            _analysis, matches = store.match(p.get("title", ""), p.get("text", ""), None, DemandProfile.objects.all(),
                                             today=today, top=opts["top"], prf=not opts["no_feedback"])
            result[str(p["id"])] = [refs[int(m.resident)] for m in matches]
        self.log("matched")
        return result
