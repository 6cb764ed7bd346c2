"""The grid simulator as a real HTTP server on loopback, and settings pointing the platform at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shequtong.integrations.grid_simulator import GridSimulator
from shequtong.integrations.open311_client import Open311Client, Open311GridGateway

API_KEY = "test-api-key"
JURISDICTION = "baoshan.test"
SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cy0xMjM0NTY="


@pytest.fixture
def grid_sim() -> Iterator[GridSimulator]:
    """A simulator on a free port; states move only when the test says so (delay=None)."""
    sim = GridSimulator(delay=None, api_key=API_KEY, jurisdiction_id=JURISDICTION)
    sim.start("127.0.0.1", 0)
    yield sim
    sim.stop()


@pytest.fixture
def open311_settings(settings, grid_sim):  # type: ignore[no-untyped-def]
    settings.GRID_GATEWAY = "shequtong.integrations.open311_client.Open311GridGateway"
    settings.GRID_OPEN311_URL = grid_sim.url + "/open311/v2"
    settings.GRID_OPEN311_API_KEY = API_KEY
    settings.GRID_OPEN311_JURISDICTION = JURISDICTION
    settings.GRID_OPEN311_TIMEOUT_SECONDS = 5
    settings.GRID_WEBHOOK_SECRET = SECRET
    return settings


@pytest.fixture
def client311(grid_sim: GridSimulator) -> Open311Client:
    return Open311Client(grid_sim.url + "/open311/v2", api_key=API_KEY, jurisdiction_id=JURISDICTION, timeout=5)


@pytest.fixture
def gateway(client311: Open311Client) -> Open311GridGateway:
    return Open311GridGateway(client311)
