"""`manage.py backup [--dest DIR]` (make backup): database, media files and a manifest with checksums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.ops import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's online backup) and MEDIA_ROOT with a checksum manifest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dest", help="directory to create (default var/backups/<UTC time>)")
        parser.add_argument("--offsite", help="then copy the finished backup into this directory and check it")

    def handle(self, *args: Any, **opts: Any) -> None:
        dest = Path(opts["dest"]) if opts["dest"] else backup.default_dest()
        try:
            manifest = backup.backup(dest)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(f"backup written to {dest}: {manifest['engine']}, {len(manifest['tables'])} tables, "
                          f"{rows} rows, {manifest['media']['count']} media files")
        if opts["offsite"]:
            try:
                copy = backup.copy_offsite(dest, Path(opts["offsite"]))
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"copied to {copy} and checked")
