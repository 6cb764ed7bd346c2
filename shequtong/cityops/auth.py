"""The feeds' authentication: a bearer feed token (``sqf_…``), its addresses and its rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from shequtong.accounts import throttle
from shequtong.common import clock, crypto
from shequtong.common.clientip import client_ip
from shequtong.common.errors import PermissionRefused, Throttled

from .models import FeedToken

PREFIX = "sqf_"
PURPOSE = "cityops_token"
# last_used_at is written at most once a minute per token: a screen polling every few seconds
# must not turn every read into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


def key_hash(token: str) -> str:
    return crypto.blind_index(token, purpose=PURPOSE)


class FeedAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(PREFIX):
            return None
        row = FeedToken.objects.filter(key_hash=key_hash(token), revoked_at__isnull=True).first()
        now = clock.now()
        if row is None or row.expires_at <= now:
            return None
        if not row.allows_ip(client_ip(request)):
            raise PermissionRefused("该令牌不允许从此地址访问")
        if throttle.hit(f"cityops-token:{row.pk}", 60) > settings.CITYOPS_REQUESTS_PER_MINUTE:
            raise Throttled("请求过于频繁，请稍后再试")
        if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
            FeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.feed_token = row  # type: ignore[attr-defined]
        return row


feed_auth = FeedAuth()
