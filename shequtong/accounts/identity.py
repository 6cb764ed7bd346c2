"""Who is asking: the signed-in user and their role grants, cached between requests.

Every request needs the user row and the role grants (the access rule checks
a capability, the shell picks the version). Loading them costs two queries
and most of the ORM work of a small page, so with a shared cache (Redis;
``settings.IDENTITY_CACHE_SECONDS`` > 0) they are kept for a few minutes:

- The cached user leaves the encrypted fields (real name, ID number, phone) deferred, so
  no clear personal data sits in the cache; reading them loads them from the
  database as usual. The password hash is kept: the session check needs it.
- Any save or delete of the user or of one of their grants drops the entry,
  at once and again when the transaction commits (so a reader that loaded
  the old rows in between cannot keep them). Writes that bypass signals
  (``QuerySet.update``, raw SQL, the seed's COPY) must call ``forget``; the
  entry also expires after ``IDENTITY_CACHE_SECONDS``.
- Without a shared cache (the embedded demo's local memory, which each
  process holds for itself) the setting is 0 and nothing is cached.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from . import scope

_KEY = "identity:v2:{}"
# Loaded only when read (and then from the database): never cached in clear. Pages show the
# stored masked name, so the real name is never read for them.
DEFERRED_FIELDS = ("real_name", "real_name_grams", "id_number", "phone")


def _key(user_id: Any) -> str:
    return _KEY.format(user_id)


def enabled() -> bool:
    return int(getattr(settings, "IDENTITY_CACHE_SECONDS", 0)) > 0


def load(user_id: Any) -> Any | None:
    """The active-or-not user with this id and their grants, from the cache when it holds them."""
    User = get_user_model()
    if not enabled():
        return User._default_manager.filter(pk=user_id).first()
    key = _key(user_id)
    hit = cache.get(key)
    if hit is not None:
        user, grants = hit
        scope.remember(user, grants)
        return user
    user = User._default_manager.defer(*DEFERRED_FIELDS).filter(pk=user_id).first()
    if user is not None:
        cache.set(key, (user, scope.grants_of(user)), int(settings.IDENTITY_CACHE_SECONDS))
    return user


def forget(user_id: Any) -> None:
    """Drop the cached identity now and when the current transaction commits."""
    if user_id is None:
        return
    key = _key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
