"""API authentication: the browser session (with CSRF) or a scoped bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from shequtong.accounts.models import ApiToken
from shequtong.common import clock, crypto

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SessionAuth(APIKeyCookie):
    """Django's session cookie; ninja checks CSRF for unsafe methods (csrf=True)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith("sqt_"):
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=crypto.blind_index(token, purpose="api_token"), revoked_at__isnull=True)
            .first()
        )
        now = clock.now()
        # A token without an expiry is refused: every token has one (30 days by default, 90 at most).
        if row is None or row.expires_at is None or row.expires_at <= now or not row.user.is_active:
            return None
        if row.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]  # services refuse to mint tokens from a token
        return row.user


session_auth = SessionAuth()
token_auth = TokenAuth()
DEFAULT_AUTH = [token_auth, session_auth]
