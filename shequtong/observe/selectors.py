"""全局信息穿透 (OB-5): one search over posts, cases (with 人民信箱 letters) and 面对面 records.

What an observer finds is what they may open, in their scope only:
- posts of the boards in their "observe" scope, never hidden ones;
- cases in their "patrol" scope (the case pages' rule), and 人民信箱 letters
  in their "observe" scope (the letter page's rule); a letter is a case with
  its own Letter row, searched once through the case that carries its text;
- approved and archived 面对面 records in their "observe" scope.
Group chats and private 信箱 messages are never searched.

Each kind is one query ordered newest first on its own and cut at the end of
the requested page (LIMIT page × size + 1); the kinds are merged in Python.
No total is counted: with a common keyword over a million posts a COUNT
would cost more than the page, so the pager offers 上一页/下一页 up to
`MAX_PAGES` pages. The keyword uses the full-text index (common/fulltext.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.accounts import audit, scope
from shequtong.accounts.models import AuditEvent, Membership, User
from shequtong.boards import catalogue
from shequtong.boards.models import Post, Visibility
from shequtong.cases.models import Case, Source
from shequtong.common import chinese, clock, fulltext, masking
from shequtong.common.counting import count_rows
from shequtong.places.models import Community, CommunityStats
from shequtong.visits.models import PUBLISHED_STATUSES, Visit

PER_PAGE = 20
MAX_PAGES = 50
EXCERPT_CHARS = 80


class Kind(models.TextChoices):
    """The 类型 filter; 问题 includes the cases that came from 人民信箱."""

    POST = "post", _("帖子")
    CASE = "case", _("问题")
    LETTER = "letter", _("人民信箱")
    VISIT = "visit", _("面对面")


# Ties on the same second keep one stable order.
_KIND_RANK: dict[str, int] = {Kind.POST.value: 3, Kind.CASE.value: 2, Kind.LETTER.value: 2, Kind.VISIT.value: 1}


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    kind: str = ""
    board: str = ""  # posts only
    status: str = ""  # cases (and letters) only: a cases.Status value
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    subdistrict_id: int | None = None
    community_id: int | None = None

    @property
    def terms(self) -> list[str]:
        return chinese.query_terms(self.q)

    def kinds(self) -> list[str]:
        """The kinds this search looks at: a board narrows to posts, a status to cases."""
        kinds: list[str] = [self.kind] if self.kind else [Kind.POST.value, Kind.CASE.value, Kind.VISIT.value]
        if self.board:
            kinds = [k for k in kinds if k == Kind.POST]
        if self.status:
            kinds = [k for k in kinds if k in (Kind.CASE, Kind.LETTER)]
        return kinds


@dataclass
class Hit:
    kind: str
    kind_label: str
    pk: int
    title: str
    excerpt: str
    url: str
    created_at: dt.datetime
    community_id: int
    status: str = ""
    status_label: str = ""
    board: str = ""
    board_label: str = ""
    community_name: str = ""
    subdistrict_name: str = ""


@dataclass
class ResultPage:
    hits: list[Hit]
    number: int
    has_next: bool
    terms: list[str] = field(default_factory=list)
    # The page asked for lay beyond MAX_PAGES (only the first MAX_PAGES × PER_PAGE results are offered).
    capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


# --- scope ---------------------------------------------------------------------------------

def _community_ids(user: User, capability: str, f: SearchFilters) -> list[int] | None:
    """Communities of `capability`'s scope that the place filters leave; None = every community."""
    s = scope.scope_for(user, capability)
    if s.everything and not (f.subdistrict_id or f.community_id):
        return None
    qs = s.communities()
    if f.subdistrict_id:
        qs = qs.filter(subdistrict_id=f.subdistrict_id)
    if f.community_id:
        qs = qs.filter(pk=f.community_id)
    return sorted(qs.values_list("id", flat=True))


def _in(ids: list[int] | None) -> Q:
    return Q() if ids is None else Q(community_id__in=ids)


def _common(qs: QuerySet[Any], f: SearchFilters) -> QuerySet[Any]:
    qs = clock.within_days(qs, f.date_from, f.date_to)
    if f.q.strip():
        qs = fulltext.matches(qs, f.q)
    return qs.order_by("-created_at", "-id")


# --- one query per kind ------------------------------------------------------------------------

def posts(user: User, f: SearchFilters) -> QuerySet[Post]:
    ids = _community_ids(user, "observe", f)
    if ids == []:
        return Post.objects.none()
    qs = Post.objects.filter(_in(ids), visibility=Visibility.VISIBLE)
    if f.board:
        qs = qs.filter(board=f.board)
    return _common(qs, f).only("id", "community_id", "board", "title", "body", "created_at")


def cases(user: User, f: SearchFilters, *, letters_only: bool = False) -> QuerySet[Case]:
    patrol = _community_ids(user, "patrol", f)
    observe = _community_ids(user, "observe", f)
    if patrol == [] and observe == []:
        return Case.objects.none()
    letter = Q(source=Source.LETTER)
    if letters_only:
        # The letter page opens for the observe and the patrol scope alike.
        where = letter if patrol is None or observe is None else letter & Q(
            community_id__in=sorted({*patrol, *observe}))
    elif patrol is None or (observe is not None and set(observe) <= set(patrol)):
        where = _in(patrol)
    else:
        where = _in(patrol) | (letter & _in(observe))
    qs = Case.objects.filter(where)
    if f.status:
        qs = qs.filter(status=f.status)
    return _common(qs, f).only("id", "community_id", "source", "title", "content", "status", "origin_id",
                               "created_at")


