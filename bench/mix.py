"""The operation mix of the specification (§3.6.1): per user-day 20 reads, 15 inserts, 5 updates.

Spread over the endpoints a resident and a committee use. Each operation
names who does it; a simulated user is either a resident or committee
staff, and the share of committee users follows from the weights, so the
overall mix is 20:15:5 whichever role runs which operation.

Pure data and arithmetic (tested in tests/bench); the HTTP side is load.py,
the Django side (URLs, ids, captured SQL) is prepare.py.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    name: str
    kind: str  # read / insert / update
    role: str  # resident / committee
    weight: float  # per user-day
    method: str = "GET"


OPS: tuple[Op, ...] = (
    # Reads: 20 per user-day.
    Op("home", "read", "resident", 4),
    Op("board_list", "read", "resident", 5),
    Op("post_detail", "read", "resident", 6),  # also counts the reader once (Read row) when first seen
    Op("my_letters", "read", "resident", 2),
    Op("case_list", "read", "committee", 3),
    # Inserts: 15 per user-day.
    Op("reply", "insert", "resident", 5, "POST"),
    Op("like", "insert", "resident", 6, "POST"),
    Op("post", "insert", "resident", 2, "POST"),
    Op("letter_submit", "insert", "resident", 2, "POST"),
    # Updates: 5 per user-day (the committee moves cases along).
    Op("case_update", "update", "committee", 5, "POST"),
)

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}


def kind_totals(ops: Sequence[Op]) -> dict[str, float]:
    out: dict[str, float] = {}
    for op in ops:
        out[op.kind] = out.get(op.kind, 0) + op.weight
    return out


def role_share(ops: Sequence[Op], role: str) -> float:
    total = sum(op.weight for op in ops)
    return sum(op.weight for op in ops if op.role == role) / total if total else 0.0


def for_role(ops: Sequence[Op], role: str) -> list[Op]:
    return [op for op in ops if op.role == role]


def available(ops: Sequence[Op], names: set[str]) -> list[Op]:
    """The operations whose endpoints exist in this build (prepare.py says which)."""
    return [op for op in ops if op.name in names]


def assign_roles(n_users: int, ops: Sequence[Op]) -> list[str]:
    """Roles for n simulated users so the overall operation mix holds (largest remainder)."""
    share = role_share(ops, "committee")
    committee = round(n_users * share)
    if share > 0 and committee == 0 and n_users > 1:
        committee = 1
    return ["committee"] * committee + ["resident"] * (n_users - committee)


class Picker:
    """Draws the next operation for one role, by weight."""

    def __init__(self, ops: Sequence[Op], rng: random.Random) -> None:
        self.ops = list(ops)
        self.weights = [op.weight for op in self.ops]
        self.rng = rng

    def __call__(self) -> Op:
        return self.rng.choices(self.ops, weights=self.weights, k=1)[0]
