"""``{% follow_buttons "case" case.pk %}``: the 关注/收藏 toggles of a detail page; ``{% my_follows %}``: 我的's cards.

Detail pages of cases, letters and posts load this library, so their views need no change;
the tag asks two small questions (is it followed, is it favourited) once per page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from shequtong.common.templatetags.fragments import fragment
from shequtong.follows import selectors, views

register = template.Library()


# The bar's one copy is follows/buttons.jinja, rendered in place with the request (its csrf_input), not
# through render_to_string with the request, which ran every context processor (the shell's versions,
# tabs and counts) once more.
@register.simple_tag(takes_context=True)
def follow_buttons(context: template.Context, target_type: str, target_id: int, board: str = "") -> SafeString:
    buttons = views.buttons(context.get("request"), target_type, target_id, board)
    return fragment(context, "follows/buttons.jinja", buttons=buttons)


@register.simple_tag(takes_context=True)
def my_follows(context: template.Context, n: int = 5) -> SafeString:
    """我的关注 (new steps first) and 我的收藏, the first ``n`` of each, for a 我的 page."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return mark_safe("")  # noqa: S308 - empty
    followed = selectors.following(request.user)
    faved = selectors.favourites(request.user)
    ctx: dict[str, Any] = {"followed": followed[:n], "followed_more": len(followed) > n, "followed_total": len(followed),
                           "faved": faved[:n], "faved_more": len(faved) > n, "faved_total": len(faved)}
    return mark_safe(render_to_string("follows/_me_cards.html", ctx, request=request))  # noqa: S308
