"""Account pages: login, registration, joining a community, member review, roles, 我的."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LoginView
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from shequtong.common import access, clock, registry
from shequtong.common.clientip import client_ip
from shequtong.common.errors import DomainError
from shequtong.common.pagination import paginate
from shequtong.common.perform import perform
from shequtong.places.models import Community

from . import captcha, households, mfa, scope, selectors, services, throttle
from . import claim as claims
from .errors import AccountError
from .forms import (
    ClaimForm,
    GrantForm,
    JoinForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    RegisterForm,
    ReviewForm,
    TokenForm,
)
from .privacy import PRIVACY_NOTICE_VERSION
from .typing import AuthedRequest

# 长辈模式 chosen on the login page, before anyone is signed in (elder_mode below).
ELDER_COOKIE = "elder_mode"


class ShequtongLoginView(LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Many failed logins from this address or its /24, over any accounts: refuse before any
        # password is checked (issue 12 item 8); axes still locks single accounts.
        if throttle.login_blocked(client_ip(request)):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "登录失败次数过多，请15分钟后再试")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # 长辈模式 chosen on the login page is the person's choice from now on.
        chosen = self.request.COOKIES.get(ELDER_COOKIE)
        if chosen in ("0", "1") and (chosen == "1") != form.get_user().elder_mode:
            services.set_elder_mode(actor=form.get_user(), enabled=chosen == "1")
        return response


login_view = access.public(ShequtongLoginView.as_view())


@access.login
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, "您已安全退出")
    return redirect("accounts:login")


@access.public
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, initial={"invite_code": request.GET.get("invite", "")[:12]})
    if request.method == "POST":
        form.is_valid()  # only lengths here: every other check is the service's, all in one round
        data = services.Registration(**{k: str(form.cleaned_data.get(k) or "") for k in RegisterForm.FIELDS},
                                     consent=bool(form.cleaned_data.get("consent")))
        errors: dict[str, str] = {}
        if form.errors:  # a field too long: told with every other format error; nothing is registered
            errors = services.registration_errors(data)
        else:
            done = perform(request, lambda: services.register(data=data, request=request), form=form)
            if done.value is not None:
                auth_login(request, done.value, backend="shequtong.accounts.backends.UsernameOrPhoneBackend")
                messages.success(request, "注册成功，请申请加入您所在的社区")
                return redirect("accounts:join")
            # register checks every field at once: perform put the first refusal on the form, these are the rest.
            errors = getattr(done.error, "errors", {})
        for field, message in errors.items():
            if field in form.fields and not form.has_error(field):
                form.add_error(field, message)
            elif field not in form.fields and message not in form.non_field_errors():
                form.add_error(None, message)
    return render(request, "accounts/register.html", {"form": form, "privacy_version": PRIVACY_NOTICE_VERSION})


@access.public
def privacy(request: HttpRequest) -> HttpResponse:
    """个人信息保护说明: what registration asks for, why, and the person's rights (linked from registration)."""
    return render(request, "accounts/privacy.html", {"privacy_version": PRIVACY_NOTICE_VERSION})


@access.public
@require_POST
def register_sms(request: HttpRequest) -> JsonResponse:
    return _sms_answer(request, lambda: services.send_sms_code(
        phone=request.POST.get("phone", ""), purpose="register", request=request,
        captcha_id=request.POST.get("captcha_id"), captcha_answer=request.POST.get("captcha_answer")))


