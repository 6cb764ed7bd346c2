"""Stable error codes of 小区群 (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class ChatError(ErrorCode):
    GROUP_NOT_FOUND = "group_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    COMMUNITY_NOT_FOUND = "community_not_found"
    MEMBER_NOT_FOUND = "member_not_found"
    MESSAGES_THROTTLED = "messages_throttled"
    ALREADY_MENTIONED = "already_mentioned"
    MESSAGE_HIDDEN = "message_hidden"
    NOT_A_MESSAGE = "not_a_message"
    ALREADY_HIDDEN = "already_hidden"
    NOT_HIDDEN = "not_hidden"
    ESTATE_GROUP = "estate_group"
    ESTATE_NOT_FOUND = "estate_not_found"
