"""Import a file from the command line: the same importers, reports and progress as the page.

    manage.py import_data tree 辖区.xlsx --dry-run
    manage.py import_data residents 居民.csv
    manage.py import_data history history.jsonl

A real run records an ImportJob (without the file). Run the same command again after an
interruption: it finds the unfinished job of the same file and resumes after the last
committed batch; run it again after success and nothing changes (every write is an upsert).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.operations import filestore, jobs, tabular
from shequtong.operations.importers.base import Report
from shequtong.operations.models import ImportJob, ImportKind


class ProgressBar:
    def __init__(self, total: int, stream: Any) -> None:
        self.total, self.stream, self.started = total, stream, time.monotonic()

    def __call__(self, read: int, report: Report) -> None:
        width = 30
        share = min(1.0, read / self.total) if self.total else 0.0
        elapsed = max(0.001, time.monotonic() - self.started)
        bar = "█" * int(width * share) + "·" * (width - int(width * share))
        self.stream.write(f"\r[{bar}] {share:4.0%} {read}/{self.total} 行 · {read / elapsed:,.0f} 行/秒 · "
                          f"问题 {report.problem_count}")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")


class Command(BaseCommand):
    help = "Import the jurisdiction tree, staff, residents (XLSX/CSV) or history (JSON lines); --dry-run checks only."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--actor", default="", help="the system administrator's username (default: the first one)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument("--template", action="store_true", help="write the kind's XLSX template to PATH instead")

    def handle(self, *args: Any, **opts: Any) -> None:
        kind, path = opts["kind"], Path(opts["path"])
        if opts["template"]:
            if kind == ImportKind.HISTORY:
                raise CommandError("历史数据为 JSON lines 格式，见 docs/operations.md")
            from shequtong.operations.importers import columns_for

            path.write_bytes(tabular.template_xlsx(str(ImportKind(kind).label)[:30], columns_for(kind)))
            self.stdout.write(f"模板已写入 {path}")
            return
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        data = path.read_bytes()
        try:
            file_format = tabular.format_of(path.name)
        except tabular.FileProblem as exc:
            raise CommandError(str(exc)) from exc
        actor = self._actor(opts["actor"])
        digest = filestore.digest(data)
        job = None
        if not opts["dry_run"]:
            job = ImportJob.objects.filter(kind=kind, file_sha256=digest, status=ImportJob.Status.RUNNING).order_by("-id").first()
            if job is not None:
                self.stderr.write(f"继续未完成的导入任务 #{job.pk}（已完成 {job.rows_done} 行）")
        if job is None:
            job = ImportJob(kind=kind, status=ImportJob.Status.QUEUED, file_name=path.name[-200:], file_format=file_format,
                            file_sha256=digest, created_by=actor, created_at=clock.now())
            if not opts["dry_run"]:
                job.save()
        total = tabular.count_rows(data, file_format)
        bar = None if opts["quiet"] else ProgressBar(total, self.stderr)
        try:
            if opts["dry_run"]:
                report = self._dry_run(job, data, bar)
            else:
                report = jobs.execute(job, data, dry_run=False, on_progress=bar)
        except tabular.FileProblem as exc:
            raise CommandError(str(exc)) from exc
        if bar is not None:
            bar.done()
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(("【预检】" if opts["dry_run"] else "【导入完成】") + report.summary())

    @staticmethod
    def _dry_run(job: ImportJob, data: bytes, bar: Any) -> Report:
        from shequtong.operations.importers import importer_for
        from shequtong.operations.importers.base import run

        importer = importer_for(job.kind)
        return run(importer, importer.records(data, job.file_format), dry_run=True, progress=bar)

    @staticmethod
    def _actor(username: str) -> User:
        qs = User.objects.filter(pk__in=RoleGrant.objects.filter(role=Role.SYSADMIN).values("user_id"))
        actor = qs.filter(username=username).first() if username else qs.order_by("id").first()
        if actor is None:
            raise CommandError("没有系统管理员：请先运行 manage.py bootstrap_district" if not username
                               else f"{username} 不是系统管理员")
        return actor


