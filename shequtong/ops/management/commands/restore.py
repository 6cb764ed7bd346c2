"""`manage.py restore DIR` (make restore FROM=DIR): check, restore, then verify every table and media file.

Stop the web processes and the worker first. By default it restores into the
configured database and MEDIA_ROOT and refuses a database that already has
tables unless --yes is given (PostgreSQL: the dump's objects are dropped and
recreated in one transaction). --database-url and --media-root restore
elsewhere (a restore drill, a standby host). --check-only verifies the files
against the manifest without restoring. Afterwards run `manage.py migrate`
if the code is newer than the backup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from shequtong.ops import backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` and prove it: row counts and checksums of every table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="the backup directory (holds manifest.json)")
        parser.add_argument("--database-url", help="restore into this database instead of the configured one")
        parser.add_argument("--media-root", help="restore the media files here instead of MEDIA_ROOT")
        parser.add_argument("--yes", action="store_true", help="replace a database that already has tables")
        parser.add_argument("--check-only", action="store_true", help="only check the files against the manifest")

    def handle(self, *args: Any, **opts: Any) -> None:
        src = Path(opts["source"])
        try:
            manifest = backup.read_manifest(src)
            problems = backup.check_files(src, manifest)
            if problems:
                raise CommandError("the backup is damaged: " + "; ".join(problems))
            if opts["check_only"]:
                self.stdout.write(f"{src}: files match the manifest ({manifest['engine']}, {manifest['created_at']})")
                return
            target = (backup.Target.from_url(opts["database_url"]) if opts["database_url"]
                      else backup.Target.from_settings(connection.settings_dict))
            if not opts["yes"] and not backup.target_is_empty(target):
                raise CommandError(f"database {target.name} already has tables: add --yes to replace them")
            connection.close()
            result = backup.restore(src, target, media_root=Path(opts["media_root"]) if opts["media_root"] else None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {src} into {target.name}: {result['tables']} tables and {result['rows']} rows "
                          f"match the manifest, {result['media_files']} media files checked")
