"""Stable error codes of notifications (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class NotificationError(ErrorCode):
    EMAIL_INVALID = "email_invalid"
    EMAIL_TOO_LONG = "email_too_long"
    SYSADMIN_ONLY = "sysadmin_only"
    WECHAT_BIND_FAILED = "wechat_bind_failed"
