"""accounts/sessions.py: the idle-timeout refresh goes to the cache, other changes and old copies to the database."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from shequtong.accounts.sessions import TOUCHED, SessionStore

pytestmark = pytest.mark.django_db


def _stored(key: str) -> tuple[object, dict]:
    row = Session.objects.get(session_key=key)
    return row.expire_date, SessionStore().decode(row.session_data)


def _signed_in_session() -> str:
    store = SessionStore()
    store["_auth_user_id"] = "7"
    store[TOUCHED] = int(time.time()) - 120
    store.set_expiry(1800)
    store.create()
    return store.session_key


def _refresh(key: str, at: int) -> SessionStore:
    store = SessionStore(key)
    store[TOUCHED] = at  # what IdleTimeoutMiddleware does, at most once a minute
    store.set_expiry(1800)
    store.save()
    return store


def test_a_refresh_goes_to_the_cache_and_every_read_sees_it(settings):
    settings.SESSION_DB_REFRESH_SECONDS = 300
    key = _signed_in_session()
    expire_before, data_before = _stored(key)
    now = int(time.time())
    _refresh(key, now)
    assert _stored(key) == (expire_before, data_before)  # no UPDATE of django_session
    again = SessionStore(key)
    assert again[TOUCHED] == now and again["_auth_user_id"] == "7"
    assert 1790 < again.get_expiry_age() <= 1800


def test_any_other_change_and_an_old_database_copy_are_written_to_the_database(settings):
    settings.SESSION_DB_REFRESH_SECONDS = 300
    key = _signed_in_session()
    store = SessionStore(key)
    store["elder_offer_seen"] = True
    store.save()
    assert _stored(key)[1]["elder_offer_seen"] is True
    settings.SESSION_DB_REFRESH_SECONDS = 0  # the database copy counts as old: the refresh writes it
    now = int(time.time())
    _refresh(key, now)
    assert _stored(key)[1][TOUCHED] == now


def test_with_the_cache_lost_the_database_copy_still_signs_the_person_in(settings):
    settings.SESSION_DB_REFRESH_SECONDS = 300
    key = _signed_in_session()
    _refresh(key, int(time.time()))
    cache.clear()  # Redis restarted without its data
    store = SessionStore(key)
    assert store["_auth_user_id"] == "7" and store.get_expiry_age() > 0


def test_the_cookie_is_renewed_when_only_the_cache_is_written(client, settings, tree):
    """SessionMiddleware still saves (to the cache) and sends the cookie with the new max-age."""
    from shequtong.accounts.roles import Role

    from ..factories import make_with_role

    settings.SESSION_ENGINE = "shequtong.accounts.sessions"
    settings.SESSION_DB_REFRESH_SECONDS = 300
    client.force_login(make_with_role(Role.RESIDENT, tree.comm_a1))
    client.get("/")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    store[TOUCHED] = int(time.time()) - 120  # the last refresh two minutes ago
    store.save()
    expire_before = Session.objects.get(session_key=key).expire_date
    response = client.get("/")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    assert Session.objects.get(session_key=key).expire_date == expire_before
    assert SessionStore(key)[TOUCHED] >= int(time.time()) - 5


def test_with_redis_down_the_refresh_is_written_to_the_database(settings, monkeypatch):
    from shequtong.common import redis_cache

    settings.SESSION_DB_REFRESH_SECONDS = 300
    key = _signed_in_session()
    monkeypatch.setattr(redis_cache.breaker, "open_until", time.monotonic() + 60)  # a Redis error just now
    now = int(time.time())
    _refresh(key, now)
    assert _stored(key)[1][TOUCHED] == now
