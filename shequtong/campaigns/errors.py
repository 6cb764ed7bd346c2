"""Stable error codes of 抽奖 and 有奖答题."""

from shequtong.common.errors import ErrorCode


class CampaignError(ErrorCode):
    NOT_OPEN = "campaign_not_open"
    NOT_DRAFT = "campaign_not_draft"
    NOT_PUBLISHED = "campaign_not_published"
    NO_DRAWS_LEFT = "no_draws_left"
    NO_DRAWS_TODAY = "no_draws_left_today"
    QUIZ_FULL = "quiz_full"
    ALREADY_ATTEMPTED = "already_attempted"
    TIME_UP = "time_up"
    NOT_ENDED = "campaign_not_ended"
    ALREADY_COLLECTED = "already_collected"
