"""Stable error codes of the grid's result callback (the grid switches on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class Open311Error(ErrorCode):
    WEBHOOK_DISABLED = "webhook_disabled"  # no callback secret configured: nothing is accepted
    BAD_SIGNATURE = "bad_signature"  # forged, stale or outside the replay window
    BAD_BODY = "bad_body"  # not JSON, or no service_request_id
    UNKNOWN_REQUEST = "unknown_request"  # no case carries the request id (yet): the grid retries
