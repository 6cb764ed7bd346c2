"""Stable error codes of 政策找人 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class PolicyError(ErrorCode):
    NOT_FOUND = "policy_not_found"
    NOT_EDITABLE = "policy_not_editable"
    NOT_SUBMITTED = "policy_not_submitted"
    NOT_REVIEWED = "policy_not_reviewed"
    TITLE_REQUIRED = "policy_title_required"
    TEXT_REQUIRED = "policy_text_required"
    TOO_LONG = "policy_too_long"
    BAD_CONDITIONS = "policy_bad_conditions"
    NOTHING_TICKED = "policy_nothing_ticked"
    NOT_IN_SCOPE = "policy_resident_not_in_scope"
    OWN_POLICY = "policy_reviewer_is_author"
    REASON_REQUIRED = "policy_reason_required"
    NOTHING_CONFIRMED = "policy_nothing_confirmed"
    BAD_CHANNEL = "policy_bad_channel"
    BAD_TAG = "policy_bad_tag"
    PROFILE_NOT_FOUND = "policy_profile_not_found"
