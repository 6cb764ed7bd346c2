"""Run by tests/ops/test_standby.py in a fresh process, as the application configured by the environment.

    DATABASE_URL=<primary> DATABASE_REPLICA_URL=<replica> python standby_app.py observer <observer> <resident>
    DATABASE_URL=<promoted replica> python standby_app.py promoted <resident> <observer>

Prints one JSON object: what was observed, for the test to judge.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
os.environ.setdefault("SHEQUTONG_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequtong.observe import selectors  # noqa: E402
from shequtong.ops.replica import observer_reads  # noqa: E402
from shequtong.places.models import Community  # noqa: E402

User = get_user_model()


def _scalar(alias: str, sql: str):  # type: ignore[no-untyped-def]
    with connections[alias].cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def _get(user, path: str) -> dict:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get(path)
    return {"status": response.status_code, "replica_queries": len(replica.captured_queries),
            "primary_sql": [q["sql"] for q in primary.captured_queries]}


def observer(observer_name: str, resident_name: str) -> dict:
    obs = User.objects.get(username=observer_name)
    res = User.objects.get(username=resident_name)
    out: dict = {"replica_in_recovery": _scalar("replica", "SELECT pg_is_in_recovery()"),
                 "primary_in_recovery": _scalar("default", "SELECT pg_is_in_recovery()")}
    out["observer_home"] = _get(obs, "/")
    out["observer_data"] = _get(obs, "/data/")
    out["resident_home"] = _get(res, "/")

    # Lag made visible: replay paused on the replica, a community added on the primary.
    before = selectors.totals(obs)["communities"]
    _scalar("replica", "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 30
    while _scalar("replica", "SELECT pg_get_wal_replay_pause_state()") != "paused":
        if time.monotonic() > deadline:
            raise SystemExit("replay did not pause")
        time.sleep(0.1)
    sub = Community.objects.order_by("id").first().subdistrict
    Community.objects.create(subdistrict=sub, name="备库演练居委", kind="urban")
    with observer_reads():
        during_pause_replica = selectors.totals(obs)["communities"]
    during_pause_primary = selectors.totals(obs)["communities"]
    _scalar("replica", "SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 30
    while True:
        with observer_reads():
            after = selectors.totals(obs)["communities"]
        if after == before + 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    out["communities"] = {"before": before, "paused_replica": during_pause_replica,
                          "paused_primary": during_pause_primary, "after_resume_replica": after}
    return out


def promoted(resident_name: str, observer_name: str) -> dict:
    res = User.objects.get(username=resident_name)
    obs = User.objects.get(username=observer_name)
    out: dict = {"in_recovery": _scalar("default", "SELECT pg_is_in_recovery()"),
                 "databases": sorted(connections.databases)}
    client = Client()
    client.force_login(res)
    title = "主库故障后发帖"
    response = client.post("/boards/b/neighbours/new/", {"title": title, "body": "备库提升为主库后照常写入。"})
    out["post_status"] = response.status_code
    from shequtong.boards.models import Post

    out["posts_with_title"] = Post.objects.filter(title=title).count()
    page = client.get("/boards/b/neighbours/")
    out["board_status"] = page.status_code
    out["board_shows_post"] = title in page.content.decode()
    observer_client = Client()
    observer_client.force_login(obs)
    out["observer_home_status"] = observer_client.get("/").status_code
    out["communities"] = selectors.totals(obs)["communities"]
    return out


if __name__ == "__main__":
    phase, *names = sys.argv[1:]
    result = observer(*names) if phase == "observer" else promoted(*names)
    print("RESULT " + json.dumps(result, ensure_ascii=False))
