"""The person's choice of notification channels (我的 → 消息通知设置, NF-6)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render

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
    })


@access.capability("sysadmin")
def delivery_log(request: AuthedRequest) -> HttpResponse:
    """投递日志: every attempt at the grid, e-mail, SMS and WeChat, for system administrators."""
    f = selectors.LogFilter.from_query(request.GET)
    return render(request, "notifications/delivery_log.html", {
        "filter": f, "page_obj": paginate(request, selectors.delivery_log(request.user, f)),
        "keep_query": query_without_page(request), "kinds": selectors.kind_choices(),
        "results": DeliveryAttempt.Result.choices, "summary": selectors.outbox_summary(request.user),
    })
