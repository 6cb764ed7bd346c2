"""SMS gateway interface and the development console backend.

A real provider adapter implements `SmsGateway.send`; which class is used is
chosen by settings.SMS_BACKEND. Codes are never logged outside the console
backend.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .errors import SmsDeliveryError as SmsDeliveryError

logger = logging.getLogger("shequtong.sms")


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send `text` to `phone`; return the provider's message id or raise SmsDeliveryError."""


class ConsoleSmsGateway:
    """Development backend: writes the message to the log (and keeps it for tests)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        ConsoleSmsGateway.sent.append((phone, text))
        logger.warning("SMS to %s: %s", phone, text)
        return f"console-{len(ConsoleSmsGateway.sent)}"


def get_gateway() -> SmsGateway:
    gateway: SmsGateway = import_string(settings.SMS_BACKEND)()
    return gateway
