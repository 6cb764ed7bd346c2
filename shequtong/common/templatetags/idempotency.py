"""``{% idempotency_field %}``: a fresh idempotency key in a hidden field, rendered with a form.

Submitting the same rendered form twice (a double click, a resend after a slow
answer) carries the same key, so the write happens once (common/idempotency.py).
"""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shequtong.common.idempotency import FIELD

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)
