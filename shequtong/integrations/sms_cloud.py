"""SMS through the providers districts contract (NF-6): Tencent Cloud SMS and Alibaba Cloud SMS.

Both implement integrations.sms.SmsGateway (`send(phone, text) -> message id`) and are
chosen by settings.SMS_BACKEND:

    shequtong.integrations.sms_cloud.TencentSmsGateway   API 3.0 SendSms (version 2021-01-11),
        a JSON POST signed TC3-HMAC-SHA256 (SecretId/SecretKey, SmsSdkAppId, region)
    shequtong.integrations.sms_cloud.AliyunSmsGateway    dysmsapi SendSms (version 2017-05-25),
        an RPC call signed HMAC-SHA1 (signature version 1.0, AccessKey id/secret)

Chinese providers send only registered templates with parameters, never free text.
The platform sends two kinds of text, so the district registers two templates and
names them in settings:

    SMS_TEMPLATE_CODE    您的验证码是{1}，5分钟内有效。如非本人操作，请忽略本短信。
                         (Alibaba: ${code})      ← the verification codes (accounts)
    SMS_TEMPLATE_NOTICE  {1}  (Alibaba: ${content}) ← reminders and notices (notifications)

`template_for(text)` picks the template and its parameters. Rate limits and the
provider being busy or down are `SmsUnavailable` (the outbox retries with backoff);
a bad number, a refused signature or template, or bad credentials are `SmsRejected`.
integrations/sms_simulator.py answers exactly these requests on loopback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from . import exchange
from .errors import SmsRejected, SmsUnavailable

_CODE = re.compile(r"验证码是(\d{4,8})")
_SIGNATURE = re.compile(r"^【[^】]{1,20}】")


def template_for(text: str) -> tuple[str, str]:
    """("code", "123456") for a verification code, else ("notice", the text without its 【signature】)."""
    m = _CODE.search(text)
    if m:
        return "code", m.group(1)
    return "notice", _SIGNATURE.sub("", text).strip()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float, call: exchange.Call) -> dict[str, Any]:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - configured endpoint
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()[:2000]
        call.answer = f"HTTP {exc.code}: {raw[:500].decode('utf-8', 'replace')}"
        if exc.code >= 500 or exc.code in (408, 429):
            raise SmsUnavailable(f"HTTP {exc.code}") from exc
        try:
            parsed: dict[str, Any] = json.loads(raw.decode("utf-8"))
            return parsed  # Alibaba answers some refusals with 4xx and a JSON body
        except (UnicodeDecodeError, ValueError):
            raise SmsRejected(f"HTTP {exc.code}") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise SmsUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
    call.answer = raw
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SmsUnavailable("the provider answered with something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise SmsUnavailable("the provider answered with something that is not an object")
    return answer


# --- Tencent Cloud ------------------------------------------------------------------

TENCENT_VERSION = "2021-01-11"
_TENCENT_RETRY = ("RequestLimitExceeded", "InternalError", "ServiceUnavailable", "LimitExceeded",
                  "FailedOperation.InsufficientBalanceInSmsPackage")


def tc3_signature(secret_key: str, *, date: str, service: str, string_to_sign: str) -> str:
    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_string_to_sign(*, host: str, action: str, payload: bytes, timestamp: int, service: str,
                       content_type: str, sign_action: bool = True) -> tuple[str, str, str]:
    """(date, credential scope, string to sign) of a POST / request, as Tencent Cloud API 3.0 defines them.

    The signed headers are content-type, host and x-tc-action (what the current documentation
    and SDKs sign); `sign_action=False` signs only the first two, as older examples do.
    """
    canonical_headers = f"content-type:{content_type}\nhost:{host}\n"
    signed_headers = "content-type;host"
    if sign_action:
        canonical_headers += f"x-tc-action:{action.lower()}\n"
        signed_headers += ";x-tc-action"
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()])
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    return date, scope, string_to_sign


class TencentSmsGateway:
    service = "sms"
    content_type = "application/json; charset=utf-8"

    def __init__(self, endpoint: str | None = None, *, secret_id: str | None = None, secret_key: str | None = None,
                 sdk_app_id: str | None = None, region: str | None = None, sign_name: str | None = None,
                 templates: dict[str, str] | None = None, timeout: float | None = None) -> None:
        self.endpoint = (endpoint or settings.SMS_TENCENT_ENDPOINT).rstrip("/")
        self.secret_id = secret_id if secret_id is not None else settings.SMS_TENCENT_SECRET_ID
        self.secret_key = secret_key if secret_key is not None else settings.SMS_TENCENT_SECRET_KEY
        self.sdk_app_id = sdk_app_id if sdk_app_id is not None else settings.SMS_TENCENT_SDK_APP_ID
        self.region = region or settings.SMS_TENCENT_REGION
        self.sign_name = sign_name if sign_name is not None else settings.SMS_SIGN_NAME
        self.templates = templates or {"code": settings.SMS_TEMPLATE_CODE, "notice": settings.SMS_TEMPLATE_NOTICE}
        self.timeout = timeout if timeout is not None else settings.SMS_TIMEOUT_SECONDS

    def send(self, phone: str, text: str) -> str:
        kind, param = template_for(text)
        payload = json.dumps({
            "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
            "SmsSdkAppId": self.sdk_app_id, "SignName": self.sign_name,
            "TemplateId": self.templates[kind], "TemplateParamSet": [param],
        }, ensure_ascii=False).encode("utf-8")
        host = urllib.parse.urlsplit(self.endpoint).netloc
        timestamp = int(time.time())
        date, scope, string_to_sign = tc3_string_to_sign(host=host, action="SendSms", payload=payload,
                                                         timestamp=timestamp, service=self.service,
                                                         content_type=self.content_type)
        signature = tc3_signature(self.secret_key, date=date, service=self.service, string_to_sign=string_to_sign)
        headers = {
            "Authorization": f"TC3-HMAC-SHA256 Credential={self.secret_id}/{scope}, "
                             f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}",
            "Content-Type": self.content_type, "Host": host, "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp), "X-TC-Version": TENCENT_VERSION, "X-TC-Region": self.region,
        }
        with exchange.call("sms", exchange.mask_phone(phone)) as call:
            answer = _post(self.endpoint + "/", payload, headers, self.timeout, call).get("Response") or {}
            error = answer.get("Error")
            if error:
                code = str(error.get("Code", ""))
                call.refused = True
                exc_class = SmsUnavailable if code.startswith(_TENCENT_RETRY) else SmsRejected
                raise exc_class(f"{code}: {error.get('Message', '')}")
            statuses = answer.get("SendStatusSet") or [{}]
            status = statuses[0]
            code = str(status.get("Code", ""))
            if code != "Ok":
                call.refused = True
                exc_class = SmsUnavailable if code.startswith(_TENCENT_RETRY) else SmsRejected
                raise exc_class(f"{code}: {status.get('Message', '')}")
        return str(status.get("SerialNo") or answer.get("RequestId") or "")


# --- Alibaba Cloud ------------------------------------------------------------------

ALIYUN_VERSION = "2017-05-25"
_ALIYUN_RETRY = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "isp.SYSTEM_ERROR", "ServiceUnavailable",
                 "InternalError", "isv.DAY_LIMIT_CONTROL")


def percent_encode(value: str) -> str:
    """RFC 3986 as Alibaba Cloud's RPC signature wants it: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return urllib.parse.quote(value, safe="-_.~")


