"""Who may do what to one clue, help request or health archive: the single answer pages and services read.

``access_report(actor, report_id, kind=...)`` and ``access_archive(actor,
archive_id)`` fetch the object and return it with a frozen ``…Access``. A
missing object and one the actor may not see raise the same ``NotFound``, so
ids reveal nothing (docs/adr/0001). Services pass ``for_update=True`` to lock
the row inside their transaction.

Clues and help requests (EP-1, EP-2): the reporter reads their own; the
committee of the report's community ("epidemic") reads and answers; the
subdistrict and district ("epidemic_observe") read and supervise.

Health archives (EP-3, EP-4): the committee keeps them; the resident who
fills them in (``account``) reads them and reports daily; observers read
them (masked). Nobody else learns that an archive exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.common.errors import NotFound

from .errors import EpidemicError
from .models import (
    ARCHIVE_MOVES,
    MEASURABLE_STATES,
    RESPONSE_MOVES,
    HealthArchive,
    Report,
    ReportKind,
)

REPORT_NOT_FOUND = "该记录不存在或您无权查看"
ARCHIVE_NOT_FOUND = "该健康档案不存在或您无权查看"


@dataclass(frozen=True)
class ReportAccess:
    is_reporter: bool
    can_handle: bool   # the committee of the report's community: 受理, 处理中, 办结, 转为问题
    can_observe: bool  # subdistrict/district officials over the report's place
    kind: str
    status: str
    has_case: bool

    @property
    def can_view(self) -> bool:
        return self.is_reporter or self.can_handle or self.can_observe

    def can_respond(self, action: str) -> bool:
        move = RESPONSE_MOVES.get(action)
        return self.can_handle and move is not None and self.status in move[0]

    @property
    def actions(self) -> list[str]:
        """The committee's next possible actions, in the page's order."""
        return [a for a in RESPONSE_MOVES if self.can_respond(a)]

    @property
    def can_make_case(self) -> bool:
        """A help request the committee cannot settle alone becomes a case, once (while it is open)."""
        return self.can_handle and self.kind == ReportKind.HELP and not self.has_case


def report_access(actor: User, report: Report) -> ReportAccess:
    where = {"community_id": report.community_id, "subdistrict_id": report.subdistrict_id}
    return ReportAccess(
        is_reporter=report.reporter_id == getattr(actor, "pk", None),
        can_handle=scope.scope_for(actor, "epidemic").covers(**where),
        can_observe=scope.scope_for(actor, "epidemic_observe").covers(**where),
        kind=report.kind,
        status=report.status,
        has_case=report.case_id is not None,
    )


def _report_base(for_update: bool) -> QuerySet[Report]:
    if for_update:
        return Report.objects.select_for_update(of=("self",)).select_related("community", "subdistrict", "reporter")
    return Report.objects.select_related("community", "subdistrict", "estate", "reporter", "handled_by").defer(
        *private_fields_of("reporter"), *private_fields_of("handled_by"))


def access_report(actor: User, report_id: int, *, kind: str, for_update: bool = False) -> tuple[Report, ReportAccess]:
    """The clue or help request and what ``actor`` may do to it; NotFound when missing or not theirs."""
    report = _report_base(for_update).filter(pk=report_id, kind=kind).first()
    if report is None:
        raise NotFound(REPORT_NOT_FOUND, code=EpidemicError.REPORT_NOT_FOUND)
    access = report_access(actor, report)
    if not access.can_view:
        raise NotFound(REPORT_NOT_FOUND, code=EpidemicError.REPORT_NOT_FOUND)
    return report, access


@dataclass(frozen=True)
class ArchiveAccess:
    is_account: bool   # the resident who fills in this archive (the person or family)
    can_manage: bool   # the committee of the archive's community
    can_observe: bool  # subdistrict/district officials over it (read only, masked)
    state: str

    @property
    def can_view(self) -> bool:
        return self.is_account or self.can_manage or self.can_observe

    @property
    def can_edit(self) -> bool:
        return self.can_manage

    @property
    def can_delete(self) -> bool:
        return self.can_manage

    def can_move(self, action: str) -> bool:
        move = ARCHIVE_MOVES.get(action)
        return self.can_manage and move is not None and self.state in move[0]

    @property
    def moves(self) -> list[str]:
        return [a for a in ARCHIVE_MOVES if self.can_move(a)]

    @property
    def can_measure(self) -> bool:
        return (self.is_account or self.can_manage) and self.state in MEASURABLE_STATES

    @property
    def can_reveal(self) -> bool:
        """The clear identity and health fields: the keeping committee only, and every read audited."""
        return self.can_manage


def archive_access(actor: User, archive: HealthArchive) -> ArchiveAccess:
    where = {"community_id": archive.community_id, "subdistrict_id": archive.subdistrict_id}
    return ArchiveAccess(
        is_account=archive.account_id is not None and archive.account_id == getattr(actor, "pk", None),
        can_manage=scope.scope_for(actor, "epidemic").covers(**where),
        can_observe=scope.scope_for(actor, "epidemic_observe").covers(**where),
        state=archive.state,
    )


def _archive_base(for_update: bool) -> QuerySet[HealthArchive]:
    if for_update:
        return HealthArchive.objects.select_for_update(of=("self",)).select_related("community", "subdistrict")
    return HealthArchive.objects.select_related("community", "subdistrict", "estate")


def access_archive(actor: User, archive_id: int, *, for_update: bool = False) -> tuple[HealthArchive, ArchiveAccess]:
    """The archive and what ``actor`` may do to it; NotFound when missing or not theirs to read."""
    archive = _archive_base(for_update).filter(pk=archive_id).first()
    if archive is None:
        raise NotFound(ARCHIVE_NOT_FOUND, code=EpidemicError.ARCHIVE_NOT_FOUND)
    access = archive_access(actor, archive)
    if not access.can_view:
        raise NotFound(ARCHIVE_NOT_FOUND, code=EpidemicError.ARCHIVE_NOT_FOUND)
    return archive, access
