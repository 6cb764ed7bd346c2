"""``{% icon "home" %}``: an inline SVG icon by name, one dictionary look-up (common/icons.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from shequtong.common.icons import svg

register = template.Library()


@register.simple_tag
def icon(name: str) -> SafeString:
    return svg(str(name))