def visits(user: User, f: SearchFilters) -> QuerySet[Visit]:
    ids = _community_ids(user, "observe", f)
    if ids == []:
        return Visit.objects.none()
    qs = Visit.objects.filter(_in(ids), status__in=PUBLISHED_STATUSES)
    return _common(qs, f).only("id", "community_id", "title", "content", "status", "created_at")


# --- results ------------------------------------------------------------------------------------

def excerpt(text: str, terms: list[str], width: int = EXCERPT_CHARS) -> str:
    """About `width` characters of `text` around the first keyword, whitespace folded."""
    text = " ".join(text.split())
    lower = text.lower()
    found = [(i, len(t)) for i, t in ((lower.find(t), t) for t in terms) if i >= 0]
    start = 0
    if found:
        first, length = min(found)
        # Cut the beginning only when the keyword would not be seen in the first three quarters.
        if first + length > width * 3 // 4:
            start = first - width // 4
    piece = text[start:start + width]
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")


def _post_hit(p: Post, terms: list[str]) -> Hit:
    return Hit(kind=Kind.POST, kind_label=str(Kind.POST.label), pk=p.pk, title=masking.mask_text(p.title),
               excerpt=excerpt(masking.mask_text(p.body), terms), url=reverse("boards:post", args=[p.pk]),
               created_at=p.created_at, community_id=p.community_id, board=p.board)


def _case_hit(c: Case, terms: list[str]) -> Hit:
    is_letter = c.source == Source.LETTER and c.origin_id is not None
    kind = Kind.LETTER if is_letter else Kind.CASE
    url = reverse("letters:detail", args=[c.origin_id]) if is_letter else reverse("cases:detail", args=[c.pk])
    return Hit(kind=kind, kind_label=str(kind.label), pk=c.pk, title=masking.mask_text(c.title),
               excerpt=excerpt(masking.mask_text(c.content), terms), url=url, created_at=c.created_at,
               community_id=c.community_id, status=c.status, status_label=str(c.get_status_display()))


def _visit_hit(v: Visit, terms: list[str]) -> Hit:
    return Hit(kind=Kind.VISIT, kind_label=str(Kind.VISIT.label), pk=v.pk, title=masking.mask_text(v.title),
               excerpt=excerpt(masking.mask_text(v.content), terms), url=reverse("visits:detail", args=[v.pk]),
               created_at=v.created_at, community_id=v.community_id, status=v.status,
               status_label=str(v.get_status_display()))


def _place_names(hits: list[Hit]) -> None:
    """Community, subdistrict and the board's name (村委 boards have their own labels) for the page's hits."""
    communities = {
        c.pk: c for c in Community.objects.filter(pk__in={h.community_id for h in hits}).select_related("subdistrict")
    }
    for h in hits:
        c = communities.get(h.community_id)
        if c is None:
            continue
        h.community_name = c.name
        h.subdistrict_name = c.subdistrict.name
        if h.board:
            h.board_label = catalogue.spec(h.board).label_for(c.kind)


def search(user: User, f: SearchFilters, *, page: int = 1, per_page: int = PER_PAGE,
           request: HttpRequest | None = None) -> ResultPage:
    """One page of results, newest first, across the kinds the filters ask for.

    Every search is audited (who looked for what, where, from which address): one INSERT; the
    keyword is kept masked (a phone or ID number typed into the box stays out of the log).
    """
    audit.record_read(AuditEvent.Action.SEARCH, actor=user, request=request, detail={
        "q": masking.mask_text(f.q)[:100], "kind": f.kind, "board": f.board, "status": f.status,
        "from": f.date_from.isoformat() if f.date_from else None, "to": f.date_to.isoformat() if f.date_to else None,
        "subdistrict": f.subdistrict_id, "community": f.community_id, "page": page,
    })
    capped = page > MAX_PAGES
    page = max(1, min(page, MAX_PAGES))
    end = page * per_page
    terms = f.terms
    hits: list[Hit] = []
    for kind in f.kinds():
        if kind == Kind.POST:
            hits += [_post_hit(p, terms) for p in posts(user, f)[:end + 1]]
        elif kind in (Kind.CASE, Kind.LETTER):
            hits += [_case_hit(c, terms) for c in cases(user, f, letters_only=kind == Kind.LETTER)[:end + 1]]
        elif kind == Kind.VISIT:
            hits += [_visit_hit(v, terms) for v in visits(user, f)[:end + 1]]
    hits.sort(key=lambda h: (h.created_at, _KIND_RANK[h.kind], h.pk), reverse=True)
    shown = hits[end - per_page:end]
    _place_names(shown)
    return ResultPage(hits=shown, number=page, has_next=len(hits) > end and page < MAX_PAGES, terms=terms,
                      capped=capped)

def totals(user: User) -> dict[str, Any]:
    """The observer home's headline figures for the observer's scope (communities, residents, reviews)."""
    s = scope.scope_for(user, "observe")
    agg = s.filter(CommunityStats.objects.all()).aggregate(residents=Sum("residents"), party=Sum("party_members"))
    comm = s.communities().aggregate(total=Count("id"), rural=Count("id", filter=Q(kind=Community.Kind.RURAL)))
    since = clock.now() - dt.timedelta(days=30)
    reviews = s.filter(Membership.objects.filter(reviewed_at__gte=since)).aggregate(
        total=count_rows(), timely=count_rows(filter=Q(review_seconds__lte=24 * 3600))
    )
    rate = (reviews["timely"] / reviews["total"] * 100) if reviews["total"] else None
    return {
        "communities": comm["total"],
        "rural": comm["rural"],
        "urban": comm["total"] - comm["rural"],
        "residents": agg["residents"] or 0,
        "party_members": agg["party"] or 0,
        "reviews_30d": reviews["total"],
        "timely_rate": rate,
    }
