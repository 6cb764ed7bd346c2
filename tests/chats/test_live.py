"""Live updates: Redis pub/sub fan-out and Server-Sent Events under ASGI; polling stays the fallback."""

import shutil
import socket
import subprocess
import time

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from shequtong.chats import live

from ..factories import chat_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(settings, tmp_path):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(  # noqa: S603 - a local test server
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):  # wait for the server to accept connections
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.REDIS_URL = url
    live._client.cache_clear()
    yield url
    client.close()
    proc.terminate()
    proc.wait()
    live._client.cache_clear()


def test_without_redis_pages_poll_every_few_seconds(client, people, settings):
    settings.REDIS_URL = ""
    client.force_login(people.alice)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert 'hx-trigger="every 3s, chat:poll from:body"' in html and "data-stream-url" not in html
    assert client.get(reverse("chats:stream", args=[people.group_a1.pk])).status_code == 404


def test_a_new_message_is_published_once_committed(people, redis_url, django_capture_on_commit_callbacks):
    import redis

    pubsub = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.channel(people.group_a1.pk))
    pubsub.get_message(timeout=1)
    with django_capture_on_commit_callbacks(execute=True):
        message = chat_message(people.alice, people.group_a1, "有新消息")
    item = pubsub.get_message(timeout=5)
    assert item is not None and int(item["data"]) == message.pk
    pubsub.close()


def test_event_stream_yields_one_event_per_published_message(people, redis_url):
    async def run():
        stream = live.events(people.group_a1.pk, seconds=10)
        first = await stream.__anext__()  # subscribed before the first chunk
        live.publish(people.group_a1.pk, 42)
        second = await stream.__anext__()
        await stream.aclose()
        return first, second

    first, second = async_to_sync(run)()
    assert first == b"retry: 3000\n\n"
    assert second == b"event: message\ndata: 42\n\n"


def test_under_asgi_members_get_a_stream_and_outsiders_do_not(people, redis_url, monkeypatch):
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.3)
    url = reverse("chats:stream", args=[people.group_a1.pk])

    async def run():
        outsider = AsyncClient()
        await outsider.aforce_login(people.carol)
        refused = await outsider.get(url)
        member = AsyncClient()
        await member.aforce_login(people.alice)
        page = await member.get(reverse("chats:detail", args=[people.group_a1.pk]))
        response = await member.get(url)
        body = b"".join([chunk async for chunk in response.streaming_content])
        return refused.status_code, page.content.decode(), response, body

    refused, page, response, body = async_to_sync(run)()
    assert refused == 404
    assert f'data-stream-url="{url}"' in page and "every 30s" in page
    assert response["Content-Type"] == "text/event-stream" and body.startswith(b"retry: 3000")


def test_under_wsgi_pages_keep_polling_even_with_redis(client, people, redis_url):
    client.force_login(people.alice)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "data-stream-url" not in html and "every 3s" in html
    assert client.get(reverse("chats:stream", args=[people.group_a1.pk])).status_code == 404


def test_with_the_live_process_pages_under_wsgi_offer_the_stream_it_serves(client, people, settings):
    """Production: pages under WSGI, the stream URLs routed by nginx to the ASGI process (LIVE_PROCESS)."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # rendering the page connects to nothing
    settings.LIVE_PROCESS = True
    client.force_login(people.alice)
    url = reverse("chats:stream", args=[people.group_a1.pk])
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert f'data-stream-url="{url}"' in html and "every 30s" in html
    # This WSGI process still never streams (it would buffer to the end): only the live process answers.
    assert client.get(url).status_code == 404


def test_the_live_process_offers_nothing_without_redis(client, people, settings):
    settings.REDIS_URL = ""
    settings.LIVE_PROCESS = True
    client.force_login(people.alice)
    html = client.get(reverse("chats:detail", args=[people.group_a1.pk])).content.decode()
    assert "data-stream-url" not in html and "every 3s" in html
