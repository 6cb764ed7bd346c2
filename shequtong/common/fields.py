"""Model field for encrypted personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.BinaryField):
    """Stores AES-256-GCM ciphertext; Python code sees the clear string.

    Reading the clear value is not audit-logged here (the ORM cannot know
    why it is read); pages show masked values and call
    `accounts.services.reveal_personal_data`, which logs the clear read.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, (bytes, memoryview)):
            return crypto.decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, (bytes, memoryview)):
            return bytes(value)
        return crypto.encrypt(str(value))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return super().get_db_prep_value(value, connection, prepared=True)
