"""``{% fragment "app/rows.jinja" rows=page_obj show_board=True %}``: render a Jinja2 list fragment in place.

The fragment sees only the keyword arguments (and ``request``); see common/jinja.py.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def fragment(context: template.Context, name: str, **values: Any) -> SafeString:
    request = context.get("request")
    html = engines["jinja2"].get_template(name).render(values, request)
    return mark_safe(html)  # noqa: S308 - Jinja2 autoescaped it
