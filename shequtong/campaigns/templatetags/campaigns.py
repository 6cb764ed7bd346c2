from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def phase_at(campaign: Any, now: Any) -> str:
    """未发布 / 未开始 / 进行中 / 已结束 / 已关闭."""
    return str(campaign.phase(now))
