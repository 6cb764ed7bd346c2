"""Take in queued behaviour (posts, replies, likes, reads, letters, cases) and fold new behaviour events into residents' demand profiles (PF-2); the worker also runs it on its schedule."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequtong.policy import services, store


class Command(BaseCommand):
    help = "Rebuild the demand profiles of residents with new behaviour (--full: every profile)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true")
        parser.add_argument("--limit", type=int, default=50_000)

    def handle(self, *args: Any, **opts: Any) -> None:
        taken = services.ingest_behaviour(limit=opts["limit"])
        n = store.rebuild_profiles(limit=opts["limit"], full=opts["full"])
        self.stdout.write(f"took in {taken} new events, folded {n} events")
