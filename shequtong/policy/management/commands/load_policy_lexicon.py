"""Load (or re-load) the lexicon's versioned fixture into the editable tables."""

from typing import Any

from django.core.management.base import BaseCommand

from shequtong.policy import store


class Command(BaseCommand):
    help = "Create or update the lexicon's domains and terms from shequtong/policy/data/lexicon.json."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(f"{store.load_lexicon_fixture()} terms loaded")
