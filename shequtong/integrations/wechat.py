"""WeChat template messages (NF-6): the official-account API behind one small interface.

settings.WECHAT_BACKEND chooses the class: `ConsoleWeChatChannel` (development,
tests: logs and keeps what it sent) or `WeChatTemplateChannel` with
WECHAT_API_BASE, WECHAT_APP_ID, WECHAT_APP_SECRET and WECHAT_TEMPLATE_ID from
the environment. The API:

    GET  {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…
         → {"access_token": "…", "expires_in": 7200}
    POST {base}/cgi-bin/message/template/send?access_token=…
         {"touser": openid, "template_id": …, "url": …, "data": {"first": {"value": …}, …}}
         → {"errcode": 0, "errmsg": "ok", "msgid": …}

The access token is cached (shared by all processes through the cache) and
fetched again once when WeChat says it expired. errcode -1 (system busy)
and network failures are retryable; others (the user unfollowed, a bad
template) are not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from . import exchange
from .errors import WeChatDeliveryError

logger = logging.getLogger("shequtong.wechat")

_TOKEN_KEY = "wechat:access_token"  # noqa: S105 - a cache key, not a secret
_TOKEN_ERRORS = {40001, 40014, 42001}   # invalid or expired access token
_RETRYABLE = {-1, 45009}                # system busy, API quota reached for now


class WeChatChannel(Protocol):
    def send(self, *, openid: str, title: str, body: str, link: str = "") -> str: ...


class ConsoleWeChatChannel:
    sent: list[dict[str, str]] = []

    def send(self, *, openid: str, title: str, body: str, link: str = "") -> str:
        ConsoleWeChatChannel.sent.append({"openid": openid, "title": title, "body": body, "link": link})
        logger.info("WeChat template message to %s: %s", openid[:6] + "…", title)
        return f"console-{len(ConsoleWeChatChannel.sent)}"


class WeChatTemplateChannel:
    def __init__(self, base: str | None = None, *, app_id: str | None = None, app_secret: str | None = None,
                 template_id: str | None = None, timeout: float | None = None) -> None:
        self.base = (base if base is not None else settings.WECHAT_API_BASE).rstrip("/")
        self.app_id = app_id if app_id is not None else settings.WECHAT_APP_ID
        self.app_secret = app_secret if app_secret is not None else settings.WECHAT_APP_SECRET
        self.template_id = template_id if template_id is not None else settings.WECHAT_TEMPLATE_ID
        self.timeout = timeout if timeout is not None else settings.WECHAT_TIMEOUT_SECONDS

    def _call(self, method: str, path: str, query: dict[str, str], payload: dict[str, Any] | None = None, *,
              operation: str = "wechat", reference: str = "") -> dict[str, Any]:
        if not self.base:
            raise WeChatDeliveryError("WECHAT_API_BASE is not configured", retryable=True)
        url = f"{self.base}{path}?{urllib.parse.urlencode(query)}"
        data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        req = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - configured API base
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        # Timed and logged (the delivery log); the token in the URL and in the answer is redacted there.
        with exchange.call(operation, reference) as call:
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    raw = resp.read()
            except urllib.error.HTTPError as exc:
                call.answer = f"HTTP {exc.code}"
                raise WeChatDeliveryError(f"HTTP {exc.code}", retryable=exc.code >= 500 or exc.code == 429) from exc
            except (TimeoutError, urllib.error.URLError, OSError) as exc:
                raise WeChatDeliveryError(f"{exc.__class__.__name__}: {exc}", retryable=True) from exc
            call.answer = raw
            try:
                answer: dict[str, Any] = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise WeChatDeliveryError("WeChat answered with something that is not JSON", retryable=True) from exc
            if not isinstance(answer, dict):
                raise WeChatDeliveryError("WeChat answered with something that is not an object", retryable=True)
            call.refused = bool(answer.get("errcode"))
        return answer

    def access_token(self, *, refresh: bool = False) -> str:
        token = None if refresh else cache.get(_TOKEN_KEY)
        if token:
            return str(token)
        answer = self._call("GET", "/cgi-bin/token", {"grant_type": "client_credential", "appid": self.app_id,
                                                       "secret": self.app_secret}, operation="wechat.token")
        if not answer.get("access_token"):
            code = int(answer.get("errcode") or 0)
            raise WeChatDeliveryError(f"token: {code} {answer.get('errmsg', '')}", retryable=code in _RETRYABLE)
        # Expire our copy a little before WeChat does.
        cache.set(_TOKEN_KEY, answer["access_token"], max(60, int(answer.get("expires_in") or 7200) - 300))
        return str(answer["access_token"])

    def send(self, *, openid: str, title: str, body: str, link: str = "") -> str:
        payload = {
            "touser": openid, "template_id": self.template_id, "url": link,
            "data": {"first": {"value": title}, "keyword1": {"value": body[:200]}, "remark": {"value": "宝山社区通"}},
        }
        for attempt in (1, 2):
            answer = self._call("POST", "/cgi-bin/message/template/send",
                                {"access_token": self.access_token(refresh=attempt == 2)}, payload,
                                operation="wechat", reference=_masked_openid(openid))
            code = int(answer.get("errcode") or 0)
            if code == 0:
                return str(answer.get("msgid") or "")
            if code in _TOKEN_ERRORS and attempt == 1:
                continue
            raise WeChatDeliveryError(f"{code} {answer.get('errmsg', '')}", retryable=code in _RETRYABLE)
        raise WeChatDeliveryError("access token refused twice", retryable=True)


class WeChatOAuth:
    """Official-account web authorisation (网页授权, scope snsapi_base): who is this WeChat user?

        GET {open}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code
            &scope=snsapi_base&state=…#wechat_redirect        (the user's browser, inside WeChat)
        → redirect_uri?code=…&state=…
        GET {base}/sns/oauth2/access_token?appid=…&secret=…&code=…&grant_type=authorization_code
        → {"access_token", "expires_in", "refresh_token", "openid", "scope"} | {"errcode": 40029, …}

    Only the openid is kept (to send template messages to); the web access token is discarded.
    """

    def __init__(self, base: str | None = None, *, open_base: str | None = None, app_id: str | None = None,
                 app_secret: str | None = None, timeout: float | None = None) -> None:
        self.channel = WeChatTemplateChannel(base, app_id=app_id, app_secret=app_secret, template_id="",
                                             timeout=timeout)
        self.open_base = (open_base if open_base is not None else settings.WECHAT_OPEN_BASE).rstrip("/")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urllib.parse.urlencode({"appid": self.channel.app_id, "redirect_uri": redirect_uri,
                                        "response_type": "code", "scope": "snsapi_base", "state": state})
        return f"{self.open_base}/connect/oauth2/authorize?{query}#wechat_redirect"

    def openid_for(self, code: str) -> str:
        answer = self.channel._call("GET", "/sns/oauth2/access_token", {
            "appid": self.channel.app_id, "secret": self.channel.app_secret, "code": code,
            "grant_type": "authorization_code"}, operation="wechat.oauth")
        openid = answer.get("openid")
        if not openid or answer.get("errcode"):
            code_ = int(answer.get("errcode") or 0)
            raise WeChatDeliveryError(f"oauth: {code_} {answer.get('errmsg', '')}", retryable=code_ in _RETRYABLE)
        return str(openid)


def _masked_openid(openid: str) -> str:
    return openid[:6] + "…" if openid else ""


def get_channel() -> WeChatChannel:
    channel: WeChatChannel = import_string(settings.WECHAT_BACKEND)()
    return channel

