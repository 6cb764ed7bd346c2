"""Sessions: Django's cached_db, with the idle-timeout refresh written to the cache alone most of the time.

The 30-minute idle timeout slides with activity: IdleTimeoutMiddleware (accounts/middleware.py) moves
a signed-in session's expiry on at most once a minute. With Django's cached_db engine every such
refresh was a full save: a transaction and an UPDATE of django_session (a WAL flush), then the cache
(~1.1 ms of app CPU and ~6 ms of waiting, measured on the full district). At 2,000 residents acting
every ten seconds that was a fifth of all requests (docs/performance.md, issue 11 seventh step).

Here a save that changes nothing but the refresh keys (the time of the refresh and the expiry) goes
to the cache only, as long as the database copy is younger than SESSION_DB_REFRESH_SECONDS; any other
change (a login, a message, a choice kept in the session), a new session and an older database copy
are saved as cached_db saves them. The cache answers every read, so the idle rule holds to the minute.
If Redis loses the session, the database copy is read instead, with its older expiry: the person is
then signed out up to SESSION_DB_REFRESH_SECONDS early, never late.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from shequtong.common import redis_cache

logger = logging.getLogger("django.contrib.sessions")

TOUCHED = "_touched"  # when IdleTimeoutMiddleware last moved the expiry on (epoch seconds)
_EXPIRY = "_session_expiry"  # where Django keeps set_expiry()'s value
_DB_SAVED = "_db_saved"  # when the database copy was last written (epoch seconds)
_REFRESH_KEYS = frozenset({TOUCHED, _EXPIRY})


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = super().load()
        self._loaded = {k: v for k, v in data.items() if k not in _REFRESH_KEYS}
        return data

    def _only_refreshed(self) -> bool:
        """Nothing but the refresh keys changed since the session was read."""
        loaded = getattr(self, "_loaded", None)
        if loaded is None or self._session_key is None:
            return False
        return {k: v for k, v in self._get_session().items()  # type: ignore[attr-defined]
                if k not in _REFRESH_KEYS} == loaded

    def save(self, must_create: bool = False) -> None:
        now = int(time.time())
        data: dict[str, Any] = self._get_session()  # type: ignore[attr-defined]
        if (not must_create and self._only_refreshed()
                and now - int(data.get(_DB_SAVED, 0)) < settings.SESSION_DB_REFRESH_SECONDS):
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age())  # type: ignore[attr-defined]
            except Exception:  # the cache is down: write the database as cached_db would
                logger.exception("Error saving a session refresh to cache")
            else:
                if redis_cache.breaker.allows():  # our Redis cache fails open: a refused set trips it
                    return
        data[_DB_SAVED] = now
        super().save(must_create)
        self._loaded = {k: v for k, v in data.items() if k not in _REFRESH_KEYS}
