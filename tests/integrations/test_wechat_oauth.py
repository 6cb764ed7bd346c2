"""Binding a WeChat account from 我的 (web authorisation) and template messages, against the simulator (NF-6)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shequtong.integrations.errors import WeChatDeliveryError
from shequtong.integrations.wechat import WeChatOAuth, WeChatTemplateChannel
from shequtong.integrations.wechat_simulator import WeChatSimulator
from shequtong.notifications import preferences
from shequtong.notifications.models import ChannelPreference

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def wx(settings) -> Iterator[WeChatSimulator]:
    sim = WeChatSimulator()
    sim.start()
    settings.WECHAT_API_BASE = sim.url
    settings.WECHAT_OPEN_BASE = sim.url
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = sim.app_id, sim.app_secret
    settings.WECHAT_TEMPLATE_ID = "TPL_REMINDER"
    settings.WECHAT_BACKEND = "shequtong.integrations.wechat.WeChatTemplateChannel"
    settings.SITE_URL = ""
    yield sim
    sim.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _consent(location: str) -> str:
    """What WeChat does in the person's browser: the authorisation page sends them back with a code."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(location.split("#")[0])
    assert redirect.value.code == 302
    return str(redirect.value.headers["Location"])


def test_a_resident_binds_wechat_from_the_settings_page_and_gets_a_template_message(wx):
    user = make_user()
    client = Client()
    client.force_login(user)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "绑定微信" in page and "未绑定" in page
    assert client.get(reverse("notifications:wechat_bind")).status_code == 405  # nothing starts on a GET

    start = client.post(reverse("notifications:wechat_bind"))
    assert start.status_code == 302
    location = start["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert location.startswith(wx.url + "/connect/oauth2/authorize?") and location.endswith("#wechat_redirect")
    assert query["appid"] == wx.app_id and query["scope"] == "snsapi_base" and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver" + reverse("notifications:wechat_callback")

    back = urllib.parse.urlsplit(_consent(location))
    done = client.get(back.path + "?" + back.query)
    assert done.status_code == 302 and done["Location"] == reverse("notifications:preferences")
    pref = ChannelPreference.objects.get(user_id=user.pk)
    assert pref.wechat_openid == wx.next_openid and pref.wechat is True
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "微信已绑定" in page and "解除绑定" in page

    # The worker's channel reaches the bound account through the template message API.
    msgid = WeChatTemplateChannel().send(openid=preferences.wechat_openid(user.pk), title="诉求超时提醒",
                                         body="您的诉求已受理", link="https://sqt.example/cases/1/")
    assert msgid and wx.sent[-1]["touser"] == wx.next_openid
    assert wx.sent[-1]["data"]["first"]["value"] == "诉求超时提醒"

    # The code cannot be used twice; a callback without this session's state binds nothing.
    again = client.get(back.path + "?" + back.query)
    assert again.status_code == 302
    assert "微信授权已失效" in client.get(reverse("notifications:preferences")).content.decode()
    client.post(reverse("notifications:wechat_unbind"))
    assert ChannelPreference.objects.get(user_id=user.pk).wechat_openid == ""


def test_without_an_official_account_there_is_nothing_to_bind(settings, db):
    settings.WECHAT_APP_ID = ""
    client = Client()
    client.force_login(make_user())
    assert "尚未接入微信公众号" in client.get(reverse("notifications:preferences")).content.decode()
    response = client.post(reverse("notifications:wechat_bind"))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:preferences")


def test_a_forged_callback_binds_nothing(wx):
    victim = make_user()
    client = Client()
    client.force_login(victim)
    client.post(reverse("notifications:wechat_bind"))
    # An attacker's own code and a guessed state, sent to the victim's browser.
    response = client.get(reverse("notifications:wechat_callback") + "?code=attacker-code&state=guess")
    assert response.status_code == 302
    assert not ChannelPreference.objects.filter(user_id=victim.pk).exclude(wechat_openid="").exists()


def test_one_wechat_account_belongs_to_one_person(wx):
    first, second = make_user(), make_user()
    preferences.bind_wechat(actor=first, openid="oSame")
    preferences.bind_wechat(actor=second, openid="oSame")
    assert preferences.wechat_openid(first.pk) == "" and preferences.wechat_openid(second.pk) == "oSame"


def test_oauth_errors_are_reported_as_the_api_documents(wx):
    oauth = WeChatOAuth()
    with pytest.raises(WeChatDeliveryError, match="40029"):
        oauth.openid_for("never-issued")
    bad = WeChatOAuth(app_secret="wrong")
    with pytest.raises(WeChatDeliveryError, match="40125"):
        bad.openid_for("x")


def test_template_errors_expired_token_unfollowed_and_quota(wx):
    cache.clear()
    channel = WeChatTemplateChannel()
    assert channel.send(openid="oA", title="提醒", body="内容")
    wx.expire_tokens()  # 40001: the channel fetches a new token once and sends
    assert channel.send(openid="oA", title="提醒", body="内容")
    wx.unfollowed.add("oGone")
    with pytest.raises(WeChatDeliveryError, match="43004") as gone:
        channel.send(openid="oGone", title="提醒", body="内容")
    assert gone.value.retryable is False
    wx.quota = len(wx.sent)
    with pytest.raises(WeChatDeliveryError, match="45009") as quota:
        channel.send(openid="oA", title="提醒", body="内容")
    assert quota.value.retryable is True
    bad = WeChatTemplateChannel(template_id="TPL_UNKNOWN")
    with pytest.raises(WeChatDeliveryError, match="40037"):
        bad.send(openid="oA", title="提醒", body="内容")
