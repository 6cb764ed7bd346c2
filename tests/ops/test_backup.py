"""The restore drill (issue 20 item 7): back up, restore into a fresh database, compare every table.

Runs on the suite's engine: SQLite (online backup API) in `make test`, PostgreSQL
(pg_dump custom format from an exported snapshot, pg_restore) in `make test-pg`.
"""

from __future__ import annotations

import io
import json
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequtong.accounts.models import User
from shequtong.ops import backup

from ..factories import make_cast, make_post, make_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def district(settings, tmp_path):
    """A small district with people, posts and two uploaded files, committed (a backup sees commits only)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "boards" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "boards" / "2026" / "a.jpg").write_bytes(b"\xff\xd8photo-a" * 100)
    (settings.MEDIA_ROOT / "avatar.png").write_bytes(b"\x89PNG-b" * 50)
    cast = make_cast(make_tree())
    for i in range(5):
        make_post(cast.resident_a, cast.a, title=f"楼道灯坏了 {i}")
    return cast


@pytest.fixture
def fresh_target(tmp_path):
    """An empty database of the suite's engine to restore into, removed afterwards."""
    if connection.vendor == "sqlite":
        yield backup.Target("sqlite", str(tmp_path / "restored.sqlite3"))
        return
    s = connection.settings_dict
    name = f"{s['NAME']}_drill_{uuid.uuid4().hex[:6]}"
    admin = psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                            password=s["PASSWORD"] or None, dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield backup.Target("postgresql", name, str(s["HOST"] or ""), str(s["PORT"] or ""), str(s["USER"] or ""),
                            str(s["PASSWORD"] or ""))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _url(target: backup.Target) -> str:
    if target.vendor == "sqlite":
        return f"sqlite:///{target.name}"
    return f"postgres://{target.user or 'postgres'}@{target.host or '127.0.0.1'}:{target.port or 5432}/{target.name}"


def test_restore_drill_into_a_fresh_database(district, fresh_target, tmp_path, settings):
    dest = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", "--dest", str(dest), stdout=out)
    manifest = json.loads((dest / "manifest.json").read_text())
    db_file = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert manifest["engine"] == connection.vendor and manifest["database_file"] == db_file
    assert set(manifest["files"]) == {db_file, "media.tar"}
    assert manifest["media"]["count"] == 2 and "boards/2026/a.jpg" in manifest["media"]["files"]
    # The manifest's figures are the database's, taken independently here.
    assert manifest["tables"]["accounts_user"]["rows"] == User.objects.count() > 20
    assert manifest["tables"]["boards_post"]["rows"] == 5
    assert manifest["tables"]["django_migrations"]["rows"] > 50
    assert (dest / db_file).stat().st_mode & 0o077 == 0  # owner only

    media2 = tmp_path / "media-restored"
    out = io.StringIO()
    call_command("restore", str(dest), "--database-url", _url(fresh_target), "--media-root", str(media2), stdout=out)
    assert "match the manifest" in out.getvalue()
    # Independently of the verification: the restored copy has the same people, bytes for bytes
    # (the encrypted names too), and the same files.
    sql = "SELECT id, username, real_name, phone FROM accounts_user ORDER BY id"
    conn = fresh_target.connect()
    try:
        cur = conn.cursor()
        cur.execute(sql)
        restored = cur.fetchall()
    finally:
        conn.close()
    with connection.cursor() as cur:
        cur.execute(sql)
        original = cur.fetchall()
    assert [tuple(r) for r in restored] == [tuple(r) for r in original]
    assert "王小红" not in str(original)  # compared as stored: encrypted
    assert (media2 / "boards" / "2026" / "a.jpg").read_bytes() == (settings.MEDIA_ROOT / "boards" / "2026" / "a.jpg").read_bytes()

    # The verification is not a formality: a changed row in the restored copy is found.
    conn = fresh_target.connect()
    try:
        conn.cursor().execute("UPDATE boards_post SET title = 'changed' WHERE id = (SELECT min(id) FROM boards_post)")
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(backup.BackupError, match="boards_post: content checksum differs"):
        backup.verify(manifest, fresh_target, media2)


def test_a_damaged_backup_is_refused_before_anything_is_touched(district, fresh_target, tmp_path):
    dest = tmp_path / "backup"
    call_command("backup", "--dest", str(dest), stdout=io.StringIO())
    tar = dest / "media.tar"
    data = bytearray(tar.read_bytes())
    data[600] ^= 0xFF
    tar.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="checksum differs: media.tar"):
        call_command("restore", str(dest), "--check-only", stdout=io.StringIO())
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(dest), "--database-url", _url(fresh_target), stdout=io.StringIO())
    assert backup.target_is_empty(fresh_target)


def test_restore_refuses_a_database_with_tables_without_yes(district, tmp_path):
    dest = tmp_path / "backup"
    call_command("backup", "--dest", str(dest), stdout=io.StringIO())
    if connection.vendor == "sqlite":
        target = tmp_path / "busy.sqlite3"
        sqlite3.connect(target).execute("CREATE TABLE t (x int)")
        url = f"sqlite:///{target}"
    else:
        s = connection.settings_dict
        url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    with pytest.raises(CommandError, match="already has tables"):
        call_command("restore", str(dest), "--database-url", url, stdout=io.StringIO())


def test_backup_refuses_a_non_empty_destination_and_copies_offsite(district, tmp_path):
    dest = tmp_path / "backup"
    dest.mkdir()
    (dest / "other").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--dest", str(dest), stdout=io.StringIO())
    out = io.StringIO()
    call_command("backup", "--dest", str(tmp_path / "b2"), "--offsite", str(tmp_path / "offsite"), stdout=out)
    assert "checked" in out.getvalue()
    assert backup.check_files(Path(tmp_path / "offsite" / "b2"), backup.read_manifest(tmp_path / "offsite" / "b2")) == []
