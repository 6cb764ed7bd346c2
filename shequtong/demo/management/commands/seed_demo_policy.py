"""政策找人 demo content: officer and reviewer logins, care tags, profiles, a sent policy, a draft, a list under review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.demo.policy import seed_demo_policy, summary


class Command(BaseCommand):
    help = "Create the demo community's 政策找人 content (does nothing if it exists or without seed_demo)."

    def handle(self, *args: Any, **opts: Any) -> None:
        made = seed_demo_policy()
        if made["policies"]:
            self.stdout.write(self.style.SUCCESS("demo 政策找人 loaded: " + summary(made)))
        else:
            self.stdout.write("demo 政策找人 already loaded (or no demo district); nothing to do")
