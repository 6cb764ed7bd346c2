"""The authorisation matrix's rows of 关注/收藏 alone (tests/web/authorisation_matrix.py), for a quick check:
every cast member, objects of A and of B; outsiders get 404 and change nothing."""

from __future__ import annotations

import pytest

from ..web import authorisation_matrix as table
from ..web import matrix

pytestmark = pytest.mark.django_db


def test_follows_rows_of_the_matrix(cast) -> None:  # type: ignore[no-untyped-def]
    world = matrix.make_world(cast)
    targets, outcomes, found = matrix.run(world, only=lambda t: " follows:" in t.key)
    keys = {t.key for t in targets}
    assert len(keys) == 14 and keys <= set(table.TABLE)
    assert not found, "\n".join(found)
    # Someone inside was let through, and wrote their follow: the rows are not refusals only.
    assert outcomes[("POST follows:follow_case[A]", "district")].status == 302
