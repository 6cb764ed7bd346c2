"""A real hot standby (NF-5, issue 20 item 7), PostgreSQL only (`make test-pg`, `make standby-drill`).

A private primary cluster (initdb, loopback, its own port) gets this test's
district through a backup and restore; `pg_basebackup -R` makes a streaming
replica of it on another port. The application, started in a fresh process
with DATABASE_URL (primary) and DATABASE_REPLICA_URL (replica), must send an
观察者's page reads to the replica and a resident's to the primary; with
replay paused on the replica, a change on the primary is not yet seen through
the observer's reads and is after resuming. Then the primary is killed, the
replica promoted, and the application pointed at it serves and writes.
Both clusters are stopped and their directory removed whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from shequtong.ops import backup

from ..factories import make_cast, make_post, make_tree
from . import pgcluster

HERE = Path(__file__).resolve().parent


def _app(phase: str, env: dict[str, str], *names: str) -> dict:
    run_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"}}
    run_env.update(env)
    result = subprocess.run([sys.executable, str(HERE / "standby_app.py"), phase, *names],  # noqa: S603
                            env=run_env, capture_output=True, text=True, timeout=300, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.django_db(transaction=True)
def test_observer_reads_land_on_a_streaming_replica_and_a_promoted_replica_serves(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the hot standby is PostgreSQL's streaming replication (make test-pg)")
    if pgcluster.bindir() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    settings.MEDIA_ROOT = tmp_path / "media"
    cast = make_cast(make_tree())
    make_post(cast.resident_a, cast.a, title="楼道灯坏了")
    backup.backup(tmp_path / "backup")

    root = Path(tempfile.mkdtemp(prefix="shequtong-standby-"))
    clusters = pgcluster.make_clusters(root)
    try:
        primary = clusters.primary(pgcluster.free_port(55431))
        clusters.start(primary)
        subprocess.run([backup.pg_tool("createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",  # noqa: S603
                        "shequtong"], check=True, capture_output=True)
        restored = backup.restore(tmp_path / "backup", backup.Target("postgresql", "shequtong", "127.0.0.1",
                                                                     str(primary.port), "postgres"),
                                  media_root=tmp_path / "media2")
        assert restored["rows"] > 0

        replica = clusters.replica_of(primary, pgcluster.free_port(55432))
        clusters.start(replica)
        env = {"DATABASE_URL": primary.url("shequtong"), "DATABASE_REPLICA_URL": replica.url("shequtong"),
               "MEDIA_ROOT": str(tmp_path / "media2")}
        seen = _app("observer", env, cast.district.username, cast.resident_a.username)

        assert seen["replica_in_recovery"] is True and seen["primary_in_recovery"] is False
        for page in ("observer_home", "observer_data"):
            assert seen[page]["status"] == 200
            assert seen[page]["replica_queries"] > 0, page
            # On the primary only who is asking (session, user, their grants); the district's figures
            # are read from the replica.
            assert not [sql for sql in seen[page]["primary_sql"]
                        if any(f'FROM "{t}"' in sql for t in ("places_community", "places_communitystats",
                                                              "boards_post", "accounts_membership"))], page
        assert seen["resident_home"]["status"] == 200 and seen["resident_home"]["replica_queries"] == 0
        counts = seen["communities"]
        assert counts["paused_replica"] == counts["before"]            # the replica had not replayed it yet
        assert counts["paused_primary"] == counts["before"] + 1        # the primary had it
        assert counts["after_resume_replica"] == counts["before"] + 1  # streamed once replay resumed

        # The primary dies; the replica is promoted and the application runs on it alone.
        clusters.stop(primary, "immediate")
        clusters.promote(replica)
        pgcluster.wait_for(lambda: subprocess.run(  # noqa: S603 - the psql we found
            [str(clusters.bin / "psql"), "-h", "127.0.0.1", "-p", str(replica.port), "-U", "postgres", "-Atc",
             "SELECT NOT pg_is_in_recovery()"], capture_output=True, text=True, check=False).stdout.strip() == "t")
        served = _app("promoted", {"DATABASE_URL": replica.url("shequtong"), "MEDIA_ROOT": str(tmp_path / "media2")},
                      cast.resident_a.username, cast.district.username)
        assert served["in_recovery"] is False and served["databases"] == ["default"]
        assert served["post_status"] == 302 and served["posts_with_title"] == 1
        assert served["board_status"] == 200 and served["board_shows_post"] is True
        assert served["observer_home_status"] == 200 and served["communities"] == counts["before"] + 1
    finally:
        clusters.stop_all()
        shutil.rmtree(root, ignore_errors=True)
