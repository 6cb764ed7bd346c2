"""Stable error codes of case tracking (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class CaseError(ErrorCode):
    NOT_FOUND = "case_not_found"
    CATEGORY_REQUIRED = "category_required"
    ILLEGAL_TRANSITION = "illegal_transition"
    NOT_RESOLVED = "not_resolved"
    ALREADY_RATED = "already_rated"
