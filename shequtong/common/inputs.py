"""Checked input types for the API's parameters and bodies (issue 12, item 9).

Numbers a client sends reach SQL as 64-bit integers, and slices of a queryset
must not start below zero: an unchecked ``?offset=-1`` or an id above 2⁶³
used to answer 500. Annotate path and query parameters with these types
(``post_id: Id``, ``offset: Offset``) so a bad value is refused with 422 and a
Chinese message before the handler runs, and the OpenAPI schema states the
bounds. JSON bodies are checked once for every operation by
``api.parsing.CheckedParser`` (NUL characters, integers beyond 64 bits).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# The largest value a PostgreSQL bigint (and SQLite INTEGER) holds.
MAX_DB_INT = 2**63 - 1
# No list is paged this deep; a larger offset is a mistake or a probe.
MAX_OFFSET = 1_000_000
MAX_PAGE = 100_000

Id = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
"""A database id (path or query parameter)."""

Cursor = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
"""An id to page from (``since=0``: from the start)."""

Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
"""Rows to skip in a list."""

Limit = Annotated[int, Field(ge=1, le=200)]
"""Rows a list answers at most (an operation may clamp lower)."""

PageNo = Annotated[int, Field(ge=1, le=MAX_PAGE)]
"""A page number from 1."""

NUL = "\x00"


def has_nul(value: object) -> bool:
    """Whether a string (or the keys and strings nested in lists and dicts) holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
