"""What the adapters raise: one family of errors, each saying whether a later try may succeed.

The adapters in this package only talk to systems we do not run; they know
nothing of the outbox, of users or of cases. Callers decide what an error
means for them: the outbox handlers (`notifications/handlers.py`) turn
`retryable` into "retry later" or "give up", case tracking records a grid
refusal on the case, sign-up tells the person the code could not be sent.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """An outside system refused a call or could not be reached."""

    # Worth trying again later (network down, 5xx, busy); False: refused for good.
    retryable: bool = True

    def __init__(self, message: str = "", *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class EmailDeliveryError(IntegrationError):
    """The mail server refused the message or could not be reached."""


class SmsDeliveryError(IntegrationError):
    """The SMS provider refused or could not be reached."""


class SmsUnavailable(SmsDeliveryError):
    """The provider could not be reached or is overloaded: try again later."""

    retryable = True


class SmsRejected(SmsDeliveryError):
    """The provider refused this message for good."""

    retryable = False


class WeChatDeliveryError(IntegrationError):
    """WeChat refused the template message or could not be reached."""


class GridUnavailable(IntegrationError):
    """The grid could not be reached or answered 5xx: retry later."""

    retryable = True


class GridRejected(IntegrationError):
    """The grid refused the request permanently (4xx): do not retry."""

    retryable = False


class GridUnknownRequest(GridRejected):
    """The grid answers that it does not know a request id (404): it lost a request it had accepted."""


class WebhookVerificationError(IntegrationError):
    """A received webhook is unsigned, badly signed or outside the replay window."""

    retryable = False
