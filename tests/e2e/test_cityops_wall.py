"""The 治慧中心 wall (CO-3): three 1920×1080 screens with data, linked, and back by themselves after a
server restart (EventSource reconnects, the page refetches and says when its data was stale)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

from shequtong.cases import services as case_services

from ..cityops.conftest import fill
from ..factories import PASSWORD, make_cast, make_tree
from .conftest import SHOTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "img"


class _OneRequestHandler(QuietWSGIRequestHandler):
    """One request per connection. Stopping Django's live server closes its listening socket but
    not the keep-alive connections its handler threads still serve, so a browser holding one kept
    getting answers from a "stopped" server and never saw its data go stale."""

    def handle_one_request(self) -> None:
        super().handle_one_request()
        self.close_connection = True


class _ReusableThread(LiveServerThread):
    """A live server that can bind its port again right after it stopped (Django's refuses: TIME_WAIT)."""

    def _create_server(self, connections_override=None):  # type: ignore[no-untyped-def]
        return self.server_class((self.host, self.port), _OneRequestHandler, allow_reuse_address=True,
                                 connections_override=connections_override)


def serve(port: int = 0) -> LiveServer:
    server = LiveServer(f"localhost:{port}", start=False)
    old = server.thread
    server.thread = _ReusableThread(old.host, old.static_handler, connections_override=old.connections_override,
                                    port=old.port)
    server.thread.daemon = True
    server.start()
    return server


def wait_until(check, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Poll from Python (the strict CSP forbids Playwright's wait_for_function)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def drawn(page, chart: str) -> bool:  # type: ignore[no-untyped-def]
    return page.locator(f'[data-chart="{chart}"] canvas').count() > 0


def test_three_linked_screens_that_survive_a_restart(browser, settings):
    settings.CITYOPS_WALL_REFRESH_SECONDS = 1
    settings.CITYOPS_WALL_STALE_SECONDS = 3
    settings.CITYOPS_CACHE_SECONDS = 0
    cast = make_cast(make_tree())
    fill(cast, 11, n=16)
    server = serve()
    port = server.thread.port
    running = True
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    ctx.set_default_timeout(20_000)
    try:
        base = server.url
        first = ctx.new_page()
        login(first, base, cast.district.username, PASSWORD)
        screens = {}
        for name in ("left", "centre", "right"):
            p = first if name == "left" else ctx.new_page()
            p.goto(f"{base}/cityops/wall/{name}/")
            p.wait_for_selector("body[data-loaded]")
            screens[name] = p
        wait_until(lambda: drawn(screens["left"], "letters_by_subdistrict") and drawn(screens["right"], "flow")
                   and drawn(screens["centre"], "statuses"))
        assert screens["left"].locator(".carousel__item").count() > 0
        assert screens["centre"].locator(".tile").count() == 2
        assert "13812345678" not in screens["left"].content()
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, p in screens.items():
            p.screenshot(path=str(SHOTS / f"cityops-wall-{name}.png"))

        # Picking a subdistrict on the centre screen re-focuses the others.
        sub_b = cast.tree.sub_b
        screens["centre"].click(f'[data-subdistrict="{sub_b.pk}"]')
        wait_until(lambda: screens["left"].locator('[data-role="focus"]').inner_text() == sub_b.name)
        wait_until(lambda: screens["right"].locator('[data-role="focus"]').inner_text() == sub_b.name)
        screens["centre"].click(f'[data-subdistrict="{sub_b.pk}"]')  # again: back to the whole district
        for p in screens.values():
            wait_until(lambda p=p: p.locator('[data-role="focus"]').inner_text() == "全区")

        # The server goes away: the screens say their data is stale.
        centre = screens["centre"]
        before = centre.locator(".figure strong").nth(3).inner_text()
        server.stop()
        running = False
        wait_until(lambda: "过期" in centre.locator('[data-role="status"]').inner_text(), 20)
        # New figures while it is down, then the server is back on the same address.
        case_services.create_case(actor=cast.staff_a, community=cast.a, source="visit", category="safety",
                                  title="重启后的新问题", content="北门路灯坏了")
        server = serve(port)
        running = True
        wait_until(lambda: "更新于" in centre.locator('[data-role="status"]').inner_text(), 30)
        wait_until(lambda: centre.locator(".figure strong").nth(3).inner_text() != before, 20)
        assert int(centre.locator(".figure strong").nth(3).inner_text()) == int(before) + 1
    finally:
        ctx.close()
        if running:
            server.stop()
