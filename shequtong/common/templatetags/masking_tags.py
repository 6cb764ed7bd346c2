"""Template filters for masking personal data written inside free text."""

from __future__ import annotations

from django import template

from shequtong.common import masking

register = template.Library()


@register.filter
def mask_text(value: str | None) -> str:
    return masking.mask_text(value)
