"""Print the demo logins (only the accounts seed_demo created and that exist)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.demo.district import DEMO_PASSWORD

DEMO_USERNAMES = [
    "demo-resident", "demo-villager", "demo-staff", "demo-secretary", "demo-subdistrict", "demo-district",
    "demo-rural-admin", "demo-org", "demo-center", "demo-police", "demo-doctor", "demo-property",
]


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args: Any, **opts: Any) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        if not users:
            self.stdout.write("no demo accounts (run seed_demo)")
            return
        self.stdout.write(self.style.SUCCESS(f"\n社区通 demo logins (password for all: {DEMO_PASSWORD})"))
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user is None:
                continue
            roles = "、".join(f"{g.get_role_display()}@{g.place_name}" for g in scope.grants_of(user))
            self.stdout.write(f"  {name:<18} {roles}")
        self.stdout.write("")
