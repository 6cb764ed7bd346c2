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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:  # type: ignore[no-untyped-def]
    """Tests marked ``long`` first: pytest-xdist hands tests out in this order, so a two-minute test started
    last would leave the other workers idle. pytest-django sorts after this (stably: plain database tests,
    then transactional ones, then the rest), so a long test goes first within its group."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


_WORKERS_COVERED: list[str] = []


def _covered_here() -> list[str]:
    import sys

    module = sys.modules.get("tests.web.test_authorisation_matrix")
    return list(getattr(module, "COVERED", []))


def pytest_sessionfinish(session) -> None:  # type: ignore[no-untyped-def]
    """In a pytest-xdist worker, hand the matrix's summary to the controller (make test runs -n)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["matrix_covered"] = _covered_here()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """The controller collects what each worker's matrix covered (an xdist hook)."""
    _WORKERS_COVERED.extend(getattr(node, "workeroutput", {}).get("matrix_covered", []))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say what the authorisation matrix covered, even in a quiet (-q) run such as CI's."""
    for line in _covered_here() + _WORKERS_COVERED:
        terminalreporter.write_line(line)