def rpc_string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsGateway:
    def __init__(self, endpoint: str | None = None, *, access_key_id: str | None = None,
                 access_key_secret: str | None = None, sign_name: str | None = None,
                 templates: dict[str, str] | None = None, timeout: float | None = None) -> None:
        self.endpoint = (endpoint or settings.SMS_ALIYUN_ENDPOINT).rstrip("/")
        self.access_key_id = access_key_id if access_key_id is not None else settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = (access_key_secret if access_key_secret is not None
                                  else settings.SMS_ALIYUN_ACCESS_KEY_SECRET)
        self.sign_name = sign_name if sign_name is not None else settings.SMS_SIGN_NAME
        self.templates = templates or {"code": settings.SMS_TEMPLATE_CODE, "notice": settings.SMS_TEMPLATE_NOTICE}
        self.timeout = timeout if timeout is not None else settings.SMS_TIMEOUT_SECONDS

    def send(self, phone: str, text: str) -> str:
        kind, param = template_for(text)
        params = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON", "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": ALIYUN_VERSION,
            "PhoneNumbers": phone.removeprefix("+86"), "SignName": self.sign_name,
            "TemplateCode": self.templates[kind],
            "TemplateParam": json.dumps({"code" if kind == "code" else "content": param}, ensure_ascii=False),
        }
        params["Signature"] = rpc_signature(self.access_key_secret, rpc_string_to_sign("POST", params))
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        with exchange.call("sms", exchange.mask_phone(phone)) as call:
            answer = _post(self.endpoint + "/", body, {"Content-Type": "application/x-www-form-urlencoded"},
                           self.timeout, call)
            code = str(answer.get("Code", ""))
            if code != "OK":
                call.refused = True
                exc_class = SmsUnavailable if code.startswith(_ALIYUN_RETRY) else SmsRejected
                raise exc_class(f"{code}: {answer.get('Message', '')}")
        return str(answer.get("BizId") or answer.get("RequestId") or "")
