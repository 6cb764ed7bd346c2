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


@pytest.fixture(scope="session", autouse=True)
def _jinja_pages_recorded():  # type: ignore[no-untyped-def]
    """response.context for Jinja2 pages too (common/pages.py).

    Django's test set-up records the Django templates a response rendered; this records the
    Jinja2 ones the same way (the template_rendered signal), so a test reads a page's context
    whichever engine drew it.
    """
    from django.template.backends import jinja2
    from django.test.signals import template_rendered

    render = jinja2.Template.render

    def recorded(self, context=None, request=None):  # type: ignore[no-untyped-def]
        context = {} if context is None else context
        html = render(self, context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html

    jinja2.Template.render = recorded  # type: ignore[method-assign]
    yield
    jinja2.Template.render = render  # type: ignore[method-assign]


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
