"""Stable error codes of boards and 爱宝山 (clients switch on the value; messages may be reworded).

Refusals without a member here keep the generic codes of common.errors
("invalid", "forbidden", "conflict"), which clients already read.
"""

from shequtong.common.errors import ErrorCode


class BoardError(ErrorCode):
    COMMUNITY_NOT_FOUND = "community_not_found"
    NO_COMMUNITY = "no_community"
    BOARD_NOT_FOUND = "board_not_found"
    POST_NOT_FOUND = "post_not_found"
    REPLY_NOT_FOUND = "reply_not_found"
    IMAGE_NOT_FOUND = "image_not_found"
    BOOKING_NOT_FOUND = "booking_not_found"
    VOTE_NOT_FOUND = "vote_not_found"
    NOT_A_SERVICE = "not_a_service"
    NOT_A_GIVEAWAY = "not_a_giveaway"
    GIVEAWAY_REQUEST_NOT_FOUND = "giveaway_request_not_found"
    STAGE_NOT_ALLOWED = "stage_not_allowed"
    ANNOUNCEMENT_NOT_FOUND = "announcement_not_found"
    COMMENT_NOT_FOUND = "comment_not_found"
