from __future__ import annotations

import pytest

from shequtong.integrations.sms import ConsoleSmsGateway

from .factories import Cast, Tree, make_cast, make_tree


@pytest.fixture
def tree(db) -> Tree:  # type: ignore[no-untyped-def]
    return make_tree()


@pytest.fixture
def cast(tree: Tree) -> Cast:
    """One person for every role in A, B and the district (tests/factories.py: Cast)."""
    return make_cast(tree)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Each test starts with an empty cache (ids are reused after a rollback on SQLite)."""
    from django.core.cache import cache

    from shequtong.places.selectors import forget_subdistrict

    cache.clear()
    forget_subdistrict()


@pytest.fixture(autouse=True)
def _clear_sms_outbox():  # type: ignore[no-untyped-def]
    ConsoleSmsGateway.sent.clear()
    yield
    ConsoleSmsGateway.sent.clear()


def last_sms_code() -> str:
    import re

    phone, text = ConsoleSmsGateway.sent[-1]
    match = re.search(r"验证码是(\d{6})", text)
    assert match, text
    return match.group(1)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say what the authorisation matrix covered, even in a quiet (-q) run such as CI's."""
    import sys

    module = sys.modules.get("tests.web.test_authorisation_matrix")
    for line in getattr(module, "COVERED", []):
        terminalreporter.write_line(line)
