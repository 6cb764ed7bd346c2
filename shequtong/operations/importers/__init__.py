"""The four imports (issue 20 item 2), by kind."""

from __future__ import annotations

from .base import Importer


def importer_for(kind: str) -> Importer:
    if kind == "tree":
        from .tree import TreeImporter

        return TreeImporter()
    if kind == "staff":
        from .people import StaffImporter

        return StaffImporter()
    if kind == "residents":
        from .people import ResidentImporter

        return ResidentImporter()
    if kind == "history":
        from .history import HistoryImporter

        return HistoryImporter()
    raise ValueError(kind)


def columns_for(kind: str) -> tuple:  # type: ignore[type-arg]
    from .history import HistoryImporter
    from .people import ResidentImporter, StaffImporter
    from .tree import TreeImporter

    return {"tree": TreeImporter, "staff": StaffImporter, "residents": ResidentImporter,
            "history": HistoryImporter}[kind].columns
