"""Audit logins, logouts and failed logins; drop cached identities when users or grants change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit, identity
from .models import AuditEvent, RoleGrant, User


@receiver([post_save, post_delete], sender=User)
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    identity.forget(instance.pk)


@receiver([post_save, post_delete], sender=RoleGrant)
def _grant_changed(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    identity.forget(instance.user_id)


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(AuditEvent.Action.LOGIN, actor=user, target=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(AuditEvent.Action.LOGOUT, actor=user, target=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The username is what was typed (never the password); it may be a phone.
    typed = str(credentials.get("username", ""))[:50]
    from shequtong.common.masking import mask_phone

    audit.record(AuditEvent.Action.LOGIN_FAILED, detail={"username": mask_phone(typed) if typed.isdigit() else typed}, request=request)
