"""manage.py policy_eval from a clean environment: a scratch database, one JSON object on standard output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import policy_district  # noqa: E402
import policy_score  # noqa: E402


def test_the_harness_prints_rankings_for_every_policy(tmp_path):
    people, events, policies, truth = policy_district.generate("tuning", 300, 3000, 5)
    for name, rows in (("residents", people), ("events", events), ("policies", policies)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                encoding="utf-8")
    # No secrets, no .env, no configured database: what a clean clone has.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "FIELD_", "BLIND_", "AUDIT_"))}
    env.update(SHEQUTONG_NO_DOTENV="1", PYTHONPATH=str(ROOT))
    env.pop("PYTEST_CURRENT_TEST", None)
    out = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "policy_eval", "--residents", str(tmp_path / "residents.jsonl"),
         "--events", str(tmp_path / "events.jsonl"), "--policies", str(tmp_path / "policies.jsonl"), "--top", "20"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(out.stdout)
    assert sorted(result) == sorted(p["id"] for p in policies)
    ids = {p["id"] for p in people}
    assert all(len(v) <= 20 and set(v) <= ids and len(set(v)) == len(v) for v in result.values())
    assert policy_score.score(result, truth, k=10)["mean_p@50"] >= 0.8


def test_a_scratch_process_cannot_reach_the_configured_database_and_needs_no_secrets():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_", "BLIND_", "AUDIT_"))}
    env.update(SHEQUTONG_SCRATCH="1", DATABASE_URL="postgres://nobody@127.0.0.1:1/production", PYTHONPATH=str(ROOT),
               DJANGO_SETTINGS_MODULE="shequtong.settings")
    env.pop("PYTEST_CURRENT_TEST", None)
    code = ("import django; django.setup(); from django.conf import settings as s; import json; "
            "print(json.dumps([s.PRODUCTION, s.DATABASES['default']['NAME'], s.SECRET_KEY != 'insecure-dev-only-secret-key', "
            "bool(s.FIELD_ENCRYPTION_KEY and s.BLIND_INDEX_KEY)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,  # noqa: S603 - fixed arguments
                         capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout) == [False, ":memory:", True, True]
    # Without the variable the same environment is production and refuses to start without secrets.
    env.pop("SHEQUTONG_SCRATCH")
    env["SHEQUTONG_NO_DOTENV"] = "1"
    failed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,  # noqa: S603 - fixed arguments
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode != 0 and "DJANGO_SECRET_KEY must be set in production" in failed.stderr
