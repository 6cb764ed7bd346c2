"""Model behaviour shared by apps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


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


class IdempotencyKey(models.Model):
    """One write a user asked for, under the key their form or client sent (common/idempotency.py).

    The unique constraint is what makes a write happen once: a repeat of the
    request (double click, retry, 50 identical requests at once) cannot insert
    a second row for the same user, action and key, and gets the first result.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=64)
    key = models.CharField(max_length=64)
    result_type = models.CharField(max_length=100, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "action", "key"], name="common_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
