"""Stable error codes of 疫情防控 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class EpidemicError(ErrorCode):
    REPORT_NOT_FOUND = "epidemic_report_not_found"
    ARCHIVE_NOT_FOUND = "health_archive_not_found"
    MOVE_REFUSED = "epidemic_move_refused"
    ALREADY_A_CASE = "help_request_already_a_case"
    NOT_MEASURABLE = "health_archive_not_measurable"
