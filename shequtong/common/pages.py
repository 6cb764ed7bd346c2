"""Whole pages in Jinja2 (docs/architecture.md "Rendering a list (the hot path)").

A hot page is a Jinja2 template under ``<app>/jinja2/`` that extends ``shell/page.jinja``; its view
ends with ``pages.render(request, "app/page.jinja", {...})``. It is rendered by the "pages" engine
(settings.TEMPLATES), which runs the same context processors as a Django template, so the page
sees ``request``, ``user``, ``messages``, ``csrf_token`` and the shell's values as before.
"""

from __future__ import annotations

from typing import Any

from django import shortcuts
from django.http import HttpRequest, HttpResponse


def render(request: HttpRequest, template_name: str, context: dict[str, Any] | None = None, *,
           status: int | None = None) -> HttpResponse:
    return shortcuts.render(request, template_name, context, status=status, using="pages")
