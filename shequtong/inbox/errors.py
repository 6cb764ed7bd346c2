"""Stable error codes of 信箱 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class InboxError(ErrorCode):
    MESSAGE_NOT_FOUND = "message_not_found"
    RECIPIENT_NOT_FOUND = "recipient_not_found"
    LETTERS_THROTTLED = "letters_throttled"
    NOT_A_LETTER = "not_a_letter"
    NO_RECIPIENT = "no_recipient"
