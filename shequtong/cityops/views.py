"""城运中心对接 pages: the 治慧中心 wall (three linked 1920×1080 screens) and the feed tokens.

The wall is for observers: a district observer sees the 区城运中心版 (every subdistrict), a
subdistrict observer the 街镇城运中心版 (their subdistrict, with its communities). The screens
read `wall/data` (the same cached feeds as the API, in the viewer's scope) every
CITYOPS_WALL_REFRESH_SECONDS. With Redis and under ASGI they also listen to `wall/stream`
(Server-Sent Events relayed from Redis pub/sub, chats.live.relay: "new figures", published by the
worker when a precomputed feed changed), so news shows at once; the stream holds no thread, closes
after a minute and EventSource reopens it, also after a restart. Otherwise (WSGI, no Redis) there is
no stream, as for chats and 宝山圈: a sync stream would hold a server thread per open screen.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequtong.accounts.typing import AuthedRequest
from shequtong.chats import live
from shequtong.common import access
from shequtong.common.perform import perform
from shequtong.places.models import Subdistrict

from . import selectors, services
from .api import computed
from .models import FeedToken

SCREENS = {"left": "左屏", "centre": "中屏", "right": "右屏"}


def _wall_subdistrict(request: AuthedRequest) -> Subdistrict | None:
    """None for the district version; the observer's subdistrict for the subdistrict version."""
    return selectors.wall_subdistrict(request.user, request.GET.get("own", ""))


@access.capability("observe")
def wall(request: AuthedRequest, screen: str = "centre") -> HttpResponse:
    if screen not in SCREENS:
        raise Http404
    sub = _wall_subdistrict(request)
    return render(request, "cityops/wall.html", {
        "screen": screen, "screen_label": SCREENS[screen], "screens": SCREENS, "subdistrict": sub,
        "version_label": f"{sub.name}城运中心版" if sub else "区城运中心版",
        "refresh_seconds": settings.CITYOPS_WALL_REFRESH_SECONDS,
        "stream_url": reverse("cityops:wall_stream") if wall_streams(request) else "",
        "stale_seconds": settings.CITYOPS_WALL_STALE_SECONDS or 2 * settings.CITYOPS_WALL_REFRESH_SECONDS + 60,
    })


def _focus(request: AuthedRequest, sub: Subdistrict | None) -> int | None:
    raw = request.GET.get("subdistrict", "")
    if sub is not None:
        return sub.pk
    if raw.isdigit() and Subdistrict.objects.filter(pk=int(raw)).exists():
        return int(raw)
    return None


def wall_payload(request: AuthedRequest, days: int = 30) -> tuple[dict[str, Any], str]:
    sub = _wall_subdistrict(request)
    focus = _focus(request, sub)
    parts: dict[str, Any] = {}
    tags = []
    for name in ("letters", "cases", "overview", "epidemic"):
        body, etag = computed(name, days, focus)
        parts[name] = json.loads(body)
        tags.append(etag)
    parts["map"] = selectors.subdistrict_tiles(sub)
    parts["communities"] = selectors.community_rows(sub.pk) if sub is not None else []
    parts["focus"] = focus
    tag = hashlib.sha256(("|".join(tags) + json.dumps(parts["map"], sort_keys=True)).encode()).hexdigest()[:24]
    return parts, tag


@access.capability("observe")
def wall_data(request: AuthedRequest) -> JsonResponse:
    data, tag = wall_payload(request)
    response = JsonResponse({**data, "tag": tag}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def wall_streams(request: HttpRequest) -> bool:
    """Offer Server-Sent Events only with Redis and an ASGI process for the stream: chats' rule."""
    return live.offered(request)


@access.capability("observe")
async def wall_stream(request: HttpRequest) -> StreamingHttpResponse:
    """SSE (Redis, ASGI): a `message` event whenever the worker's precomputed figures changed ("fetch now")."""
    if not live.served(request):
        raise Http404
    response = StreamingHttpResponse(live.relay([services.FIGURES_CHANNEL], seconds=live.STREAM_SECONDS,
                                                data=lambda raw: "1"), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- feed tokens (系统管理员) ------------------------------------------------------------------

@access.capability("sysadmin")
def tokens(request: AuthedRequest) -> HttpResponse:
    created = request.session.pop("cityops_new_token", None)
    return render(request, "cityops/tokens.html", {
        "tokens": FeedToken.objects.select_related("subdistrict", "created_by").order_by("-created_at", "-id")[:200],
        "subdistricts": Subdistrict.objects.order_by("id"), "created": created,
        "max_days": services.MAX_TOKEN_DAYS,
    })


@access.capability("sysadmin")
@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    raw_days, raw_sub = request.POST.get("days", ""), request.POST.get("subdistrict", "")
    done = perform(request, lambda: services.issue_token(
        actor=request.user, name=request.POST.get("name", ""), days=int(raw_days) if raw_days.isdigit() else 0,
        subdistrict_id=int(raw_sub) if raw_sub.isdigit() else None, allowed_ips=request.POST.get("allowed_ips", ""),
        request=request), once="cityops.issue_token")
    if done.value is not None:
        token, key = done.value if isinstance(done.value, tuple) else (done.value, "")
        # The clear token is shown once, on the next page, and never stored.
        request.session["cityops_new_token"] = {"name": token.name, "key": key}
        messages.success(request, "令牌已创建，请立即复制保存，离开本页后将无法再次查看")
    return redirect("cityops:tokens")


@access.capability("sysadmin")
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    perform(request, lambda: services.revoke_token(actor=request.user, token_id=token_id, request=request),
            success="令牌已吊销", once="cityops.revoke_token")
    return redirect("cityops:tokens")
