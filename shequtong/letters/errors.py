"""Stable error codes of 人民信箱 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class LetterError(ErrorCode):
    # A letter, problem category or sub-category that does not exist, and a letter the actor
    # may not see, answer alike; "not_found" is the value API clients have always received.
    NOT_FOUND = "not_found"
