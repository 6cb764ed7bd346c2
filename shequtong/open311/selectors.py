"""The cases our Open311 server publishes (public, read-only): reviewed cases from public posts.

What is public in the app decides what is public here (issue 12 item 1):

- **Published**: a case recorded from a post or a reply on a community
  board — a 身边事 post with a problem tag (source ``tag``), an @居委 press
  beside a board post or reply (``mention``), the same by patrol staff
  (``patrol_*``) — whose source is in settings.OPEN311_PUBLISHED_SOURCES,
  which has a problem category, which the committee has **reviewed**
  (accepted it: any status past 待受理), and whose post or reply is still
  visible on the board (hiding it takes the case off the feed).
- **Never published**, whatever the setting says: letters (人民信箱) and
  面对面 visits, which are private in the app (a resident gets 404 on
  another's letter), and cases from a group-chat message (a 小区群 is a
  private conversation among neighbours). These have no board origin, and
  published_sources() drops letter and visit besides; the system check
  open311.E001 refuses a setting that names them.

Who raised a case is never published (georeport.request_of); its text is
masked (common.masking.mask_text) and cleaned of control characters.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from shequtong.boards.models import Mention, Post, Visibility
from shequtong.cases.models import OPEN_STATUSES, Case, Source, Status
from shequtong.cases.services import mention_origin

# Private in the app: never published, whatever OPEN311_PUBLISHED_SOURCES says.
PRIVATE_SOURCES = frozenset({Source.LETTER, Source.VISIT, Source.EPIDEMIC_HELP})
# Origins that are a post or a reply on a community board.
POST_ORIGIN = "post"
BOARD_MENTION_ORIGINS = (mention_origin(Mention.Source.POST), mention_origin(Mention.Source.REPLY))


def published_sources() -> list[str]:
    return [s for s in getattr(settings, "OPEN311_PUBLISHED_SOURCES", ())
            if s in Source.values and s not in PRIVATE_SOURCES]


def _from_a_visible_board_item() -> Q:
    visible_post = Post.objects.filter(pk=OuterRef("origin_id"), visibility=Visibility.VISIBLE)
    visible_mention = Mention.objects.filter(pk=OuterRef("origin_id"), post__visibility=Visibility.VISIBLE).filter(
        Q(reply__isnull=True) | Q(reply__visibility=Visibility.VISIBLE))
    return (Q(Exists(visible_post), origin_type=POST_ORIGIN)
            | Q(Exists(visible_mention), origin_type__in=BOARD_MENTION_ORIGINS))


def _published() -> QuerySet[Case]:
    # A case from an @ mention has no category until the committee sets one: it is not
    # a service request of any type yet. A case still 待受理 has not been reviewed.
    return (
        Case.objects.exclude(category="")
        .exclude(status=Status.NEW)
        .filter(source__in=published_sources())
        .filter(_from_a_visible_board_item())
        .select_related("community__subdistrict")
    )


def public_cases(*, start: dt.datetime | None = None, end: dt.datetime | None = None, status: str = "",
                 service_codes: list[str] | None = None) -> QuerySet[Case]:
    qs = _published().order_by("-created_at", "-id")
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if service_codes:
        qs = qs.filter(category__in=service_codes)
    return qs


def public_case(request_id: str) -> Case | None:
    if not request_id.isdigit():
        return None
    return _published().filter(pk=int(request_id)).first()
