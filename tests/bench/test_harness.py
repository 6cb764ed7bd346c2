"""The benchmark harness's arithmetic: percentiles, summaries, the operation mix, SQL replay mapping."""

from __future__ import annotations

import math
import os
import random
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import mix  # noqa: E402
import stats  # noqa: E402


def test_percentile_interpolates_like_numpy():
    values = [15, 20, 35, 40, 50]
    assert stats.percentile(values, 0) == 15
    assert stats.percentile(values, 100) == 50
    assert stats.percentile(values, 50) == 35
    assert stats.percentile(values, 40) == pytest.approx(29.0)  # numpy.percentile([...], 40)
    assert stats.percentile([7.0], 99) == 7.0
    assert math.isnan(stats.percentile([], 50))
    with pytest.raises(ValueError, match="0..100"):
        stats.percentile(values, 101)


def test_percentile_ignores_input_order():
    values = list(range(1, 101))
    shuffled = values[:]
    random.Random(3).shuffle(shuffled)
    assert stats.percentile(shuffled, 95) == stats.percentile(values, 95) == pytest.approx(95.05)


def test_summaries_count_errors_and_throughput_of_successes():
    samples = [stats.Sample("home", "read", 0.010, True, 1.0, 200) for _ in range(90)]
    samples += [stats.Sample("like", "insert", 0.200, False, 2.0, 500) for _ in range(10)]
    rows = stats.by_endpoint(samples, seconds=10.0)
    by = {r.name: r for r in rows}
    assert [r.name for r in rows] == ["home", "like", "overall"]
    assert by["home"].throughput == pytest.approx(9.0)
    assert by["like"].errors == 10 and by["like"].error_statuses == {"500": 10}
    assert by["like"].throughput == 0
    assert by["overall"].count == 100 and by["overall"].errors == 10
    assert by["overall"].p50_ms == pytest.approx(10.0)
    assert by["overall"].p99_ms == pytest.approx(200.0)
    assert by["overall"].mean_ms == pytest.approx(29.0)
    assert "| home | 90 | 9.0 |" in stats.summary_table(rows)


def test_window_cuts_warm_up_and_tail():
    samples = [stats.Sample("home", "read", 0.01, True, at) for at in (0.5, 1.0, 5.0, 9.99, 10.0)]
    assert [s.at for s in stats.window(samples, 1.0, 10.0)] == [1.0, 5.0, 9.99]


def test_verdicts():
    assert stats.verdict(1200, 1000) == "met"
    assert stats.verdict(80, 100, below=True) == "met"
    assert stats.verdict(120, 100, below=True) == "missed"
    assert stats.verdict(float("nan"), 1) == "not measured"


def test_the_mix_is_the_specifications_20_15_5():
    totals = mix.kind_totals(mix.OPS)
    assert totals == {"read": 20, "insert": 15, "update": 5}
    assert {op.name for op in mix.OPS} == {"home", "board_list", "post_detail", "my_letters", "case_list", "reply",
                                          "like", "post", "letter_submit", "case_update"}
    assert all(op.method == ("GET" if op.kind == "read" else "POST") for op in mix.OPS)


def test_roles_are_assigned_so_the_overall_mix_holds():
    roles = mix.assign_roles(200, mix.OPS)
    share = mix.role_share(mix.OPS, "committee")
    assert roles.count("committee") == round(200 * share) == 40
    # Simulate: every user draws from its role's table; the kinds come out near 20:15:5.
    rng = random.Random(1)
    pickers = {r: mix.Picker(mix.for_role(mix.OPS, r), rng) for r in ("resident", "committee")}
    drawn = [pickers[r]().kind for r in roles for _ in range(100)]
    shares = {k: drawn.count(k) / len(drawn) for k in ("read", "insert", "update")}
    assert shares["read"] == pytest.approx(0.5, abs=0.03)
    assert shares["insert"] == pytest.approx(0.375, abs=0.03)
    assert shares["update"] == pytest.approx(0.125, abs=0.03)


