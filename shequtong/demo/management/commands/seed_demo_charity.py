"""Load the demo's public-benefit projects, sites, plans, bookings and reviews (run after seed_demo; safe twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.demo.charity import seed_demo_charity


class Command(BaseCommand):
    help = "Create demo-org's charity projects in every state, sites, bookings and reviews (does nothing if they exist)."

    def handle(self, *args: Any, **opts: Any) -> None:
        created = seed_demo_charity()
        if created:
            self.stdout.write(self.style.SUCCESS(f"demo charity loaded: {created} projects"))
        else:
            self.stdout.write("demo charity already loaded (or no demo district); nothing to do")
