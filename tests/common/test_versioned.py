"""common/versioned.py: a kept value is served until a dependency is touched, never after."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from shequtong.common import versioned

pytestmark = pytest.mark.django_db  # touch() bumps again on commit (transaction.on_commit)


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.value = "a"

    def __call__(self) -> str:
        self.calls += 1
        return self.value


def test_a_value_is_kept_until_its_dependency_is_touched() -> None:
    compute = Counter()
    assert versioned.remember("t:one", ["dep:x"], compute) == "a"
    assert versioned.remember("t:one", ["dep:x"], compute) == "a"
    assert compute.calls == 1
    compute.value = "b"
    versioned.touch("dep:y")  # another dependency: still kept
    assert versioned.remember("t:one", ["dep:x"], compute) == "a"
    versioned.touch("dep:x")
    assert versioned.remember("t:one", ["dep:x"], compute) == "b"
    assert compute.calls == 2


@pytest.mark.django_db(transaction=True)
def test_a_value_read_inside_the_writing_transaction_is_dropped_at_commit() -> None:
    """A reader that stored the old rows between the first bump and the commit is not believed."""
    compute = Counter()
    with transaction.atomic():
        versioned.touch("dep:x")
        versioned.remember("t:two", ["dep:x"], compute)  # computed from rows not yet committed
        compute.value = "b"
    assert versioned.remember("t:two", ["dep:x"], compute) == "b"


def test_an_evicted_version_recomputes_and_never_serves_a_stale_value() -> None:
    compute = Counter()
    versioned.touch("dep:x")
    versioned.remember("t:three", ["dep:x"], compute)
    cache.delete("vv:dep:x")  # the version key evicted while the value stays
    compute.value = "b"
    assert versioned.remember("t:three", ["dep:x"], compute) == "b"  # version 0 ≠ the stored one
    versioned.touch("dep:x")
    compute.value = "c"
    assert versioned.remember("t:three", ["dep:x"], compute) == "c"


def test_switched_off_it_computes_every_time(settings) -> None:  # type: ignore[no-untyped-def]
    settings.VERSIONED_CACHE = False
    compute = Counter()
    versioned.remember("t:four", ["dep:x"], compute)
    versioned.remember("t:four", ["dep:x"], compute)
    assert compute.calls == 2
