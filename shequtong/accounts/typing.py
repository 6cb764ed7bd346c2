"""Request types for views behind a login rule (request.user is a real User there)."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
