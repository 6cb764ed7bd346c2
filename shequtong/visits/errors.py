"""Stable error codes of 我与群众面对面 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class VisitError(ErrorCode):
    NOT_EDITABLE = "visit_not_editable"
    NOT_DRAFT = "visit_not_draft"
    NOT_SUBMITTED = "visit_not_submitted"
    NOT_APPROVED = "visit_not_approved"
    IS_DRAFT = "visit_is_draft"
    NOT_SECRETARY = "not_secretary"
    OWN_RECORD = "visit_own_record"
    PROBLEM_ALREADY_SENT = "problem_already_sent"
    NOT_A_MEMBER = "not_a_member"
    NO_EMAIL = "no_email"
    EMAIL_DECLINED = "email_declined"
