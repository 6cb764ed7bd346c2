"""System checks: production must have real keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def personal_data_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    for name in ("FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY"):
        if not getattr(settings, name, "") and not (name == "FIELD_ENCRYPTION_KEY" and settings.FIELD_ENCRYPTION_KEYS):
            errors.append(Error(f"{name} is not set", hint="see .env.example", id="shequtong.E001"))
    return errors


@register(deploy=True)
def audit_chain_key(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without AUDIT_CHAIN_KEY the audit chain still detects edits, but a database writer could recompute it."""
    if getattr(settings, "AUDIT_CHAIN_KEY", ""):
        return []
    return [Warning("AUDIT_CHAIN_KEY is not set", hint="docs/operations.md \"Audit log\"", id="shequtong.W002")]
