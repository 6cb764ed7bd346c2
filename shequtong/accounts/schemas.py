"""API input and output shapes for accounts."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    masked_phone: str
    masked_id_number: str
    versions: list[str]
    current_version: str | None
    elder_mode: bool


class SmsCodeIn(Schema):
    phone: str = Field(max_length=20)
    captcha_id: str | None = Field(default=None, max_length=64, description="图形验证码编号（要求时必填）")
    captcha_answer: str | None = Field(default=None, max_length=8, description="图中算式的结果")


class CaptchaOut(Schema):
    id: str
    image_url: str
    prompt: str


class RegisterIn(Schema):
    username: str = Field(default="", max_length=30, description="可不填：手机号码即可登录")
    real_name: str = Field(max_length=30)
    id_number: str = Field(max_length=18)
    phone: str = Field(max_length=20)
    sms_code: str = Field(max_length=6)
    password: str = Field(max_length=128)
    consent: bool = Field(default=False, description="已阅读并同意《个人信息保护说明》（/accounts/privacy/）")


class MembershipIn(Schema):
    community_id: int
    estate_id: int | None = None
    note: str = Field(default="", max_length=200)


class MembershipOut(Schema):
    id: int
    community_id: int
    community: str
    estate: str | None
    status: str
    status_label: str
    applicant: str
    requested_at: dt.datetime
    reviewed_at: dt.datetime | None
    reason: str


class ReviewIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=200)


class GrantIn(Schema):
    user: str = Field(description="用户名或手机号", max_length=50)
    role: str
    subdistrict_id: int | None = None
    community_id: int | None = None
    estate_id: int | None = None


class GrantOut(Schema):
    id: int
    user: str
    role: str
    role_label: str
    place: str


class TokenIn(Schema):
    name: str = Field(max_length=50)
    scope: str = "read"
    days: int = Field(default=30, ge=1, le=90, description="有效期（天），默认30天，最长90天")


class TokenListOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头8位，用于辨认")
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool


class TokenOut(Schema):
    id: int
    name: str
    scope: str
    key: str = Field(description="只显示一次，请妥善保存")
    expires_at: dt.datetime | None
