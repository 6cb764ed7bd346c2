"""Stable error codes of accounts (clients switch on the value; messages may be reworded)."""

from shequtong.common.errors import ErrorCode


class AccountError(ErrorCode):
    SMS_THROTTLED = "sms_throttled"
    CAPTCHA_REQUIRED = "captcha_required"  # answer the image captcha (POST /captchas) and send again
    CAPTCHA_WRONG = "captcha_wrong"
    LOGIN_THROTTLED = "login_throttled"
    SMS_FAILED = "sms_failed"
    SMS_EXPIRED = "sms_expired"
    SMS_WRONG = "sms_wrong"
    DUPLICATE = "duplicate"  # a concurrent registration with the same ID number or phone
    DUPLICATE_REQUEST = "duplicate_request"
    ALREADY_REVIEWED = "already_reviewed"
    DUPLICATE_GRANT = "duplicate_grant"
    SELF_REVOKE = "self_revoke"
    ADMIN_SEPARATION = "admin_separation"  # 三员分立: one person, one of the three administrator roles
    SUBDISTRICT_NOT_FOUND = "subdistrict_not_found"
    COMMUNITY_NOT_FOUND = "community_not_found"
    MFA_WRONG = "mfa_wrong"
    MFA_NOT_ENROLLED = "mfa_not_enrolled"
    MFA_REQUIRED = "mfa_required"
    PASSWORD_WRONG = "password_wrong"  # noqa: S105 - an error code
    PASSWORD_REUSED = "password_reused"  # noqa: S105 - an error code
    PASSWORD_WEAK = "password_weak"  # noqa: S105 - an error code
    PASSWORD_EXPIRED = "password_expired"  # noqa: S105 - an error code
    CLAIM_REFUSED = "claim_refused"  # 认领账号: the phone, ID proof and account do not match (told alike for every cause)
    CLAIM_LOCKED = "claim_locked"  # 认领账号: too many refused claims for the phone or the address this hour
