"""``{% follow_buttons "case" case.pk %}``: the 关注/收藏 toggles of a detail page; ``{% my_follows %}``: 我的's cards.

Detail pages of cases, letters and posts load this library, so their views need no change;
the tag asks two small questions (is it followed, is it favourited) once per page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from shequtong.follows import kinds, selectors
from shequtong.follows.views import button

register = template.Library()

# Posts are followed as 议事厅 topics; any post may be favourited.
_FOLLOW_AS = {"case": "case", "letter": "letter"}


# An inclusion tag: drawn in the page's own context (its csrf_token), not through render_to_string with
# the request, which ran every context processor (the shell's versions, tabs and counts) once more.
@register.inclusion_tag("follows/_buttons.html", takes_context=True)
def follow_buttons(context: template.Context, target_type: str, target_id: int, board: str = "") -> dict[str, Any]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"buttons": []}
    follow_as = "topic" if target_type == "post" and board == "council" else _FOLLOW_AS.get(target_type)
    buttons = []
    if follow_as in kinds.FOLLOWABLE:
        buttons.append(button(request, "follow", follow_as, target_id))
    if target_type in kinds.FAVOURITABLE:
        buttons.append(button(request, "favourite", target_type, target_id))
    return {"buttons": buttons}


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
