"""The Content-Security-Policy header, built once per process (issue 11: fixed cost per request).

django-csp's middleware rebuilds the header from the settings on every response (its
`build_policy` sorts and joins every directive, ~40 µs, and does it again for the report-only
header). Our policy is the same for every page: no view sets a nonce or a per-view policy
(`@csp_update`, `@csp_replace`, `@csp`). So while a response asks for nothing of its own the
header is the one computed at the first response, and anything else (a nonce used by a
template, a decorated view, an exempt view) goes to django-csp's own code unchanged.
"""

from __future__ import annotations

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What a view or decorator can set on a response to change its policy (django-csp 4).
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
               "_csp_replace_ro", "_csp_exempt", "_csp_exempt_ro")


@cache
def _settings_policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The header from the settings alone, and the path prefixes it is not sent on."""
    name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
    prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
    return build_policy(report_only=report_only), prefixes


def forget_settings_policy() -> None:
    """For tests that change the CSP settings (the setting_changed receiver in apps.py)."""
    _settings_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _OWN_POLICY):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):  # django-csp leaves Django's debug pages alone
            return response
        for report_only, header in ((False, HEADER), (True, HEADER_REPORT_ONLY)):
            policy, excluded = _settings_policy(report_only)
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = self._csp_nonce_post_response_lazy()  # type: ignore[attr-defined]
        return response

    def _csp_nonce_post_response_lazy(self) -> object:
        from csp.middleware import CheckableLazyObject

        return CheckableLazyObject(self._csp_nonce_post_response)
