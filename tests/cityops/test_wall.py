"""The wall's live updates: no stream (a held server thread) under WSGI, the screens poll; the worker's
precompute nudges the Redis-relayed stream only when a figure changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.cityops import services
from shequtong.common import clock

from .conftest import fill

pytestmark = pytest.mark.django_db


def test_under_wsgi_the_wall_polls_and_offers_no_stream(cast, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # even with Redis: WSGI would hold a thread per screen
    client.force_login(cast.district)
    html = client.get(reverse("cityops:wall")).content.decode()
    assert 'data-stream-url=""' in html and f'data-refresh="{settings.CITYOPS_WALL_REFRESH_SECONDS}"' in html
    assert client.get(reverse("cityops:wall_stream")).status_code == 404
    data = client.get(reverse("cityops:wall_data")).json()
    assert data["tag"] and {"letters", "cases", "overview", "epidemic", "map"} <= set(data)


def test_with_the_live_process_the_wall_offers_the_stream_nginx_routes_there(cast, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.LIVE_PROCESS = True  # deploy/: an ASGI process serves the stream URLs
    client.force_login(cast.district)
    html = client.get(reverse("cityops:wall")).content.decode()
    assert f'data-stream-url="{reverse("cityops:wall_stream")}"' in html
    assert client.get(reverse("cityops:wall_stream")).status_code == 404  # never from this WSGI process


def test_the_precompute_nudges_the_wall_only_when_a_figure_changed(cast, settings, monkeypatch, time_machine):
    published: list[tuple[str, str]] = []

    class FakeRedis:
        def publish(self, channel: str, message: str) -> None:
            published.append((channel, message))

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr("shequtong.chats.live._client", lambda url: FakeRedis())
    time_machine.move_to(clock.now(), tick=False)
    services.precompute_feeds()
    assert published == [(services.FIGURES_CHANNEL, "1")]  # the first answers are news
    time_machine.move_to(clock.now() + dt.timedelta(seconds=120), tick=False)
    services.precompute_feeds()
    assert len(published) == 1  # recomputed, nothing changed: no nudge
    fill(cast, 31, n=2)
    time_machine.move_to(clock.now() + dt.timedelta(seconds=120), tick=False)
    services.precompute_feeds()
    assert len(published) == 2
    settings.REDIS_URL = ""
    fill(cast, 32, n=1)
    time_machine.move_to(clock.now() + dt.timedelta(seconds=120), tick=False)
    services.precompute_feeds()  # without Redis nothing is published (and nothing fails)
    assert len(published) == 2
