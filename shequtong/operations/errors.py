"""Stable error codes of operations (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class OperationsError(ErrorCode):
    BAD_FILE = "bad_file"
    FILE_TOO_LARGE = "file_too_large"
    NOT_CHECKED = "not_checked"  # confirm before the dry run finished
    JOB_FINISHED = "job_finished"
    PLACE_CONFLICT = "place_conflict"  # a rename or move onto a name already used there
    MERGE_SELF = "merge_self"
    MERGE_KIND = "merge_kind"
    ACCOUNT_SELF = "account_self"  # an administrator acting on their own account
    ADMIN_ACCOUNT = "admin_account"
