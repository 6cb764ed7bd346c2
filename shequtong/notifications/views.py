"""The person's choice of notification channels (我的 → 消息通知设置, NF-6)."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import preferences, selectors
from .models import DeliveryAttempt


class PreferenceForm(forms.Form):
    email_address = forms.EmailField(label="电子邮箱", required=False, max_length=254, widget=forms.TextInput(
        attrs={"inputmode": "email", "autocomplete": "email", "placeholder": "name@example.com"}))
    email = forms.BooleanField(label="邮件", required=False)
    sms = forms.BooleanField(label="短信", required=False)
    wechat = forms.BooleanField(label="微信", required=False)


@access.login
def preference_page(request: AuthedRequest) -> HttpResponse:
    pref = preferences.preference_of(request.user)
    form = PreferenceForm(request.POST or None, initial={
        "email_address": request.user.email, "email": pref.email, "sms": pref.sms, "wechat": pref.wechat,
    })
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: preferences.set_preferences(
                actor=request.user, email=d["email"], sms=d["sms"], wechat=d["wechat"], email_address=d["email_address"]),
                success="通知设置已保存", form=form):
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
        "form": form, "wechat_bound": bool(pref.wechat_openid), "masked_phone": request.user.masked_phone,
        "wechat_configured": bool(settings.WECHAT_APP_ID),
    })


_STATE_KEY = "wechat_oauth_state"


@access.login
@require_POST
def wechat_bind(request: AuthedRequest) -> HttpResponse:
    """绑定微信: off to WeChat's web authorisation; it comes back to wechat_callback with a code."""
    from shequtong.integrations.wechat import WeChatOAuth

    if not settings.WECHAT_APP_ID:
        messages.error(request, "本平台尚未接入微信公众号")
        return redirect("notifications:preferences")
    state = secrets.token_urlsafe(24)
    request.session[_STATE_KEY] = state
    callback = reverse("notifications:wechat_callback")
    callback = settings.SITE_URL.rstrip("/") + callback if settings.SITE_URL else request.build_absolute_uri(callback)
    return HttpResponseRedirect(WeChatOAuth().authorize_url(callback, state))


# A GET that writes: WeChat's authorisation comes back by redirect. Only with the one-time
# state this person's POST above put in their session (no other site can start a binding).
@access.login
@require_GET
def wechat_callback(request: AuthedRequest) -> HttpResponse:
    from shequtong.integrations.errors import IntegrationError
    from shequtong.integrations.wechat import WeChatOAuth

    expected = request.session.pop(_STATE_KEY, None)
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    if not expected or not secrets.compare_digest(expected, state) or not code:
        messages.error(request, "微信授权已失效，请重新绑定")
        return redirect("notifications:preferences")
    try:
        openid = WeChatOAuth().openid_for(code)
    except IntegrationError:
        messages.error(request, "微信授权失败，请稍后重试")
        return redirect("notifications:preferences")
    perform(request, lambda: preferences.bind_wechat(actor=request.user, openid=openid), success="微信已绑定")
    return redirect("notifications:preferences")


@access.login
@require_POST
def wechat_unbind(request: AuthedRequest) -> HttpResponse:
    perform(request, lambda: preferences.unbind_wechat(actor=request.user), success="已解除微信绑定")
    return redirect("notifications:preferences")


@access.capability("sysadmin")
def delivery_log(request: AuthedRequest) -> HttpResponse:
    """投递日志: every attempt at the grid, e-mail, SMS and WeChat, for system administrators."""
    f = selectors.LogFilter.from_query(request.GET)
    return render(request, "notifications/delivery_log.html", {
        "filter": f, "page_obj": paginate(request, selectors.delivery_log(request.user, f)),
        "keep_query": query_without_page(request), "kinds": selectors.kind_choices(),
        "results": DeliveryAttempt.Result.choices, "summary": selectors.outbox_summary(request.user),
    })
