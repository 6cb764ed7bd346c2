"""Stable error codes of 积分 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class PointsError(ErrorCode):
    NOT_ENOUGH_BEANS = "not_enough_beans"
    ALREADY_CHECKED_IN = "already_checked_in"
    OUT_OF_STOCK = "gift_out_of_stock"
    GIFT_ENDED = "gift_ended"
    ALREADY_COLLECTED = "already_collected"
    ALREADY_INVITED = "already_invited"
    ALREADY_MEMBER = "already_member"
    NOT_AUDIENCE = "not_audience"
    AUCTION_NOT_RUNNING = "auction_not_running"
    AUCTION_NOT_ENDED = "auction_not_ended"
    DONATION_LIMIT = "donation_limit"
