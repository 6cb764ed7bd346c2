"""MLPS: audit records are append-only and tamper-evident (a hash chain), verify_audit proves it."""

from __future__ import annotations

import importlib
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequtong.accounts import audit
from shequtong.accounts.models import AuditEvent

from ..factories import make_user

chain_migration = importlib.import_module("shequtong.accounts.migrations.0004_audit_chain")


def write_events(n: int = 4) -> list[AuditEvent]:
    user = make_user()
    return [audit.record(AuditEvent.Action.LOGIN, actor=user, target=user, detail={"n": i, "名": "张*"}) for i in range(n)]


def as_dba(sql: str, params: list) -> None:
    """What someone with database access could do: lift the append-only trigger and write."""
    with connection.cursor() as cur:
        cur.execute(chain_migration.DROP[connection.vendor])
        cur.execute(sql, params)
        cur.execute(chain_migration.CREATE[connection.vendor])


@pytest.mark.django_db
def test_each_event_links_to_the_one_before():
    events = write_events()
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.row_hash and len(after.row_hash) == 64
    report = audit.verify_chain()
    assert report.intact and report.rows == 4 and report.head == events[-1].row_hash


@pytest.mark.django_db
def test_verify_audit_passes_on_an_untouched_log(capsys):
    events = write_events()
    call_command("verify_audit", "--expect-head", events[-1].row_hash)
    assert "audit chain intact: 4 events" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_edited_row_is_detected():
    events = write_events()
    as_dba(f"UPDATE {chain_migration.TABLE} SET action = %s WHERE id = %s",  # noqa: S608 - a constant table name
           ["logout", events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event {events[1].pk}.*changed"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a_deleted_row_is_detected():
    events = write_events()
    as_dba(f"DELETE FROM {chain_migration.TABLE} WHERE id = %s",  # noqa: S608 - a constant table name
           [events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event {events[2].pk}.*removed"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_rows_cut_from_the_end_are_detected_against_a_recorded_head():
    events = write_events()
    head = events[-1].row_hash
    as_dba(f"DELETE FROM {chain_migration.TABLE} WHERE id = %s",  # noqa: S608 - a constant table name
           [events[-1].pk])
    with pytest.raises(CommandError, match="no longer in the chain"):
        call_command("verify_audit", "--expect-head", head)


@pytest.mark.django_db
def test_the_chain_is_keyed_so_a_recomputed_forgery_fails(settings):
    """Rewriting a row and recomputing its hash without AUDIT_CHAIN_KEY does not pass."""
    from shequtong.accounts import audit_chain

    settings.AUDIT_CHAIN_KEY = "k" * 40
    events = write_events(2)
    forged = audit_chain.row_hash(
        prev_hash=events[0].row_hash, actor_id=None, action="logout", target_type="", target_id="",
        detail={}, ip=None, created_at=events[1].created_at, key=b"guessed",
    )
    sql = (f"UPDATE {chain_migration.TABLE} SET action = %s, actor_id = NULL, target_type = '', "  # noqa: S608
           "target_id = '', detail = '{}', row_hash = %s WHERE id = %s")
    as_dba(sql, ["logout", forged, events[1].pk])
    assert not audit.verify_chain().intact


@pytest.mark.django_db
def test_rows_stay_append_only_and_cannot_be_bulk_written():
    event = write_events(1)[0]
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    with pytest.raises(RuntimeError, match="chained one at a time"):
        AuditEvent.objects.bulk_create([AuditEvent(action="login", created_at=event.created_at)])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """PostgreSQL: 8 threads × 10 events, each in its own transaction; the advisory lock keeps one chain."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises writers at BEGIN)")
    from django.db import connections, transaction

    user = make_user()
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(k: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(AuditEvent.Action.LOGIN, actor=user, detail={"thread": k, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.intact and report.rows == 80
    assert AuditEvent.objects.values("prev_hash").distinct().count() == 80  # no two rows share a predecessor


def test_the_deploy_check_asks_for_an_audit_chain_key(settings):
    from shequtong.common.checks import audit_chain_key

    settings.AUDIT_CHAIN_KEY = ""
    assert [w.id for w in audit_chain_key(None)] == ["shequtong.W002"]
    settings.AUDIT_CHAIN_KEY = "x" * 40
    assert audit_chain_key(None) == []
