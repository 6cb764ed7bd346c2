"""Who may do what to one letter (人民信箱): the single answer pages, the API and templates read.

``access_letter(actor, letter_id)`` fetches the letter through the actor's
scope and returns it with a frozen ``LetterAccess``; a letter that does not
exist and one the actor may not see raise the same ``NotFound``
(docs/adr/0001). Who may read a letter:

- its author (a resident sees their own letters only);
- observers (观察版, "observe") whose scope covers the letter's community (LB-5);
- the staff who see the letter's case (问题提醒): its committee, and the
  subdistrict/district patrol over it. That rule is the case's, so it is read
  from ``cases.policies.case_access`` rather than written again here; so are
  handling (去处理) and rating, which are done to the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.cases.policies import CaseAccess, case_access
from shequtong.common.errors import NotFound

from .errors import LetterError
from .models import Letter

OBSERVE = "observe"


@dataclass(frozen=True)
class LetterAccess:
    is_author: bool
    can_observe: bool  # an observer whose scope covers the letter's community
    case: CaseAccess | None  # what the actor may do to the letter's case

    @property
    def can_view(self) -> bool:
        return self.is_author or self.can_observe or (self.case is not None and self.case.can_view)

    @property
    def can_handle(self) -> bool:
        """去处理: the letter's case is the actor's committee's to handle."""
        return self.case is not None and self.case.can_handle

    @property
    def resident_view(self) -> bool:
        """The author reading as a resident: public steps and results only (cases.policies.CaseAccess.resident_view)."""
        return self.is_author and not self.can_observe and (self.case is None or self.case.resident_view)

    @property
    def can_rate(self) -> bool:
        """The author rates the handling of the letter's case, once it is resolved (CT-7)."""
        return self.case is not None and self.case.can_rate


def letter_access(actor: User, letter: Letter) -> LetterAccess:
    """What ``actor`` may do to a letter already in hand (with its case)."""
    return LetterAccess(
        is_author=letter.author_id is not None and letter.author_id == getattr(actor, "pk", None),
        can_observe=scope.scope_for(actor, OBSERVE).covers(
            community_id=letter.community_id, subdistrict_id=letter.subdistrict_id),
        case=case_access(actor, letter.case) if letter.case is not None else None,
    )


def _base(for_update: bool) -> QuerySet[Letter]:
    qs = Letter.objects.select_related("community", "subdistrict", "author", "case", "case__rating")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.prefetch_related("subcategories")


def access_letter(actor: User, letter_id: int, *, for_update: bool = False) -> tuple[Letter, LetterAccess]:
    """The letter and what ``actor`` may do to it; NotFound when it is missing or not theirs to see."""
    letter = _base(for_update).filter(pk=letter_id).first()
    if letter is None:
        raise NotFound("该问题/建议不存在或您无权查看", code=LetterError.NOT_FOUND)
    access = letter_access(actor, letter)
    if not access.can_view:
        raise NotFound("该问题/建议不存在或您无权查看", code=LetterError.NOT_FOUND)
    return letter, access


def access_letter_photo(actor: User, photo_id: int) -> str:
    """A letter photo's stored file name, for those who may read its letter (photos are never public)."""
    from .models import LetterPhoto

    row = LetterPhoto.objects.filter(pk=photo_id).values_list("letter_id", "image").first()
    if row is None:
        raise NotFound("该照片不存在或您无权查看", code=LetterError.NOT_FOUND)
    try:
        access_letter(actor, row[0])
    except NotFound:
        raise NotFound("该照片不存在或您无权查看", code=LetterError.NOT_FOUND) from None
    return str(row[1])
