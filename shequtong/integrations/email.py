"""E-mail channel (NF-6): Django's mail backends (SMTP in production, console in development).

Every e-mail goes through the outbox (kind "email"); its handler
(`notifications.handlers.deliver_email`) reads the recipient's address at
delivery time (personal data stays out of the outbox payload) and calls
`EmailChannel.send`. An SMTP server that is down or answers 4xx raises a
retryable `EmailDeliveryError`; a refused recipient (5xx on RCPT) a
permanent one.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from . import exchange
from .errors import EmailDeliveryError


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

