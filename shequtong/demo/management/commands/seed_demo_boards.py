"""Fill the demo community's boards with a handful of realistic posts (run after seed_demo; safe to run twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.demo.boards import seed_demo_boards


class Command(BaseCommand):
    help = "Create demo posts in every board of the demo community (does nothing if they exist)."

    def handle(self, *args: Any, **opts: Any) -> None:
        created = seed_demo_boards()
        if created:
            self.stdout.write(self.style.SUCCESS(f"demo boards loaded: {created} posts"))
        else:
            self.stdout.write("demo boards already loaded (or no demo district); nothing to do")
