"""Model behaviour shared by apps."""

from __future__ import annotations

from typing import Any


class AppendOnly:
    """Mixin for history and audit tables: rows are written once, never changed or deleted.

    Put it before models.Model in the bases. Bulk deletes by cascade still go
    through SQL (and, for the audit log, are refused by database triggers).
    """

    append_only_label = "this history"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:  # type: ignore[attr-defined]
            raise RuntimeError(f"{self.append_only_label} is append-only")
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self.append_only_label} is append-only")
