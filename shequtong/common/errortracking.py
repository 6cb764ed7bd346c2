"""Error reporting through Sentry (or a self-hosted GlitchTip/Sentry) when SENTRY_DSN is set.

sentry-sdk is an optional dependency (`pip install -e ".[sentry]"`): without a DSN
nothing is imported and nothing leaves the machine. Events carry the request id
(tag `request_id`, the same as the JSON log lines and the X-Request-ID header),
never personal data: `data_collection` turns off user identity (no cookies, user names or
addresses), request bodies, query strings, SQL parameters and local
variables are not sent, and `scrub` masks ID numbers and
phone numbers in messages, exception values and breadcrumbs before an event
is sent.
"""

from __future__ import annotations

from typing import Any

from .logs import current_request_id
from .masking import mask_text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry `before_send`: the request id as a tag; ID numbers and phones masked; no bodies or cookies."""
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items()
                                  if k.lower() not in {"cookie", "authorization", "x-csrftoken"}}
    for key in ("message", "logentry", "exception", "breadcrumbs", "extra"):
        if key in event:
            event[key] = _scrub(event[key])
    return event


def init(dsn: str, *, environment: str = "production", release: str = "", traces_sample_rate: float = 0.0,
         transport: Any = None) -> bool:
    """Start reporting to `dsn`; False (and nothing done) when the DSN is empty."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {
        "dsn": dsn, "environment": environment,
        # What integrations collect: no user identity, cookies, bodies, query strings (a search box may
        # hold a name or a phone), SQL parameters or local variables (they hold decrypted values).
        "data_collection": {"user_info": False, "cookies": {"mode": "off"}, "http_bodies": [],
                            "url_query_params": {"mode": "off"}, "database_query_data": False,
                            "stack_frame_variables": False},
        "traces_sample_rate": traces_sample_rate, "before_send": scrub,
        "integrations": [DjangoIntegration()], "default_integrations": True,
    }
    if release:
        options["release"] = release
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
    return True
