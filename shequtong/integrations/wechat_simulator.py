"""A stand-in for the WeChat official-account API on loopback (web authorisation and template messages).

The same requests and answers as WeChat's documented HTTP API (integrations/wechat.py):

    GET  /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state
         → 302 redirect_uri?code=…&state=…  (the person consents as `next_openid`)
    GET  /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
         → {"access_token", "expires_in": 7200, "refresh_token", "openid", "scope"}
           | {"errcode": 40029, "errmsg": "invalid code"} | 40163 code been used | 40125 invalid appsecret
    GET  /cgi-bin/token?grant_type=client_credential&appid&secret → {"access_token", "expires_in"} | 40125
    POST /cgi-bin/message/template/send?access_token → {"errcode": 0, "errmsg": "ok", "msgid"}
           | 40001 invalid credential (unknown or expired token) | 40037 invalid template_id
           | 43004 require subscribe (the person unfollowed) | 45009 reach max api daily quota limit

`expire_tokens()` makes every access token invalid (WeChat's 40001); `quota` limits template
messages per run (45009 beyond it); `unfollowed` lists openids that left the account.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class WeChatSimulator:
    app_id: str = "wx_simulator"
    app_secret: str = "simulator-app-secret"  # noqa: S105 - the simulator's own, published
    template_ids: set[str] = field(default_factory=lambda: {"TPL_REMINDER"})
    next_openid: str = "oSimulatorOpenid0000000000001"
    unfollowed: set[str] = field(default_factory=set)
    quota: int | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)
    _codes: dict[str, str] = field(default_factory=dict)
    _used_codes: set[str] = field(default_factory=set)
    _tokens: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(2_000_000_001))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    url: str = ""

    def start(self, port: int = 0) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: dict[str, Any] | None, location: str = "") -> None:
                raw = json.dumps(payload or {}, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._answer(*simulator.handle("GET", self.path, b""))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(*simulator.handle("POST", self.path, body))

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any] | None, str]:
        parts = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(parts.query))
        if method == "GET" and parts.path == "/connect/oauth2/authorize":
            if q.get("appid") != self.app_id or q.get("response_type") != "code" or \
                    q.get("scope") not in {"snsapi_base", "snsapi_userinfo"} or not q.get("redirect_uri"):
                return 400, {"errcode": 10003, "errmsg": "redirect_uri or appid invalid"}, ""
            code = secrets.token_hex(16)
            with self._lock:
                self._codes[code] = self.next_openid
            sep = "&" if "?" in q["redirect_uri"] else "?"
            return 302, None, q["redirect_uri"] + sep + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        if method == "GET" and parts.path == "/sns/oauth2/access_token":
            if q.get("appid") != self.app_id or q.get("secret") != self.app_secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}, ""
            code = q.get("code", "")
            with self._lock:
                if code in self._used_codes:
                    return 200, {"errcode": 40163, "errmsg": "code been used"}, ""
                openid = self._codes.pop(code, None)
                if openid is None:
                    return 200, {"errcode": 40029, "errmsg": "invalid code"}, ""
                self._used_codes.add(code)
            return 200, {"access_token": secrets.token_hex(16), "expires_in": 7200,
                         "refresh_token": secrets.token_hex(16), "openid": openid, "scope": "snsapi_base"}, ""
        if method == "GET" and parts.path == "/cgi-bin/token":
            if q.get("appid") != self.app_id or q.get("secret") != self.app_secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}, ""
            token = secrets.token_hex(20)
            with self._lock:
                self._tokens.add(token)
            return 200, {"access_token": token, "expires_in": 7200}, ""
        if method == "POST" and parts.path == "/cgi-bin/message/template/send":
            with self._lock:
                if q.get("access_token") not in self._tokens:
                    return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}, ""
            try:
                msg = json.loads(body.decode("utf-8"))
            except ValueError:
                return 200, {"errcode": 47001, "errmsg": "data format error"}, ""
            if msg.get("template_id") not in self.template_ids:
                return 200, {"errcode": 40037, "errmsg": "invalid template_id"}, ""
            if msg.get("touser") in self.unfollowed:
                return 200, {"errcode": 43004, "errmsg": "require subscribe"}, ""
            with self._lock:
                if self.quota is not None and len(self.sent) >= self.quota:
                    return 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}, ""
                msgid = next(self._ids)
                self.sent.append({"touser": msg.get("touser"), "data": msg.get("data"), "url": msg.get("url"),
                                  "msgid": msgid})
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}, ""
        return 404, {"errcode": 404, "errmsg": "not found"}, ""
