"""Stable error codes of 乡村振兴 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class RuralError(ErrorCode):
    NOT_EDITABLE = "rural_not_editable"
    NOT_SUBMITTED = "rural_not_submitted"
    NOT_APPROVED = "rural_not_approved"
    NOT_PUBLISHED = "rural_not_published"
    OWN_ITEM = "rural_own_item"
    NOT_ACTIVITY = "rural_not_activity"
    DEADLINE_PASSED = "rural_deadline_passed"
    FULL = "rural_full"
    ALREADY_SIGNED_UP = "rural_already_signed_up"
    NOT_SIGNED_UP = "rural_not_signed_up"
    NOT_VILLAGER = "rural_not_villager"
