"""Imports as background jobs: the worker runs them through the outbox (kind ``operations.import``).

The page queues a job (upload → dry run; confirm → real run) as an outbox row; `manage.py
worker` claims it and calls `deliver_import`, which opens the encrypted file, runs the
importer and writes progress to the job after each batch. Each progress write also extends
the outbox row's lease, so a long import is never handed to a second worker while it runs;
if the worker dies, the lease runs out, the row is claimed again and the import resumes
after the last committed batch (`rows_done`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequtong.accounts import audit
from shequtong.accounts.models import AuditEvent
from shequtong.common import clock
from shequtong.notifications.models import Outbox
from shequtong.notifications.outbox import PermanentFailure, lease

from . import filestore
from .importers import importer_for
from .importers.base import Report, run
from .models import ImportJob
from .tabular import FileProblem

IMPORT_KIND = "operations.import"


def execute(job: ImportJob, data: bytes, *, dry_run: bool, outbox_id: int | None = None,
            on_progress: Any = None) -> Report:
    """Run `job` over `data`, keeping its progress; resumes after `rows_done` in a real run."""
    importer = importer_for(job.kind)
    skip = 0 if dry_run else job.rows_done
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=clock.now(), error="")

    def progress(read: int, report: Report) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=read, counts=dict(report.counts),
                                                   problem_count=report.problem_count)
        if outbox_id is not None:
            Outbox.objects.filter(pk=outbox_id).update(next_attempt_at=clock.now() + lease())
        if on_progress is not None:
            on_progress(read, report)

    report = run(importer, importer.records(data, job.file_format), dry_run=dry_run, skip_rows=skip, progress=progress)
    with transaction.atomic():
        fields: dict[str, Any] = {
            "rows_total": report.rows, "rows_done": report.rows, "counts": dict(report.counts),
            "problems": [p.as_dict() for p in report.problems], "problem_count": report.problem_count,
        }
        if dry_run:
            fields["status"] = ImportJob.Status.CHECKED
        else:
            fields.update(status=ImportJob.Status.DONE, file_blob=None, finished_at=clock.now())
        ImportJob.objects.filter(pk=job.pk).update(**fields)
        if not dry_run:
            audit.record(AuditEvent.Action.IMPORT, actor=job.created_by, target=job,
                         detail={"op": "done", "kind": job.kind, "rows": report.rows, **dict(report.counts),
                                 "problems": report.problem_count})
    return report


def deliver_import(row: Outbox) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=row.payload.get("job")).first()
    if job is None or job.status in (ImportJob.Status.CANCELLED, ImportJob.Status.DONE):
        return "nothing to do"
    dry_run = bool(row.payload.get("dry_run"))
    if dry_run and job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return "already checked"
    data = filestore.open_sealed(job.file_blob)
    if not data:
        raise PermanentFailure("the import file is gone")
    try:
        report = execute(job, data, dry_run=dry_run, outbox_id=row.pk)
    except FileProblem as exc:
        _fail(job, str(exc))
        raise PermanentFailure(str(exc)) from exc
    return report.summary()


def _fail(job: ImportJob, error: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=error[:500], file_blob=None,
                                               finished_at=clock.now())


def import_given_up(row: Outbox) -> None:
    """The outbox gave up (refused or out of attempts): the job failed, and its file is dropped."""
    job = ImportJob.objects.filter(pk=row.payload.get("job")).first()
    if job is not None and not job.finished:
        _fail(job, row.last_error[:500] if getattr(row, "last_error", "") else "导入失败，请查看投递日志")
