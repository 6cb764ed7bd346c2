"""Print the demo logins (only the accounts seed_demo created and that exist)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.demo.district import DEMO_PASSWORD
from shequtong.demo.otp import DEMO_TOTP_SECRET, enrol_demo_staff

DEMO_USERNAMES = [
    "demo-resident", "demo-villager", "demo-staff", "demo-secretary", "demo-subdistrict", "demo-district",
    "demo-rural-admin", "demo-org", "demo-center", "demo-police", "demo-doctor", "demo-property",
    "demo-rural-reviewer", "demo-village-staff", "demo-policy-officer", "demo-policy-reviewer",
]


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args: Any, **opts: Any) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        if not users:
            self.stdout.write("no demo accounts (run seed_demo)")
            return
        # Idempotent: also enrols the staff of a demo database seeded before the second factor existed.
        enrol_demo_staff(DEMO_USERNAMES)
        self.stdout.write(self.style.SUCCESS(f"\n社区通 demo logins (password for all: {DEMO_PASSWORD})"))
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user is None:
                continue
            roles = "、".join(f"{g.get_role_display()}@{g.place_name}" for g in scope.grants_of(user))
            self.stdout.write(f"  {name:<18} {roles}")
        self.stdout.write(
            f"\nStaff accounts (all but demo-resident and demo-villager) ask for a second factor (动态口令):\n"
            f"  TOTP secret for all of them: {DEMO_TOTP_SECRET} (add it to an authenticator app)\n"
            f"  or print the current code:   .venv/bin/python manage.py demo_otp\n"
        )
