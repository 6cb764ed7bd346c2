"""Domain errors raised by services; views and the API turn them into messages.

Each carries a stable `code` (for API clients) and a Chinese `message` (for people).
The codes an app raises are one `StrEnum` in its own `<app>/errors.py`
(Saleor's error_codes.py): pages and the API read the same member, and a client
may switch on the value. The four generic codes below stay for refusals that
are not specific to one app.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Base of every app's error-code enum; a member's value is the stable wire code."""


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "操作失败"

    def __init__(self, message: str | None = None, *, code: str | ErrorCode | None = None, field: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = str(code)
        self.field = field
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "invalid"
    default_message = "输入有误，请检查后重试"


class PermissionRefused(DomainError):
    code = "forbidden"
    status = 403
    default_message = "您没有权限进行此操作"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "内容不存在或您无权查看"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "操作冲突，请刷新后重试"


class Throttled(DomainError):
    """Too many attempts in a window (SMS codes, logins from one address): try again later."""

    code = "throttled"
    status = 429
    default_message = "操作过于频繁，请稍后再试"
