"""关注/收藏 buttons (HTMX toggles with a plain-form fallback) and the lists 我的关注, 我的收藏 (OB-7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.roles import Version
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.pagination import paginate
from shequtong.common.perform import perform

from . import kinds, selectors, services

LABELS = {"follow": ("关注", "已关注"), "favourite": ("收藏", "已收藏")}


def button(request: Any, verb: str, target_type: str, target_id: int, *, on: bool | None = None) -> dict[str, Any]:
    """The context of one toggle (follows/button.jinja): where it posts and what it says now."""
    if on is None:
        on = (selectors.is_following if verb == "follow" else selectors.is_favourite)(request.user, target_type, target_id)
    off_label, on_label = LABELS[verb]
    return {
        "verb": verb, "target_type": target_type, "on": on, "label": on_label if on else off_label,
        "url": reverse(f"follows:{verb}_{target_type}", args=[target_id]),
        "next": request.get_full_path() if request.method == "GET" else request.POST.get("next", ""),
    }


def buttons(request: Any, target_type: str, target_id: int, board: str = "") -> list[dict[str, Any]]:
    """The toggles of a detail page's bar (follows/buttons.jinja): two small questions, asked once per page.

    ``{% follow_buttons "case" case.pk %}`` in a Django page (templatetags/follows_tags.py), the
    Jinja2 global ``follow_buttons(request, "post", post.pk, post.board)`` in a Jinja2 one (apps.py).
    """
    if request is None or not request.user.is_authenticated:
        return []
    follow_as = kinds.follow_kind(target_type, board)
    out = []
    if follow_as is not None:
        out.append(button(request, "follow", follow_as, target_id))
    if target_type in kinds.FAVOURITABLE:
        out.append(button(request, "favourite", target_type, target_id))
    return out


def _toggle(request: AuthedRequest, verb: str, target_type: str, target_id: int) -> HttpResponse:
    """POST on=1 (the default) follows/favourites, on=0 undoes; either is idempotent. HTMX gets the new button."""
    on = request.POST.get("on", "1") != "0"
    actions: dict[tuple[str, bool], Callable[..., Any]] = {
        ("follow", True): services.follow, ("follow", False): services.unfollow,
        ("favourite", True): services.favourite, ("favourite", False): services.unfavourite,
    }
    run = actions[(verb, on)]
    htmx = request.headers.get("HX-Request") == "true"
    off_label, on_label = LABELS[verb]
    done = perform(request, lambda: run(actor=request.user, target_type=target_type, target_id=target_id),
                   once=f"follows.{verb if on else 'un' + verb}",
                   success="" if htmx else (f"已{off_label}" if on else f"已取消{off_label}"))
    if htmx:
        state = on if done else not on
        return render(request, "follows/_button.html", {"b": button(request, verb, target_type, target_id, on=state),
                                                          "error": done.error.message if done.error else ""})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("follows:following" if verb == "follow" else "follows:favourites")


@access.login
@require_POST
def follow_case(request: AuthedRequest, case_id: int) -> HttpResponse:
    return _toggle(request, "follow", "case", case_id)


@access.login
@require_POST
def follow_letter(request: AuthedRequest, letter_id: int) -> HttpResponse:
    return _toggle(request, "follow", "letter", letter_id)


@access.login
@require_POST
def follow_topic(request: AuthedRequest, topic_id: int) -> HttpResponse:
    return _toggle(request, "follow", "topic", topic_id)


@access.login
@require_POST
def favourite_post(request: AuthedRequest, post_id: int) -> HttpResponse:
    return _toggle(request, "favourite", "post", post_id)


@access.login
@require_POST
def favourite_case(request: AuthedRequest, case_id: int) -> HttpResponse:
    return _toggle(request, "favourite", "case", case_id)


@access.login
@require_POST
def favourite_letter(request: AuthedRequest, letter_id: int) -> HttpResponse:
    return _toggle(request, "favourite", "letter", letter_id)


def _me_url(request: AuthedRequest) -> str:
    """Back to the 我的 this person's tab bar opens: the observers' own, or the common one."""
    if scope.current_version(request.user) == Version.OBSERVER and scope.has_capability(request.user, "observe"):
        return reverse("observe:me")
    return reverse("accounts:me")


@access.login
def following(request: AuthedRequest) -> HttpResponse:
    """我的关注: items with new steps first; what the person may no longer view is left out."""
    return render(request, "follows/list.html", {
        "heading": "我的关注", "me_url": _me_url(request), "page_obj": paginate(request, selectors.following(request.user)), "verb": "follow",
        "empty": "还没有关注。在问题、来信或议事厅议题的详情页点“关注”，有新进展时会通知到您的信箱。",
    })


@access.login
def favourites(request: AuthedRequest) -> HttpResponse:
    """我的收藏: newest first; what the person may no longer view is left out."""
    return render(request, "follows/list.html", {
        "heading": "我的收藏", "me_url": _me_url(request), "page_obj": paginate(request, selectors.favourites(request.user)), "verb": "favourite",
        "empty": "还没有收藏。在主题、问题或来信的详情页点“收藏”，以后在这里快速找到。",
    })
