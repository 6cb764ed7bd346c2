"""The authorisation matrix: every URL and API operation, every role, inside and outside their places.

The declared table is tests/web/authorisation_matrix.py; the machinery is
tests/web/matrix.py. Set MATRIX_RECORD=<file> to write what the code answers
today in the table's format (then review every line before copying it over:
a hole recorded is a hole hidden).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from . import authorisation_matrix as table
from . import matrix

MIN_URLS = 100
COVERED: list[str] = []
MIN_OPERATIONS = 70


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"  # the posts' images


def _who(roles: list[str]) -> str:
    """Cast members as the table writes them: whole groups as "@group" (largest first), then names."""
    words, left = [], list(roles)
    for name, members in sorted(table.GROUPS.items(), key=lambda g: -len(g[1])):
        if all(m in left for m in members):
            words.append("@" + name)
            left = [r for r in left if r not in members]
    return " ".join(words + left)


def _format(targets, outcomes) -> str:  # type: ignore[no-untyped-def]
    """The answers in the table's format (MATRIX_RECORD): the commonest answer is "*"."""
    lines = []
    for t in targets:
        by_status: dict[object, list[str]] = {}
        for role in matrix.CAST_ROLES:
            by_status.setdefault(outcomes[(t.key, role)].status, []).append(role)
        default = max(by_status, key=lambda s: len(by_status[s]))
        parts = [f'"*": {default!r}'] + [f"{s!r}: \"{_who(r)}\"" for s, r in by_status.items() if s != default]
        lines.append(f'    "{t.key}": {{{", ".join(parts)}}},')
    return "\n".join(lines).replace("'login'", '"login"')


@pytest.mark.long
@pytest.mark.django_db
def test_every_url_and_operation_answers_every_role_as_the_table_says(cast) -> None:  # type: ignore[no-untyped-def]
    world = matrix.make_world(cast)
    targets = matrix.targets(world)
    keys = {t.key for t in targets}
    missing = [t.key for t in targets if t.key not in table.TABLE]
    record = os.environ.get("MATRIX_RECORD")
    if record:
        saved = dict(table.TABLE)
        table.TABLE.update({k: {"*": 0} for k in missing})
        _, outcomes, found = matrix.run(world)
        with open(record, "w") as f:
            f.write(_format(targets, outcomes) + "\n\n# problems\n" + "\n".join(found) + "\n")
            f.write("\n# writes (review: each should be an allowed action)\n")
            for t in targets:
                wrote = {r: sorted(set(outcomes[(t.key, r)].writes)) for r in matrix.CAST_ROLES if outcomes[(t.key, r)].writes}
                if wrote:
                    f.write(f"{t.key}: {wrote}\n")
        table.TABLE.clear()
        table.TABLE.update(saved)
    assert not missing, "URLs/operations without a row in tests/web/authorisation_matrix.py:\n" + "\n".join(missing)
    stale = sorted(set(table.TABLE) - keys)
    assert not stale, f"rows for URLs/operations that no longer exist: {stale}"
    _, outcomes, found = matrix.run(world)
    pages = Counter(t.key.split()[1].split("[")[0] for t in targets if not t.api)
    operations = Counter(t.key.split("[")[0] for t in targets if t.api)
    summary = (f"authorisation matrix: {len(pages)} URLs and {len(operations)} API operations, "
               f"{len(targets)} rows, {len(outcomes)} requests as {len(matrix.CAST_ROLES)} cast members")
    print("\n" + summary)
    COVERED.append(summary)  # shown in the run's summary (tests/conftest.py), also under -q
    assert len(pages) >= MIN_URLS and len(operations) >= MIN_OPERATIONS
    assert not found, f"{len(found)} answers differ from the table:\n" + "\n".join(found)


# --- a deliberately removed check makes the matrix fail ----------------------------------


@pytest.fixture
def remove_check(monkeypatch):  # type: ignore[no-untyped-def]
    """Remove one check on demand: "jurisdiction" (every scope covers every place) or "capability"."""
    from django.db.models import Q

    from shequtong.accounts import scope
    from shequtong.common.access import AccessRule

    def remove(which: str) -> None:
        if which == "jurisdiction":
            monkeypatch.setattr(scope.Scope, "covers", lambda self, **kw: True)
            monkeypatch.setattr(scope.Scope, "q", lambda self, *a, **kw: Q())
        elif which == "capability":
            monkeypatch.setattr(AccessRule, "allows", lambda self, request: self.public or request.user.is_authenticated)
        else:
            raise ValueError(which)

    return remove


@pytest.mark.django_db
@pytest.mark.parametrize(("which", "row", "caller", "status"), [
    ("jurisdiction", "GET cases:detail[B]", "staff_a", 200),
    ("jurisdiction", "POST /api/v1/cases/{case_id}/actions[B]", "staff_a", 200),
    ("capability", "GET web:observe", "resident_a", 200),
])
def test_the_matrix_fails_when_a_check_is_removed(cast, remove_check, which, row, caller, status) -> None:  # type: ignore[no-untyped-def]
    world = matrix.make_world(cast)
    _, _, before = matrix.run(world, only=lambda t: t.key == row)
    assert before == []
    remove_check(which)
    _, outcomes, found = matrix.run(world, only=lambda t: t.key == row)
    assert outcomes[(row, caller)].status == status
    assert any(line.startswith(f"{row} as {caller}: got {status}, the table says") for line in found), found
    if which == "jurisdiction":
        # A's 社工 now reads B's case (the absence check sees it too) or changes it (the write check does).
        leaked = f"{row} as {caller}: the answer contains {matrix.MARK_B} (another community's data)" in found
        wrote = any(line.startswith(f"{row} as {caller}: wrote to [") and "'cases_case'" in line
                    and line.endswith("for another community's object") for line in found)
        assert leaked or wrote, found