@access.public
def claim(request: HttpRequest) -> HttpResponse:
    """认领账号: an imported resident sets a password with an SMS code and their ID number, then is signed in."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST":
        form.is_valid()  # only lengths here: every other check is the service's, all in one round
        data = claims.Claim(**{k: str(form.cleaned_data.get(k) or "") for k in ClaimForm.FIELDS},
                            consent=bool(form.cleaned_data.get("consent")))
        errors: dict[str, str] = claims.claim_errors(data) if form.errors else {}
        if not form.errors:
            done = perform(request, lambda: claims.claim_account(data=data, request=request), form=form)
            if done.value is not None:
                auth_login(request, done.value, backend="shequtong.accounts.backends.UsernameOrPhoneBackend")
                chosen = request.COOKIES.get(ELDER_COOKIE)  # 长辈模式 chosen before signing in stays chosen
                if chosen in ("0", "1") and (chosen == "1") != done.value.elder_mode:
                    services.set_elder_mode(actor=done.value, enabled=chosen == "1")
                messages.success(request, "账号认领成功，欢迎使用社区通")
                return redirect("web:home")
            errors = getattr(done.error, "errors", {})
        for field, message in errors.items():
            if field in form.fields and not form.has_error(field):
                form.add_error(field, message)
            elif field not in form.fields and message not in form.non_field_errors():
                form.add_error(None, message)
    # The summary counts the fields marked below, not the refusal above them (认领 refuses as a whole).
    field_errors = sum(1 for name in form.errors if name != "__all__")
    return render(request, "accounts/claim.html", {"form": form, "field_errors": field_errors})


@access.public
@require_POST
def claim_sms(request: HttpRequest) -> JsonResponse:
    return _sms_answer(request, lambda: claims.send_code(
        phone=request.POST.get("phone", ""), request=request,
        captcha_id=request.POST.get("captcha_id"), captcha_answer=request.POST.get("captcha_answer")))


def _sms_answer(request: HttpRequest, send: Any) -> JsonResponse:
    """Send a code (registration or claim) and answer the page's button in JSON; a captcha when one is due."""
    try:
        send()
    except DomainError as exc:
        body: dict[str, object] = {"code": exc.code, "message": exc.message}
        if exc.code in (AccountError.CAPTCHA_REQUIRED, AccountError.CAPTCHA_WRONG):
            captcha_id = captcha.new_challenge()  # the page shows it and sends the answer with the next press
            body["captcha"] = {"id": captcha_id, "image_url": reverse("accounts:captcha_image", args=[captcha_id]),
                               "prompt": captcha.PROMPT}
        return JsonResponse(body, status=exc.status)
    return JsonResponse({"code": "ok", "message": "验证码已发送，5分钟内有效"})


@access.public
def captcha_image(request: HttpRequest, captcha_id: str) -> HttpResponse:
    png = captcha.image_png(captcha_id)
    if png is None:
        raise Http404("验证码已过期")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@access.login
def join(request: AuthedRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.request_membership(
            actor=request.user, community_id=d["community"].pk, estate_id=d["estate"].pk if d["estate"] else None,
            note=d["note"],
        ), success="申请已提交，请等待居村委审核，结果将通过信箱通知您", form=form):
            return redirect("accounts:me")
    return render(request, "accounts/join.html", {"form": form, "memberships": selectors.memberships_of(request.user)})


def _me_page(request: AuthedRequest, revealed: dict[str, str] | None = None) -> HttpResponse:
    user = request.user
    return render(request, "accounts/me.html", {
        "memberships": selectors.memberships_of(user),
        # Committee staff work for a community without being its resident: 我的 shows it (issue 14 item 8).
        "work_community": scope.work_community(user),
        "grants": scope.grants_of(user),
        "versions": [(v, scope.version_label(user, v)) for v in scope.versions_of(user)],
        "current": scope.current_version(user),
        "revealed": revealed,
        "tiles": registry.tiles_for("me", user),
        "staff_account": mfa.is_staff_account(user),
    })


@access.login
def me(request: AuthedRequest) -> HttpResponse:
    return _me_page(request)


@access.login
@require_POST
def reveal_mine(request: AuthedRequest) -> HttpResponse:
    """显示完整信息: the clear values are in this one (no-store) response only, never in the session row."""
    data = services.reveal_personal_data(actor=request.user, subject_id=request.user.pk, request=request)
    return _me_page(request, revealed=data)