def test_unavailable_operations_are_left_out():
    ops = mix.available(mix.OPS, {"home", "like"})
    assert [op.name for op in ops] == ["home", "like"]
    assert mix.assign_roles(10, ops) == ["resident"] * 10


def test_sql_replay_swaps_the_sampled_users_values():
    pytest.importorskip("psycopg")
    import sqllimit

    sample = {"user_id": 123456, "session": "abc", "community_id": 1321, "post": 99999}
    user = {"user_id": 777777, "session": "xyz", "community_id": 1400}
    mapping = sqllimit.variable_map(sample, user, {"post": 55555})
    params = [123456, "abc", 1321, 99999, "99999", True, 20, None]
    assert sqllimit.substitute(params, mapping) == [777777, "xyz", 1400, 55555, "55555", True, 20, None]
    assert sqllimit.substitute({"a": 1321}, mapping) == {"a": 1400}
    # Small ids are not swapped: they could be a constant such as the 1 of "like_count + 1".
    small = sqllimit.variable_map({"community_id": 1}, {"user_id": 5, "session": "s", "community_id": 7}, {})
    assert sqllimit.substitute([1], small) == [1]
    assert sqllimit.substitute(None, mapping) is None


# --- where the CPU went: process trees in the measured window (bench/load.py --watch, bench/run.py) ---

BUSY_CHILD = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(5)"


def test_tree_cpu_counts_a_process_and_its_children():
    import subprocess

    import common

    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD])  # noqa: S603 - this interpreter, our code
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            seen = common.tree_cpu(os.getpid())
            if seen.get(child.pid, 0) >= 0.35:
                break
            time.sleep(0.05)
        assert child.pid in common.tree_pids(os.getpid())
        assert seen[child.pid] >= 0.35
        busy, total = common.machine_busy()
        assert 0 < busy <= total
    finally:
        child.kill()
        child.wait()


def test_watch_window_measures_only_the_window():
    import asyncio
    import subprocess

    import common

    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD])  # noqa: S603 - this interpreter, our code
    try:
        # The child burns 0.4 s at once; the window opens after that, so it sees the child idle.
        time.sleep(1.0)
        result: dict = {}
        now = time.monotonic()
        asyncio.run(common.watch_window({"child": child.pid}, now, now + 0.3, result))
        assert result["window_seconds"] == pytest.approx(0.3, abs=0.1)
        assert result["cpu_seconds"]["child"] < 0.05
        assert 0 <= result["machine_busy_seconds"] <= result["machine_cpu_seconds"]
    finally:
        child.kill()
        child.wait()


def test_cpu_section_divides_by_answers_and_served_operations():
    import run

    level = {"users": 2000, "summaries": [{"count": 1000, "errors": 200}],
             "window_cpu": {"window_seconds": 10.0, "cpu_seconds": {"app": 6.0, "load generator": 1.0},
                            "machine_busy_seconds": 16.0, "machine_cpu_seconds": 20.0}}
    text = "\n".join(run.cpu_section({"levels": [level]}))
    # app: 0.60 cores, 6 ms per answered request, 7.5 ms per served op (800 served).
    assert "| 2000 | app | 0.60 | 6.00 | 7.50 |" in text
    # The machine: 16 s busy for 800 served = 20 ms each; two cores → 100 ops/s if all were busy.
    assert "| 2000 | whole machine | 1.60 | 16.00 | 20.00 |" in text
    assert "100 ops/s" in text and "busy 80%" in text
    assert run.cpu_section({"levels": [{"users": 1, "summaries": []}]}) == []


@pytest.mark.django_db
def test_postmaster_pid_is_the_parent_of_the_backends():
    import server
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's processes")
    params = connection.get_connection_params()
    dsn = f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/postgres"
    pid = server.postmaster_pid(dsn)
    assert pid is not None
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    import common

    # Every backend, this test's own among them, is in the postmaster's tree.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] in common.tree_pids(pid)
