"""Stable error codes of 社会公益服务项目管理平台 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class CharityError(ErrorCode):
    NOT_AN_ORGANISATION = "not_an_organisation"
    NOT_EDITABLE = "project_not_editable"
    NOT_SUBMITTABLE = "project_not_submittable"
    NOT_SUBMITTED = "project_not_submitted"
    NOT_APPROVED = "project_not_approved"
    SHELF_STATE = "project_shelf_state"
    BINDING_STATE = "binding_state"
    BINDING_EXISTS = "binding_exists"
    SLOT_FULL = "slot_full"
    SLOT_STARTED = "slot_started"
    ALREADY_BOOKED = "already_booked"
    NOT_BOOKED = "not_booked"
    NOT_ATTENDED = "not_attended"
    ALREADY_REVIEWED = "already_reviewed"
    REVIEW_STATE = "review_state"
