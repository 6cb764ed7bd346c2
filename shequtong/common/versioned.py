"""Values kept until the rows they were computed from change (issue 11: no query the page can skip).

A page asks for a small derived value (a person's unread count, a community's banners) on
every request. `remember(name, deps, compute)` keeps it in the shared cache together with
the versions of the dependencies it was computed under; the services that change those rows
call `touch(dep)`, which moves the dependency's version on, so the next read recomputes.
One cache round trip (`get_many`) answers a hit:

    count = versioned.remember(f"inbox-unread:{user.pk}", [f"inbox:{user.pk}"],
                               lambda: Message.objects.filter(...).count())
    ...
    versioned.touch(f"inbox:{recipient_id}")       # in the service that writes the message

Rules:
- `touch` bumps at once and again when the transaction commits, like identity.forget: a reader
  that loaded the old rows in between stored them under the first bump, and the second drops it.
- A missing version (never touched, or evicted) reads as 0; a value stored under 0 is dropped
  by the first touch. An evicted version can only cause a recompute, never a stale hit, because
  a touch after eviction starts again above every version a value could have been stored with
  (versions are seeded with the current time in milliseconds).
- Cache nothing personal in clear (identity.py's rule): counts, ids, public board content only.
- Enabled with a shared cache (Redis: every server process sees one version) and in tests
  (one process); the embedded demo's per-process memory cache computes every time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

_VALUE = "vc:{}"
_VERSION = "vv:{}"


def enabled() -> bool:
    return bool(getattr(settings, "VERSIONED_CACHE", False))


def remember(name: str, deps: Sequence[str], compute: Callable[[], T], *, seconds: int | None = None) -> T:
    """`compute()`, or the value it gave last time if no dependency was touched since."""
    if not enabled():
        return compute()
    value_key = _VALUE.format(name)
    version_keys = [_VERSION.format(d) for d in deps]
    found = cache.get_many([value_key, *version_keys])
    versions = tuple(found.get(k, 0) for k in version_keys)
    hit = found.get(value_key)
    if hit is not None and hit[0] == versions:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    cache.set(value_key, (versions, value), seconds if seconds is not None else settings.VERSIONED_CACHE_SECONDS)
    return value


def version(dep: str) -> int:
    """The version a dependency is at (0: never touched, or evicted): which writes move it is a rule to test."""
    return int(cache.get(_VERSION.format(dep), 0))


def touch(*deps: str) -> None:
    """The rows behind these dependencies changed (call inside the writing transaction)."""
    if not enabled() or not deps:
        return
    keys = [_VERSION.format(d) for d in deps]
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def _bump(keys: list[str]) -> None:
    bump_versions = getattr(cache, "bump_versions", None)
    if bump_versions is not None:  # Redis (common/redis_cache.py): every key in one round trip
        bump_versions(keys, int(time.time() * 1000))
        return
    for key in keys:
        # add() seeds a version no stored value can carry; incr() then moves it on atomically.
        cache.add(key, int(time.time() * 1000), None)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr: a fresh seed is as good
            cache.set(key, int(time.time() * 1000), None)