@access.capability("committee")
@require_POST
def reveal_person(request: AuthedRequest, user_id: int) -> HttpResponse:
    """显示完整信息 of a member for committee work (review, a case's 提出人, 面对面); audited with the reason."""
    reason = request.POST.get("reason", "")
    contact = services.reveal_contact(actor=request.user, subject_id=user_id, reason=reason, request=request)
    back = request.POST.get("next", "")
    if not (back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = reverse("web:home")
    response = render(request, "accounts/reveal_person.html", {
        "contact": contact, "why": services.REVEAL_REASONS[reason], "back": back})
    response["Cache-Control"] = "no-store"
    return response


@access.login
@require_POST
def switch_version(request: AuthedRequest) -> HttpResponse:
    if perform(request, lambda: services.switch_version(actor=request.user, version=request.POST.get("version", ""))):
        return redirect("web:home")
    return redirect("accounts:me")


@access.public
@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """长辈模式 on or off: a signed-in person's setting; on the login page, a cookie that signing in applies."""
    enabled = request.POST.get("enabled") == "1"
    back = request.POST.get("next", "")
    safe = bool(back) and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                          require_https=request.is_secure())
    if not request.user.is_authenticated:  # the login page, or the claim page (认领账号) back to itself
        response = redirect(back if safe else "accounts:login")
        response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax",
                            secure=request.is_secure(), httponly=True)
        return response
    services.set_elder_mode(actor=request.user, enabled=enabled)  # type: ignore[arg-type]
    if enabled:
        messages.success(request, "已开启长辈模式")
    else:
        messages.success(request, "好的，需要时可在“我的”最上方开启长辈模式" if request.POST.get("declined") else "已关闭长辈模式")
    return redirect(back if safe else "accounts:me")


