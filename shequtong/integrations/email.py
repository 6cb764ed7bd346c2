"""E-mail channel (NF-6): Django's mail backends (SMTP in production, console in development).

Every e-mail goes through the outbox (kind "email"); the worker calls
`deliver`, which reads the recipient's address at delivery time (personal
data stays out of the outbox payload). An SMTP server that is down or
answers 4xx means "try again later"; a refused recipient (5xx on RCPT) is
permanent.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from . import exchange

OUTBOX_KIND = "email"


class EmailDeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class EmailChannel:
    def send(self, *, to: str, subject: str, body: str) -> None:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                               connection=connection)
        # Timed and logged (the delivery log); the address is masked there.
        with exchange.call("email", exchange.redact(to)) as call:
            try:
                sent = message.send(fail_silently=False)
            except smtplib.SMTPRecipientsRefused as exc:
                answers = list(exc.recipients.values())
                codes = [code for code, _ in answers]
                call.answer = "; ".join(f"{code} {_smtp_text(msg)}" for code, msg in answers)
                raise EmailDeliveryError(f"recipient refused: {codes}", retryable=all(400 <= c < 500 for c in codes)) from exc
            except smtplib.SMTPResponseException as exc:
                call.answer = f"{exc.smtp_code} {_smtp_text(exc.smtp_error)}"
                raise EmailDeliveryError(f"SMTP {exc.smtp_code}", retryable=exc.smtp_code < 500) from exc
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                raise EmailDeliveryError(f"{exc.__class__.__name__}: {exc}", retryable=True) from exc
            if sent != 1:
                raise EmailDeliveryError("the mail backend sent nothing", retryable=True)
            call.answer = f"accepted by {connection.__class__.__module__.rsplit('.', 1)[-1]} backend"


def _smtp_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def accepts(user: Any) -> bool:
    """Does this user take e-mail from the platform? (an address, and e-mail not switched off)."""
    from shequtong.notifications import preferences

    return preferences.accepts(user, "email")


def deliver(row: Any) -> None:
    """Outbox handler for kind "email": payload {user_id, subject, body}."""
    from shequtong.accounts.models import User
    from shequtong.notifications.outbox import PermanentFailure, RetryLater

    user = User.objects.filter(pk=row.payload.get("user_id"), is_active=True).first()
    if user is None or not user.email:
        raise PermanentFailure("收件人没有电子邮箱")
    try:
        EmailChannel().send(to=user.email, subject=str(row.payload["subject"]), body=str(row.payload.get("body", "")))
    except EmailDeliveryError as exc:
        if exc.retryable:
            raise RetryLater(str(exc)) from exc
        raise PermanentFailure(str(exc)) from exc
