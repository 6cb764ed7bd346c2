"""Nightly: recompute the observer rollups from their source rows and report any drift (observe/rollups.py).

    manage.py rebuild_rollups [--check] [--only community_stats,rating_stats,letter_stats,read_counts,case_steps,
                                               case_terms,covered_households,population_stats,population_days,
                                               member_days,post_days]

Prints one line per drift and a summary; ``--check`` only reports. Exits with
status 1 when drift was found, so a scheduler (cron, systemd timer) can alert.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.observe import rollups


class Command(BaseCommand):
    help = "Recompute the observer rollups from the source rows and report any drift."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="report drift only, write nothing")
        parser.add_argument("--only", default="", help="comma-separated: " + ",".join(rollups.ROLLUPS))

    def handle(self, *args: Any, **options: Any) -> None:
        only = tuple(x for x in options["only"].split(",") if x)
        unknown = [x for x in only if x not in rollups.ROLLUPS]
        if unknown:
            raise CommandError(f"unknown rollup: {', '.join(unknown)}")
        drifts = rollups.rebuild(only=only, check=options["check"])
        for d in drifts:
            self.stdout.write(f"drift: {d}")
        verb = "found" if options["check"] else "repaired"
        self.stdout.write(f"{len(drifts)} drift(s) {verb}")
        if drifts:
            raise SystemExit(1)
