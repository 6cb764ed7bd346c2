"""Readiness and metrics endpoints (the liveness probe is web:healthz)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from shequtong.common import access
from shequtong.common.clientip import client_ip

from . import health, metrics


@access.public
def readyz(request: HttpRequest) -> HttpResponse:
    checks = health.run_checks()
    ready = all(c.ok for c in checks)
    response = JsonResponse({"ready": ready, "checks": {c.name: {"ok": c.ok, "detail": c.detail, "ms": c.ms}
                                                        for c in checks}}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


def metrics_allowed(request: HttpRequest) -> bool:
    """The bearer token METRICS_TOKEN, or a client address inside METRICS_ALLOWED_NETWORKS.

    The address is the real client's (common/clientip.py): a request relayed by our nginx
    carries the outside caller's address, never the proxy's loopback one.
    """
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)


# Public in the access-rule sense (Prometheus has no account); the view itself checks the caller.
@access.public
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    response = HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