@access.login
def tokens(request: AuthedRequest) -> HttpResponse:
    """我的·接口令牌: list, create (the key is in this one response only), revoke."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.create_api_token(
            actor=request.user, name=d["name"], token_scope=d["scope"], days=d["days"], request=request,
        ), form=form)
        if done.value is not None:
            new_key = done.value[1]
            form = TokenForm()
    return render(request, "accounts/tokens.html", {
        "form": form, "new_key": new_key, "tokens": selectors.api_tokens_of(request.user)[:100], "now": clock.now(),
    })


@access.login
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    perform(request, lambda: services.revoke_api_token(actor=request.user, token_id=token_id, request=request),
            success="已撤销该令牌")
    return redirect("accounts:tokens")


@access.capability("review_members")
def reviews(request: AuthedRequest) -> HttpResponse:
    tab = request.GET.get("tab", "pending")
    qs = selectors.reviewed_for(request.user) if tab == "done" else selectors.pending_reviews_for(request.user)
    return render(request, "accounts/reviews.html", {"page_obj": paginate(request, qs), "tab": tab,
                                                     "pending_count": selectors.pending_reviews_for(request.user).count()})


@access.capability("review_members")
@require_POST
def review_action(request: AuthedRequest, membership_id: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("accounts:reviews")
    done = perform(request, lambda: services.review_membership(
        actor=request.user, membership_id=membership_id,
        approve=form.cleaned_data["decision"] == "approve", reason=form.cleaned_data["reason"], request=request,
    ))
    if (m := done.value) is not None:
        messages.success(request, f"已{'通过' if m.status == 'approved' else '拒绝'}{m.user.display_name}的申请")
    return redirect("accounts:reviews")


@access.capability("grant_roles")
def grants(request: AuthedRequest) -> HttpResponse:
    user = request.user
    grant_scope = scope.scope_for(user, "grant_roles")
    form = GrantForm(request.POST or None, roles=scope.grantable_roles(user), communities=grant_scope.communities(),
                     subdistricts=grant_scope.subdistricts(), whole_district=grant_scope.everything)
    if request.method == "POST" and form.is_valid():
        target = selectors.find_user(form.cleaned_data["who"])
        if target is None:
            form.add_error("who", "未找到该用户，请核对用户名或手机号")
        else:
            d = form.cleaned_data
            if perform(request, lambda: services.grant_role(
                actor=user, user=target, role=d["role"], subdistrict=d["subdistrict"], community=d["community"],
                estate=d["estate"], request=request,
            ), success=f"已为{target.display_name}授予角色", form=form):
                return redirect("accounts:grants")
    q = request.GET.get("q", "").strip()
    qs = selectors.grants_manageable_by(user)
    if q:
        found = selectors.find_user(q)
        qs = qs.filter(user=found) if found else selectors.grants_of_named(qs, q)
    return render(request, "accounts/grants.html", {"form": form, "page_obj": paginate(request, qs), "q": q})


@access.capability("grant_roles")
@require_POST
def grant_revoke(request: AuthedRequest, grant_id: int) -> HttpResponse:
    perform(request, lambda: services.revoke_role(actor=request.user, grant_id=grant_id, request=request),
            success="已撤销该角色")
    return redirect("accounts:grants")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("web:home")


@access.login
def otp_verify(request: AuthedRequest) -> HttpResponse:
    """Second step of a staff login: a TOTP code or a recovery code."""
    if mfa.totp_device(request.user) is None:
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if perform(request, lambda: mfa.verify_session(actor=request.user, token=form.cleaned_data["token"], request=request), form=form):
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@access.login
def otp_setup(request: AuthedRequest) -> HttpResponse:
    """Enrol (or re-enrol) an authenticator app: QR code and secret, then recovery codes shown once.

    An account that has a device already must pass it first (the gate sends it to otp_verify).
    """
    user = request.user
    if mfa.totp_device(user) is not None and not mfa.session_verified(request, user):
        return redirect("accounts:otp_verify")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, lambda: mfa.confirm_enrolment(actor=user, token=form.cleaned_data["token"], request=request), form=form)
        if done.value is not None:
            return render(request, "accounts/otp_codes.html", {"codes": done.value, "next": _next_url(request)})
    device = mfa.start_enrolment(actor=user)
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr_svg": mark_safe(mfa.qr_svg(device)),  # noqa: S308 - generated here from our own URI
        "secret": mfa.secret_text(device), "next": request.GET.get("next", ""),
    })


@access.login
@require_POST
def otp_recovery_codes(request: AuthedRequest) -> HttpResponse:
    done = perform(request, lambda: mfa.regenerate_recovery_codes(actor=request.user, request=request))
    if done.value is None:
        return redirect("accounts:me")
    return render(request, "accounts/otp_codes.html", {"codes": done.value, "next": resolve_url("accounts:me")})


@access.login
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: mfa.change_password(actor=request.user, old_password=d["old_password"],
                                                        new_password=d["new_password1"], request=request),
                   success="密码已修改", form=form):
            update_session_auth_hash(request, request.user)
            return redirect(_next_url(request))
    return render(request, "accounts/password_change.html", {
        "form": form, "expired": mfa.password_expired(request.user),
        "must_change": request.user.must_change_password, "next": request.GET.get("next", ""),
        "max_age": settings.STAFF_PASSWORD_MAX_AGE_DAYS,
    })


# --- 户数 (the denominator of 户覆盖率) ----------------------------------------------------

@access.capability(households.CAPABILITY)
def households_page(request: AuthedRequest) -> HttpResponse:
    """登记户数: a community's estates with their registered 户数 and covered households; the committee
    edits its own, a system administrator picks a community first."""
    communities = households.editable_communities(request.user)
    raw = request.GET.get("community") or request.POST.get("community") or ""
    community: Community | None
    if raw.isdigit():
        community = households.community_for(request.user, int(raw))
    else:
        first_two = list(communities[:2])
        community = first_two[0] if len(first_two) == 1 else None
    if community is None:
        sub = request.GET.get("subdistrict", "")
        subs = (communities.order_by().values("subdistrict_id", "subdistrict__name").annotate(n=Count("id"))
                .order_by("subdistrict_id"))
        shown = communities.filter(subdistrict_id=int(sub)) if sub.isdigit() else communities.none()
        return render(request, "accounts/households.html", {"subdistricts": subs, "communities": shown,
                                                            "subdistrict": sub, "indicator": households.INDICATOR})
    rows = households.estate_rows(request.user, community)
    if request.method == "POST":
        values: dict[int, int | None] = {}
        bad = []
        for row in rows:
            text = request.POST.get(f"households_{row.estate.pk}", "").strip()
            if text and not text.isdigit():
                bad.append(row.estate.name)
            values[row.estate.pk] = int(text) if text.isdigit() else None
        if bad:
            messages.error(request, f"户数请填写整数：{'、'.join(bad)}")
        else:
            done = perform(request, lambda: households.set_households(
                actor=request.user, community_id=community.pk, values=values, request=request))
            if done.ok:
                messages.success(request, f"已保存（{done.value}处修改）" if done.value else "没有修改")
                return redirect(f"{reverse('accounts:households')}?community={community.pk}")
    return render(request, "accounts/households.html", {
        "community": community, "rows": rows, "indicator": households.INDICATOR,
        "many": len(list(communities[:2])) > 1,
    })
