"""A project's overall progress: its milestones' completion weighted by their weights (CP-4)."""

from __future__ import annotations

from collections.abc import Iterable


def rollup(milestones: Iterable[tuple[int, int]]) -> int:
    """Σ(weight × completion) / Σ weight, rounded half up to a whole percent; 0 without milestones.

    ``milestones`` are (weight, completion %) pairs of the plan's live milestones.
    """
    total = weighted = 0
    for weight, completion in milestones:
        total += weight
        weighted += weight * completion
    if total == 0:
        return 0
    return (2 * weighted + total) // (2 * total)
