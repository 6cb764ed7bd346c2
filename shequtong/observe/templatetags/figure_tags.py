"""How a figure of 数据 is written on the page: a count as is, a share with %, None as —."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any, kind: str = "int") -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind in ("avg", "hours"):
        return f"{value:.1f}"
    return str(value)


@register.filter
def cells(row: Any, columns: list[Any]) -> list[tuple[Any, str]]:
    """The row's figures in the columns' order, each with its kind."""
    return [(row.values.get(c.key), c.kind) for c in columns]


@register.filter
def get_figure(values: dict[str, Any], key: str) -> Any:
    return values.get(key)
