"""Reads for the shell pages: observer drill-down over rollups, scoped.

The subdistrict or community a drill-down opens comes from ``accounts.scope``
(``subdistrict_in_scope`` / ``community_in_scope``), NotFound alike for missing and out of scope.
"""

from __future__ import annotations

from typing import Any

from shequtong.accounts.models import User
from shequtong.places.models import Community


def resident_digest(user: User, community: Community | None) -> dict[str, Any]:
    """The resident's home above the board grid: the latest 社区公告 and their own open problems."""
    from shequtong.boards import policies as board_policies
    from shequtong.boards import selectors as board_selectors
    from shequtong.boards.catalogue import Board
    from shequtong.cases import selectors as case_selectors

    notices: list[Any] = []
    if community is not None:
        access = board_policies.board_access(user, community)
        if access.has_board(Board.NOTICE):
            notices = board_selectors.post_rows(access, Board.NOTICE, 0, 3)
    # Most residents have no open problem: the kept count spares them the list's query too.
    open_count = case_selectors.open_raised_count(user)
    open_cases = case_selectors.open_raised_rows(user, 3) if open_count else []
    return {"notices": notices, "open_cases": open_cases, "open_count": open_count}
