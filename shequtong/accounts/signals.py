"""Audit logins, logouts and failed logins; drop cached identities when users or grants change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import audit, identity, throttle
from .models import AuditEvent, RoleGrant, User


@receiver([post_save, post_delete], sender=User)
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    identity.forget(instance.pk)


@receiver([post_save, post_delete], sender=RoleGrant)
def _grant_changed(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    identity.forget(instance.user_id)


@receiver(pre_save, sender=User)
def _password_or_activity_changed(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """A new password or a deactivation revokes every API token of the account (issue 12 item 4).

    `set_password` leaves the clear password in `_password` until the save; an inactive user's save
    costs one UPDATE that usually matches nothing. No extra read on ordinary saves (last_login, preferences).
    """
    if instance._state.adding or instance.pk is None:
        return
    fields = set(update_fields) if update_fields is not None else None
    from .services import revoke_all_api_tokens

    if getattr(instance, "_password", None) is not None and (fields is None or "password" in fields):
        revoke_all_api_tokens(user_id=instance.pk, reason="password_changed")
    elif "is_active" in instance.__dict__ and not instance.is_active and (fields is None or "is_active" in fields):
        revoke_all_api_tokens(user_id=instance.pk, reason="deactivated")


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(AuditEvent.Action.LOGIN, actor=user, target=user, request=request)
    _sign_in_counted(user)


def _sign_in_counted(user: Any) -> None:
    """Move the person's count of 近7天/近30天活跃 (``MemberDay.active``) to today: Django's own receiver has
    already stored ``last_login`` (django.contrib.auth is ready before this app)."""
    from django.db import transaction

    from . import population
    from .models import Membership

    communities = list(Membership.objects.filter(user_id=user.pk, status=Membership.Status.APPROVED)
                       .values_list("community_id", flat=True))
    if communities:
        with transaction.atomic():
            population.refresh_members(communities)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(AuditEvent.Action.LOGOUT, actor=user, target=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # What was typed may be a phone or an ID number: the log keeps the account's username, or a
    # keyed hash of what was typed (the same key the lockout table uses), never the typed text.
    from .backends import axes_username

    key = axes_username(request, {"username": str(credentials.get("username", ""))[:150]})
    audit.record(AuditEvent.Action.LOGIN_FAILED, detail={"username": key}, request=request)
    throttle.login_failed(audit.client_ip(request))
