"""Backups with a manifest, and restores that prove themselves (NF-5, issue 20 item 7).

A backup is a directory:

    database.dump     PostgreSQL: `pg_dump --format=custom`, taken from an exported snapshot
    database.sqlite3  SQLite: a copy made with SQLite's online backup API (the server keeps running)
    media.tar         the uploaded files (MEDIA_ROOT), uncompressed (photos are compressed already)
    manifest.json     sha256 and size of each file above, sha256 of every media file, and for
                      every table its row count and a content checksum

The table figures are taken from exactly what was backed up: on PostgreSQL in
the same snapshot pg_dump reads (`pg_export_snapshot`, `pg_dump --snapshot`),
on SQLite from the copy itself. `restore` checks the files against the
manifest before touching anything, restores, then recounts and re-checksums
every table and media file of the restored copy and fails loudly on any
difference. The restore drill (tests/ops/test_backup.py) does that into a
fresh database.

The checksum of a table is order-independent (a sum of per-row hashes), so it
does not depend on how the database returns rows: PostgreSQL hashes each row's
text form (`md5(t::text)`), SQLite each row's Python repr. Checksums compare
within one engine. The personal-data keys are NOT in a backup (they must never
sit beside the data, docs/operations.md): keep them in the secret store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

FORMAT = 1
_PG_SESSION = ("-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 "
               "-c bytea_output=hex")
CHUNK = 1 << 20


class BackupError(Exception):
    pass


# --- small helpers ------------------------------------------------------------------

def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def pg_tool(name: str) -> str:
    """The full path of a PostgreSQL client program (PG_BINDIR first, then PATH)."""
    found = shutil.which(name, path=os.environ.get("PG_BINDIR") or None) or shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install postgresql-client (the server's major version or newer)")
    return found


def _file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


@dataclass(frozen=True)
class Target:
    """A database to back up from or restore into, from Django's settings dict."""

    vendor: str  # "postgresql" | "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, db: dict[str, Any]) -> Target:
        engine = db["ENGINE"]
        if engine.endswith("postgresql"):
            return cls("postgresql", str(db["NAME"]), str(db.get("HOST") or ""), str(db.get("PORT") or ""),
                       str(db.get("USER") or ""), str(db.get("PASSWORD") or ""))
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(db["NAME"]))
        raise BackupError(f"unsupported database engine {engine}")

    @classmethod
    def from_url(cls, url: str) -> Target:
        import dj_database_url

        return cls.from_settings(dict(dj_database_url.parse(url)))

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["-h", self.host]
        if self.port:
            args += ["-p", self.port]
        if self.user:
            args += ["-U", self.user]
        return args

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self) -> Any:
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)
        import psycopg

        # A row's text form depends on the session's settings (a timestamptz is written in the session's
        # time zone): fix them, or the same rows would checksum differently on two servers.
        return psycopg.connect(host=self.host or None, port=self.port or None, user=self.user or None,
                               password=self.password or None, dbname=self.name, autocommit=True,
                               options=_PG_SESSION)


# --- table figures ------------------------------------------------------------------

def list_tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_figures(cursor: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "checksum": "…"}} for every table, order-independent."""
    figures: dict[str, dict[str, Any]] = {}
    for table in list_tables(cursor, vendor):
        if vendor == "postgresql":
            # 60 bits of each row's md5, summed exactly (numeric): the same rows give the same sum.
            cursor.execute(f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text "  # noqa: S608 - table names from the catalogue
                           f"FROM {_quote(table)} t")
            rows, checksum = cursor.fetchone()
        else:
            cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 - table names from the catalogue
            rows, total = 0, 0
            while batch := cursor.fetchmany(5000):
                for row in batch:
                    total += int.from_bytes(hashlib.sha256(repr(tuple(row)).encode()).digest()[:8], "big")
                rows += len(batch)
            checksum = str(total)
        figures[table] = {"rows": int(rows), "checksum": str(checksum)}
    return figures


# --- media --------------------------------------------------------------------------

def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def archive_media(root: Path, dest: Path) -> dict[str, Any]:
    files = {}
    with tarfile.open(dest, "w") as tar:
        for path in _media_files(root):
            rel = path.relative_to(root).as_posix()
            tar.add(path, arcname=rel, recursive=False)
            files[rel] = sha256_file(path)
    return {"files": files, "count": len(files)}


def check_media(root: Path, expected: dict[str, str]) -> list[str]:
    problems = []
    for rel, digest in sorted(expected.items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"media file missing: {rel}")
        elif sha256_file(path) != digest:
            problems.append(f"media file differs: {rel}")
    return problems


# --- backup -------------------------------------------------------------------------

def default_dest() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def backup(dest: Path, *, media_root: Path | None = None, alias_settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Back the database and the media files up into `dest` (created, must not exist); returns the manifest."""
    db = alias_settings or connection.settings_dict
    target = Target.from_settings(db)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    old_umask = os.umask(0o077)  # the dump holds (encrypted) personal data: owner only
    try:
        if target.vendor == "postgresql":
            db_file, tables = _backup_postgresql(target, dest)
        else:
            db_file, tables = _backup_sqlite(dest)
        media = archive_media(Path(media_root or settings.MEDIA_ROOT), dest / "media.tar")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": target.vendor,
            "database_file": db_file.name,
            "files": {db_file.name: _file_entry(db_file), "media.tar": _file_entry(dest / "media.tar")},
            "media": media,
            "tables": tables,
        }
        (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    finally:
        os.umask(old_umask)
    return manifest


def _backup_postgresql(target: Target, dest: Path) -> tuple[Path, dict[str, Any]]:
    out = dest / "database.dump"
    conn = target.connect()
    try:
        conn.autocommit = False
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            # pg_dump reads the same snapshot while this transaction stays open.
            dump = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 "--file", str(out), *target.pg_args(), target.name],
                env=target.pg_env(), capture_output=True, text=True, check=False)
            if dump.returncode != 0:
                raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
            tables = table_figures(cur, "postgresql")
        conn.rollback()
    finally:
        conn.close()
    return out, tables


