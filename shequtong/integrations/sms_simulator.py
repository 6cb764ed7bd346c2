"""A stand-in for Tencent Cloud SMS and Alibaba Cloud SMS on loopback (the grid simulator's sibling).

It answers the same requests as the providers' documented APIs (integrations/sms_cloud.py):

- Tencent Cloud API 3.0 `SendSms` (POST /, JSON, headers X-TC-*): checks the TC3-HMAC-SHA256
  signature against its own computation, the SecretId, the timestamp (±300 s), the
  SmsSdkAppId, the sign name and the template; answers {"Response": {"SendStatusSet": [...],
  "RequestId"}} or {"Response": {"Error": {"Code", "Message"}, "RequestId"}} with Tencent's codes.
- Alibaba Cloud dysmsapi `SendSms` (RPC, form or query parameters): checks the HMAC-SHA1
  signature, the AccessKeyId, that the SignatureNonce is new, the sign name and template;
  answers {"Code": "OK", "BizId", "RequestId", "Message"} or Alibaba's error codes
  (SignatureDoesNotMatch and InvalidAccessKeyId.NotFound with HTTP 400/404).

Both enforce a per-number hourly limit (Tencent LimitExceeded.PhoneNumberOneHourLimit,
Alibaba isv.BUSINESS_LIMIT_CONTROL), refuse malformed mainland numbers, and can be
taken down (`down = True`: HTTP 503) to exercise retries. What was delivered is kept
in `sent`. Tests start it in a thread on a free port.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import time as _now  # its own clock: a client with a wrong clock is refused
from typing import Any

from . import sms_cloud

_MOBILE = re.compile(r"^(\+86)?1[3-9]\d{9}$")


@dataclass
class SmsSimulator:
    tencent_keys: dict[str, str] = field(default_factory=lambda: {"AKIDsimulator": "simulator-secret-key"})
    tencent_app_id: str = "1400000000"
    aliyun_keys: dict[str, str] = field(default_factory=lambda: {"LTAIsimulator": "simulator-access-secret"})
    sign_names: set[str] = field(default_factory=lambda: {"宝山社区通"})
    templates: set[str] = field(default_factory=lambda: {"1001", "1002", "SMS_1001", "SMS_1002"})
    per_phone_hour: int = 5
    down: bool = False
    sent: list[dict[str, Any]] = field(default_factory=list)
    _counts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _nonces: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- serving ---
    def start(self, port: int = 0) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = simulator.handle(dict(self.headers.items()), body, self.path)
                raw = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- the two APIs ---
    def handle(self, headers: dict[str, str], body: bytes, path: str) -> tuple[int, dict[str, Any]]:
        if self.down:
            return 503, {"message": "Service Unavailable"}
        lowered = {k.lower(): v for k, v in headers.items()}
        if "x-tc-action" in lowered:
            return self._tencent(lowered, body)
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        params.update(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True)))
        return self._aliyun(params)

    def _limited(self, phone: str) -> bool:
        now = _now()
        with self._lock:
            recent = [t for t in self._counts[phone] if now - t < 3600]
            self._counts[phone] = recent
            if len(recent) >= self.per_phone_hour:
                return True
            recent.append(now)
        return False

    def _tencent(self, h: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4())

        def error(code: str, message: str) -> tuple[int, dict[str, Any]]:
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}

        if h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != sms_cloud.TENCENT_VERSION:
            return error("InvalidAction", "The action or version is not supported")
        m = re.match(r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
                     r"SignedHeaders=([\w;-]+), Signature=([0-9a-f]{64})$", h.get("authorization", ""))
        if not m:
            return error("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        secret_id, date, service, signed, signature = m.groups()
        if secret_id not in self.tencent_keys:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        try:
            timestamp = int(h.get("x-tc-timestamp", ""))
        except ValueError:
            return error("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing")
        if abs(_now() - timestamp) > 300:
            return error("AuthFailure.SignatureExpire", "The signature expired")
        date2, _scope, string_to_sign = sms_cloud.tc3_string_to_sign(
            host=h.get("host", ""), action="SendSms", payload=body, timestamp=timestamp, service=service,
            content_type=h.get("content-type", ""))
        expected = sms_cloud.tc3_signature(self.tencent_keys[secret_id], date=date2, service=service,
                                           string_to_sign=string_to_sign)
        if signed != "content-type;host;x-tc-action" or date != date2 or signature != expected:
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated")
        try:
            req = json.loads(body.decode("utf-8"))
        except ValueError:
            return error("InvalidParameter", "The body is not JSON")
        if req.get("SmsSdkAppId") != self.tencent_app_id:
            return error("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed")
        if req.get("SignName") not in self.sign_names:
            return error("FailedOperation.SignatureIncorrectOrUnapproved", "Signature is not approved")
        if req.get("TemplateId") not in self.templates:
            return error("FailedOperation.TemplateIncorrectOrUnapproved", "Template is not approved")
        statuses = []
        for phone in req.get("PhoneNumberSet") or []:
            if not _MOBILE.match(phone):
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                                 "Message": "incorrect phone number", "IsoCode": ""})
            elif self._limited(phone):
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": "LimitExceeded.PhoneNumberOneHourLimit",
                                 "Message": "the number of SMS messages sent from a single mobile number within 1 hour exceeds the upper limit",
                                 "IsoCode": "CN"})
            else:
                serial = f"2645:{next(self._ids):012d}"
                self.sent.append({"provider": "tencent", "phone": phone, "template": req["TemplateId"],
                                  "params": req.get("TemplateParamSet") or [], "id": serial})
                statuses.append({"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
                                 "Code": "Ok", "Message": "send success", "IsoCode": "CN"})
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}

    def _aliyun(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4()).upper()

        def error(code: str, message: str, status: int = 200) -> tuple[int, dict[str, Any]]:
            return status, {"Code": code, "Message": message, "RequestId": request_id}

        if p.get("Action") != "SendSms" or p.get("Version") != sms_cloud.ALIYUN_VERSION:
            return error("InvalidAction.NotFound", "Specified api is not found", 404)
        secret = self.aliyun_keys.get(p.get("AccessKeyId", ""))
        if secret is None:
            return error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        given = p.pop("Signature", "")
        expected = sms_cloud.rpc_signature(secret, sms_cloud.rpc_string_to_sign("POST", p))
        if given != expected or p.get("SignatureMethod") != "HMAC-SHA1" or p.get("SignatureVersion") != "1.0":
            return error("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
        nonce = p.get("SignatureNonce", "")
        with self._lock:
            if not nonce or nonce in self._nonces:
                return error("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
            self._nonces.add(nonce)
        if p.get("SignName") not in self.sign_names:
            return error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if p.get("TemplateCode") not in self.templates:
            return error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(p.get("TemplateParam") or "{}")
        except ValueError:
            return error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        phone = p.get("PhoneNumbers", "")
        if not _MOBILE.match(phone):
            return error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self._limited(phone):
            return error("isv.BUSINESS_LIMIT_CONTROL", f"触发小时级流控Permits:{self.per_phone_hour}")
        biz_id = f"{next(self._ids):06d}^0"
        self.sent.append({"provider": "aliyun", "phone": phone, "template": p["TemplateCode"], "params": params,
                          "id": biz_id})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
