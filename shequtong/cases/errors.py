"""Stable error codes of case tracking (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class CaseError(ErrorCode):
    # A missing case, one the actor may not see, and one they may see but not act on answer alike;
    # "not_found" is the value API clients have always received for it.
    NOT_FOUND = "not_found"
    CATEGORY_REQUIRED = "category_required"
    ILLEGAL_TRANSITION = "illegal_transition"
    NOT_RESOLVED = "not_resolved"
    ALREADY_RATED = "already_rated"
    BAD_ASSIGNEE = "bad_assignee"
