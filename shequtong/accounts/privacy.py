"""The privacy notice shown at registration (个人信息保护说明) and its version.

A person's consent is stored with the version they saw (User.privacy_consent_version) and
when (privacy_consent_at). Change the version whenever the notice's text changes, so that
who agreed to which text stays known.
"""

PRIVACY_NOTICE_VERSION = "2026-12"
