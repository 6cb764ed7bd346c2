"""Log in with a username or a mobile number."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from shequtong.common import crypto
from shequtong.common.clientip import client_ip
from shequtong.common.phones import InvalidPhone, normalise_phone

from . import identity, throttle
from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The session's user, through the identity cache (identity.py)."""
        user = identity.load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        if request is not None and throttle.login_blocked(client_ip(request)):
            raise PermissionDenied("too many failed logins from this address")  # any login form, the admin's too
        user = User.objects.filter(username=username).first()
        if user is None:
            try:
                phone = normalise_phone(username)
            except InvalidPhone:
                phone = None
            if phone:
                user = User.objects.filter(phone_index=crypto.blind_index(phone, purpose="phone")).first()
        if user is None:
            User().set_password(password)  # same work whether or not the user exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def login_name_key(typed: str) -> str:
    """What we keep of a login name that names no account: a keyed hash of its normalised form.

    People type their phone or ID number into the login box; the lockout table and the audit log
    must not keep those in clear (issue 12 item 10). The same typed name, however spaced or cased,
    gives the same key, so failures still add up.
    """
    normalised = unicodedata.normalize("NFKC", typed).strip().lower()
    return "~" + crypto.blind_index(normalised, purpose="login_name")[:24]


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The key axes counts failures under: the account, however it was named.

    Logging in by phone and by username hit the same counter, so alternating
    them does not double the allowed guesses. A name that is no account is
    stored as a keyed hash (login_name_key), never as typed.
    """
    typed = str((credentials or {}).get("username") or (request.POST.get("username", "") if request else ""))
    user = User.objects.filter(username=typed).only("username").first()
    if user is None:
        try:
            phone = normalise_phone(typed)
        except InvalidPhone:
            return login_name_key(typed)
        user = User.objects.filter(phone_index=crypto.blind_index(phone, purpose="phone")).only("username").first()
    return user.username if user else login_name_key(typed)
