"""System check: the public Open311 feed never names a private case source."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def published_sources_are_public(app_configs: Any, **kwargs: Any) -> list[Error]:
    from .selectors import PRIVATE_SOURCES

    named = sorted(set(getattr(settings, "OPEN311_PUBLISHED_SOURCES", ())) & set(PRIVATE_SOURCES))
    if not named:
        return []
    return [Error(
        f"OPEN311_PUBLISHED_SOURCES names private sources: {', '.join(named)}",
        hint="letters and 面对面 visits are private in the app and are never published over Open311; "
             "remove them from the setting (shequtong/open311/README.md)",
        id="open311.E001",
    )]
