"""Rural demo content for the demo village: 乡村振兴 items with sign-ups, notices, cases (after seed_demo; safe to run twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.demo.rural import seed_demo_rural


class Command(BaseCommand):
    help = "Create the demo village's 乡村振兴 items, notices and cases (does nothing if they exist)."

    def handle(self, *args: Any, **opts: Any) -> None:
        made = seed_demo_rural()
        if made["items"]:
            self.stdout.write(self.style.SUCCESS("demo village loaded: " + ", ".join(f"{k} {v}" for k, v in made.items())))
        else:
            self.stdout.write("demo village already loaded (or no demo district); nothing to do")
