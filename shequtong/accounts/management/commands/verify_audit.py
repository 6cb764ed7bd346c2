"""Prove the audit log untouched: recompute its hash chain (exit status 1 at the first break)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.accounts import audit


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; print the row count and head hash to record elsewhere."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--expect-head", default="", help="a head hash recorded earlier: it must still be in the chain")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = audit.verify_chain()
        if not report.intact:
            raise CommandError(f"audit chain broken at event {report.broken_at}: {report.reason} ({report.rows} rows read)")
        expected = opts["expect_head"]
        if expected and not audit.AuditEvent.objects.filter(row_hash=expected).exists():
            raise CommandError(f"the recorded head {expected} is no longer in the chain: rows were removed from its end")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.rows} events, head {report.head or '(empty)'}"))