def _backup_sqlite(dest: Path) -> tuple[Path, dict[str, Any]]:
    out = dest / "database.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(out)
    try:
        # The online backup API: a consistent copy while the application keeps writing.
        connection.connection.backup(copy)
        tables = table_figures(copy.cursor(), "sqlite")
    finally:
        copy.close()
    return out, tables


# --- restore ------------------------------------------------------------------------

def read_manifest(src: Path) -> dict[str, Any]:
    path = Path(src) / "manifest.json"
    if not path.is_file():
        raise BackupError(f"no manifest.json in {src}")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')}")
    return manifest


def check_files(src: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    for name, entry in manifest["files"].items():
        path = Path(src) / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"checksum differs: {name}")
    return problems


def target_is_empty(target: Target) -> bool:
    if target.vendor == "sqlite" and not Path(target.name).exists():
        return True
    conn = target.connect()
    try:
        cur = conn.cursor()
        return not list_tables(cur, target.vendor)
    finally:
        conn.close()


def restore(src: Path, target: Target, *, media_root: Path | None = None) -> dict[str, Any]:
    """Restore the backup in `src` into `target` and MEDIA_ROOT, then verify both; returns the comparison."""
    src = Path(src)
    manifest = read_manifest(src)
    problems = check_files(src, manifest)
    if problems:
        raise BackupError("the backup is damaged: " + "; ".join(problems))
    if manifest["engine"] != target.vendor:
        raise BackupError(f"a {manifest['engine']} backup cannot be restored into {target.vendor}")
    db_file = src / manifest["database_file"]
    if target.vendor == "postgresql":
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", *target.pg_args(), "-d", target.name, str(db_file)],
            env=target.pg_env(), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        Path(target.name).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(db_file)
        dest = sqlite3.connect(target.name)
        try:
            source.backup(dest)
        finally:
            source.close()
            dest.close()
    root = Path(media_root or settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(src / "media.tar") as tar:
        tar.extractall(root, filter="data")  # refuses absolute paths, .. and links out of root
    return verify(manifest, target, root)


def verify(manifest: dict[str, Any], target: Target, media_root: Path) -> dict[str, Any]:
    conn = target.connect()
    try:
        restored = table_figures(conn.cursor(), target.vendor)
    finally:
        conn.close()
    expected = manifest["tables"]
    problems = [f"table missing after restore: {t}" for t in expected if t not in restored]
    for table, fig in expected.items():
        got = restored.get(table)
        if got is None:
            continue
        if got["rows"] != fig["rows"]:
            problems.append(f"{table}: {got['rows']} rows restored, {fig['rows']} backed up")
        elif got["checksum"] != fig["checksum"]:
            problems.append(f"{table}: content checksum differs")
    problems += check_media(media_root, manifest["media"]["files"])
    if problems:
        raise BackupError("restore verification failed: " + "; ".join(problems))
    return {"tables": len(expected), "rows": sum(f["rows"] for f in expected.values()),
            "media_files": manifest["media"]["count"]}


def copy_offsite(src: Path, dest: Path) -> Path:
    """Copy a finished backup directory (e.g. onto a mounted off-site volume), checking it arrived whole."""
    final = Path(dest) / Path(src).name
    shutil.copytree(src, final)
    problems = check_files(final, read_manifest(final))
    if problems:
        raise BackupError("the copy is damaged: " + "; ".join(problems))
    return final
