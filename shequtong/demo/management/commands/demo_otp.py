"""Print the current TOTP code of the demo staff accounts (they share one published secret)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.demo.otp import current_code


class Command(BaseCommand):
    help = "Print the current 6-digit code for the demo staff accounts' second factor."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(current_code())
