"""What one user may do on one community's boards (spec §3.4.1 items 2.x and 3.x).

`access_for(user, community)` resolves the user's grants once into an
`Access`; pages, the API and services all ask it, so the 居民版/居委版 rules
live in one place (boards.catalogue says which capability each board needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequtong.accounts import scope
from shequtong.places.models import Community

from . import catalogue

_CAPS = ("member", "party", "committee", "police", "doctor", "property", "social_org", "observe")


@dataclass(frozen=True)
class Access:
    community: Community
    caps: frozenset[str]
    patrol_level: str | None

    @property
    def is_reader(self) -> bool:
        """A person of the community (resident, party member, committee, police, doctor, property)."""
        return bool(self.caps & set(catalogue.READ_CAPABILITIES))

    @property
    def is_observer(self) -> bool:
        """Browses read-only (逐级观察, OB-8): an observer of this community who is not one of its people."""
        return "observe" in self.caps and not self.is_reader

    @property
    def can_read(self) -> bool:
        return self.is_reader or "observe" in self.caps

    @property
    def is_moderator(self) -> bool:
        return "committee" in self.caps

    @property
    def can_patrol(self) -> bool:
        return self.patrol_level is not None

    def has_board(self, board: str) -> bool:
        return catalogue.exists_in(board, self.community.kind)

    def can_publish(self, board: str) -> bool:
        if not self.has_board(board):
            return False
        return bool(self.caps & set(catalogue.spec(board).publish))

    def can_reply(self, board: str) -> bool:
        if not self.has_board(board):
            return False
        return bool(self.caps & set(catalogue.spec(board).reply))

    @property
    def can_interact(self) -> bool:
        """Like, vote and book: people of the community, never read-only observers."""
        return self.is_reader

    @property
    def can_comment(self) -> bool:
        return bool(self.caps & {"member", "committee"})


def access_for(user: Any, community: Community) -> Access:
    caps = frozenset(c for c in _CAPS if scope.can(user, c, community=community))
    level = scope.patrol_level(user, community) if caps & {"committee", "observe"} else None
    return Access(community=community, caps=caps, patrol_level=level)
