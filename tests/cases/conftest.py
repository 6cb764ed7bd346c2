from __future__ import annotations

import pytest

from shequtong.integrations import grid_local
from shequtong.notifications.channels import ConsolePushChannel


@pytest.fixture(autouse=True)
def _grid_up_and_push_cleared():  # type: ignore[no-untyped-def]
    grid_local.set_available(True)
    ConsolePushChannel.sent.clear()
    yield
    grid_local.set_available(True)
    ConsolePushChannel.sent.clear()
