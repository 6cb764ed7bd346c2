"""Stable error codes of 关注/收藏 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class FollowError(ErrorCode):
    # A target that does not exist and one the actor may not see answer alike.
    NOT_FOUND = "follows.not_found"
    TOO_MANY = "follows.too_many"
