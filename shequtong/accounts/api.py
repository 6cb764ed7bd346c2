"""/api/v1/accounts: the same actions as the account pages, through the same services."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router

from shequtong.common import access, clock
from shequtong.common.errors import NotFound
from shequtong.places.models import Community, Estate, Subdistrict

from . import captcha, scope, selectors, services
from .models import Membership, RoleGrant
from .schemas import (
    CaptchaOut,
    GrantIn,
    GrantOut,
    MembershipIn,
    MembershipOut,
    MeOut,
    RegisterIn,
    ReviewIn,
    SmsCodeIn,
    TokenIn,
    TokenListOut,
    TokenOut,
)
from .typing import AuthedRequest

router = Router(tags=["accounts"])


def _membership_out(m: Membership) -> MembershipOut:
    return MembershipOut(
        id=m.pk, community_id=m.community_id, community=m.community.name, estate=m.estate.name if m.estate else None,
        status=m.status, status_label=str(m.get_status_display()), applicant=m.user.display_name,
        requested_at=m.requested_at, reviewed_at=m.reviewed_at, reason=m.reason,
    )


def _grant_out(g: RoleGrant) -> GrantOut:
    return GrantOut(id=g.pk, user=g.user.display_name, role=g.role, role_label=str(g.get_role_display()), place=g.place_name)


@router.get("/me", response=MeOut)
@access.login
def me(request: AuthedRequest) -> MeOut:
    u = request.user
    return MeOut(
        id=u.pk, username=u.username, display_name=u.display_name, masked_phone=u.masked_phone,
        masked_id_number=u.masked_id_number, versions=scope.versions_of(u), current_version=scope.current_version(u),
        elder_mode=u.elder_mode,
    )


@router.post("/sms-codes", auth=None, response={202: dict})
@access.public
def send_sms_code(request: HttpRequest, payload: SmsCodeIn) -> tuple[int, dict]:
    services.send_sms_code(phone=payload.phone, purpose="register", request=request,
                           captcha_id=payload.captcha_id, captcha_answer=payload.captcha_answer)
    return 202, {"code": "ok", "message": "验证码已发送，5分钟内有效"}


@router.post("/captchas", auth=None, response={201: CaptchaOut})
@access.public
def new_captcha(request: HttpRequest) -> tuple[int, CaptchaOut]:
    """A new image captcha, asked by POST /sms-codes (code captcha_required) past a threshold."""
    captcha_id = captcha.new_challenge()
    return 201, CaptchaOut(id=captcha_id, image_url=reverse("accounts:captcha_image", args=[captcha_id]),
                           prompt=captcha.PROMPT)


@router.post("/register", auth=None, response={201: MeOut})
@access.public
def register(request: HttpRequest, payload: RegisterIn) -> tuple[int, MeOut]:
    user = services.register(data=services.Registration(**payload.dict()), request=request)
    return 201, MeOut(id=user.pk, username=user.username, display_name=user.display_name, masked_phone=user.masked_phone,
                      masked_id_number=user.masked_id_number, versions=[], current_version=None, elder_mode=False)


@router.get("/memberships", response=list[MembershipOut])
@access.login
def my_memberships(request: AuthedRequest) -> list[MembershipOut]:
    return [_membership_out(m) for m in selectors.memberships_of(request.user).select_related("user")]


@router.post("/memberships", response={201: MembershipOut})
@access.login
def request_membership(request: AuthedRequest, payload: MembershipIn) -> tuple[int, MembershipOut]:
    m = services.request_membership(actor=request.user, community_id=payload.community_id, estate_id=payload.estate_id,
                                    note=payload.note)
    return 201, _membership_out(m)


@router.get("/reviews", response=list[MembershipOut])
@access.capability("review_members")
def pending_reviews(request: AuthedRequest, limit: int = 50, offset: int = 0) -> list[MembershipOut]:
    limit = max(1, min(limit, 200))
    return [_membership_out(m) for m in selectors.pending_reviews_for(request.user)[offset : offset + limit]]


@router.post("/reviews/{membership_id}", response=MembershipOut)
@access.capability("review_members")
def review(request: AuthedRequest, membership_id: int, payload: ReviewIn) -> MembershipOut:
    m = services.review_membership(actor=request.user, membership_id=membership_id, approve=payload.approve,
                                   reason=payload.reason, request=request)
    return _membership_out(m)


@router.get("/grants", response=list[GrantOut])
@access.capability("grant_roles")
def grants(request: AuthedRequest, limit: int = 50, offset: int = 0) -> list[GrantOut]:
    limit = max(1, min(limit, 200))
    return [_grant_out(g) for g in selectors.grants_manageable_by(request.user)[offset : offset + limit]]


@router.post("/grants", response={201: GrantOut})
@access.capability("grant_roles")
def grant(request: AuthedRequest, payload: GrantIn) -> tuple[int, GrantOut]:
    target = selectors.find_user(payload.user)
    if target is None:
        raise NotFound("未找到该用户")
    g = services.grant_role(
        actor=request.user, user=target, role=payload.role,
        subdistrict=get_object_or_404(Subdistrict, pk=payload.subdistrict_id) if payload.subdistrict_id else None,
        community=get_object_or_404(Community, pk=payload.community_id) if payload.community_id else None,
        estate=get_object_or_404(Estate, pk=payload.estate_id) if payload.estate_id else None,
        request=request,
    )
    return 201, _grant_out(g)


@router.delete("/grants/{grant_id}", response={204: None})
@access.capability("grant_roles")
def revoke(request: AuthedRequest, grant_id: int) -> tuple[int, None]:
    services.revoke_role(actor=request.user, grant_id=grant_id, request=request)
    return 204, None


@router.post("/tokens", response={201: TokenOut})
@access.login
def create_token(request: AuthedRequest, payload: TokenIn) -> tuple[int, TokenOut]:
    token, key = services.create_api_token(actor=request.user, name=payload.name, token_scope=payload.scope,
                                           days=payload.days, request=request)
    return 201, TokenOut(id=token.pk, name=token.name, scope=token.scope, key=key, expires_at=token.expires_at)


@router.get("/tokens", response=list[TokenListOut])
@access.login
def my_tokens(request: AuthedRequest) -> list[TokenListOut]:
    now = clock.now()
    return [
        TokenListOut(id=t.pk, name=t.name, prefix=t.prefix, scope=t.scope, created_at=t.created_at,
                     expires_at=t.expires_at, last_used_at=t.last_used_at, revoked_at=t.revoked_at,
                     active=t.revoked_at is None and (t.expires_at is None or t.expires_at > now))
        for t in selectors.api_tokens_of(request.user)[:200]
    ]


@router.delete("/tokens/{token_id}", response={204: None})
@access.login
def revoke_token(request: AuthedRequest, token_id: int) -> tuple[int, None]:
    services.revoke_api_token(actor=request.user, token_id=token_id, request=request)
    return 204, None
