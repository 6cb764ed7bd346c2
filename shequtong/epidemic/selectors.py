"""Jurisdiction-scoped reads of 疫情防控: lists, figures, warnings and response times.

Every list, count and export starts from ``Scope.filter`` of the reader's
capability: "epidemic" (the committee) or "epidemic_observe" (subdistrict and
district). One object with what the actor may do to it comes from ``policies``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.common import clock
from shequtong.places.models import Community, Estate, Subdistrict

from .models import (
    OBSERVED_STATES,
    ArchiveState,
    HealthArchive,
    HealthWarning,
    Measurement,
    Reason,
    Report,
    ResponseStatus,
)

EXPORT_MAX_ROWS = 20_000
# An archive's encrypted columns: lists load none of them (the masked name is stored).
ARCHIVE_ENCRYPTED = ("person_name", "id_number", "phone", "contacts", "health_note")


def reader_capability(user: User) -> str | None:
    """The hat under which ``user`` reads 疫情防控 lists: the committee's, else the observer's."""
    if scope.has_capability(user, "epidemic"):
        return "epidemic"
    if scope.has_capability(user, "epidemic_observe"):
        return "epidemic_observe"
    return None


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


# --- clues and help requests ----------------------------------------------------------------

@dataclass(frozen=True)
class ReportFilters:
    """Time range and response status (§4.2.6.1 (3)), and the place for observers."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    subdistrict_id: int | None = None
    community_id: int | None = None

    @classmethod
    def from_query(cls, params: Any) -> ReportFilters:
        status = params.get("status", "")
        return cls(
            date_from=_parse_date(params.get("date_from", "")), date_to=_parse_date(params.get("date_to", "")),
            status=status if status in ResponseStatus.values else "",
            subdistrict_id=_int(params.get("subdistrict", "")), community_id=_int(params.get("community", "")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items() if v}

    def apply(self, qs: QuerySet[Report]) -> QuerySet[Report]:
        qs = clock.within_days(qs, self.date_from, self.date_to)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.subdistrict_id:
            qs = qs.filter(subdistrict_id=self.subdistrict_id)
        if self.community_id:
            qs = qs.filter(community_id=self.community_id)
        return qs


def _report_rows(qs: QuerySet[Report]) -> QuerySet[Report]:
    return (qs.select_related("community", "subdistrict", "estate", "reporter")
            .defer(*private_fields_of("reporter"), "people", "contact_name", "contact_phone")
            .order_by("-created_at", "-id"))


def reports_for(user: User, kind: str, filters: ReportFilters | None = None) -> QuerySet[Report]:
    """The committee's (or the observer's) list of clues or help requests, filtered."""
    capability = reader_capability(user)
    if capability is None:
        return Report.objects.none()
    qs = scope.scope_for(user, capability).filter(Report.objects.filter(kind=kind))
    return _report_rows((filters or ReportFilters()).apply(qs))


def export_rows(user: User, kind: str, filters: ReportFilters) -> list[Report]:
    """What the export writes: the same list, with the encrypted fields (masked by the export)."""
    capability = reader_capability(user)
    if capability is None:
        return []
    qs = scope.scope_for(user, capability).filter(Report.objects.filter(kind=kind))
    qs = (filters.apply(qs).select_related("community", "subdistrict", "estate", "reporter", "handled_by")
          .defer("contact_name", *private_fields_of("reporter", "handled_by")))
    return list(qs.order_by("-created_at", "-id")[:EXPORT_MAX_ROWS])


def my_reports(user: User, kind: str) -> QuerySet[Report]:
    return _report_rows(Report.objects.filter(kind=kind, reporter_id=user.pk))


def reporting_communities(user: User) -> list[Community]:
    """Where ``user`` may report: the committee's communities, else the resident's own."""
    if scope.has_capability(user, "epidemic"):
        return list(scope.scope_for(user, "epidemic").communities().order_by("id"))
    return list(scope.scope_for(user, "member").communities().order_by("id"))


def estates_of(communities: list[Community]) -> list[Estate]:
    return list(Estate.objects.filter(community__in=communities).order_by("community_id", "id"))


def response_times(user: User, kind: str | None = None, *, subdistrict_id: int | None = None) -> list[dict[str, Any]]:
    """Per committee in the observer's scope: reports, answered, open, and the mean time to 受理 (EP-4)."""
    s = scope.scope_for(user, "epidemic_observe")
    qs = s.filter(Report.objects.all())
    if kind:
        qs = qs.filter(kind=kind)
    if subdistrict_id:
        qs = qs.filter(subdistrict_id=subdistrict_id)
    rows: dict[int, dict[str, Any]] = {}
    for community_id, created, accepted in qs.values_list("community_id", "created_at", "accepted_at").iterator():
        r = rows.setdefault(community_id, {"total": 0, "accepted": 0, "seconds": 0})
        r["total"] += 1
        if accepted is not None:
            r["accepted"] += 1
            r["seconds"] += max(0, int((accepted - created).total_seconds()))
    communities = s.communities().filter(pk__in=list(rows)).select_related("subdistrict").order_by(
        "subdistrict__sort_order", "id")
    out = []
    for c in communities:
        r = rows[c.pk]
        mean = r["seconds"] // r["accepted"] if r["accepted"] else None
        out.append({"community": c, "total": r["total"], "accepted": r["accepted"],
                    "open": r["total"] - r["accepted"], "mean_seconds": mean, "mean_display": duration_display(mean)})
    return out


def duration_display(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return "1分钟内"
    if seconds < 3600:
        return f"{seconds // 60}分钟"
    if seconds < 86400:
        return f"{seconds // 3600}小时{seconds % 3600 // 60}分钟"
    return f"{seconds // 86400}天{seconds % 86400 // 3600}小时"


# --- health archives ----------------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveFilters:
    state: str = ""
    reason: str = ""
    estate_id: int | None = None
    subdistrict_id: int | None = None
    community_id: int | None = None
    warning: bool = False

    @classmethod
    def from_query(cls, params: Any) -> ArchiveFilters:
        state, reason = params.get("state", ""), params.get("reason", "")
        return cls(
            state=state if state in ArchiveState.values else "", reason=reason if reason in Reason.values else "",
            estate_id=_int(params.get("estate", "")), subdistrict_id=_int(params.get("subdistrict", "")),
            community_id=_int(params.get("community", "")), warning=params.get("warning", "") == "1",
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v}

    def apply(self, qs: QuerySet[HealthArchive]) -> QuerySet[HealthArchive]:
        if self.state:
            qs = qs.filter(state=self.state)
        if self.reason:
            qs = qs.filter(reason=self.reason)
        if self.estate_id:
            qs = qs.filter(estate_id=self.estate_id)
        if self.subdistrict_id:
            qs = qs.filter(subdistrict_id=self.subdistrict_id)
        if self.community_id:
            qs = qs.filter(community_id=self.community_id)
        if self.warning:
            qs = qs.filter(pk__in=open_warnings(HealthWarning.objects.all()).values("archive_id"))
        return qs


def archives_in_scope(user: User, capability: str | None = None) -> QuerySet[HealthArchive]:
    capability = capability or reader_capability(user)
    if capability is None:
        return HealthArchive.objects.none()
    return scope.scope_for(user, capability).filter(HealthArchive.objects.all())


def archive_rows(user: User, filters: ArchiveFilters | None = None) -> QuerySet[HealthArchive]:
    """The archive list (masked on the page): never the encrypted columns."""
    qs = (filters or ArchiveFilters()).apply(archives_in_scope(user))
    return (qs.select_related("community", "estate").defer(*ARCHIVE_ENCRYPTED).order_by("-created_at", "-id"))


def archive_export_rows(user: User, filters: ArchiveFilters) -> list[HealthArchive]:
    """The export's rows: the stored masked name, the ID number and phone (masked by the export)."""
    qs = (filters.apply(archives_in_scope(user)).select_related("community", "subdistrict", "estate")
          .defer("person_name", "contacts", "health_note"))
    return list(qs.order_by("-created_at", "-id")[:EXPORT_MAX_ROWS])


def my_archives(user: User) -> QuerySet[HealthArchive]:
    """The archives the resident fills in (their own and their family's); none if nobody made one."""
    return HealthArchive.objects.filter(account_id=user.pk).select_related("estate", "community").defer(
        *ARCHIVE_ENCRYPTED).order_by("id")


# --- figures (统计) -------------------------------------------------------------------------

FIGURES = ("observed_total", "new_today", "released_total", "released_today", "symptomatic", "confirmed")
FIGURE_LABELS = {
    "observed_total": "累计观察", "new_today": "当日新增", "released_total": "累计解除观察",
    "released_today": "当日解除观察", "symptomatic": "有发热等症状", "confirmed": "转确诊",
}


def _aggregates(today: dt.date) -> dict[str, Any]:
    """The six figures as conditional counts (§4.2.6.3.2 (5)).

    - 累计观察: every archive (each was observed from its start);
    - 当日新增: begun today; 累计/当日解除观察: released in total / today;
    - 有发热等症状: not released, with a febrile or symptomatic report of today or yesterday;
    - 转确诊: confirmed.
    """
    start, end = clock.day_start(today), clock.day_start(today + dt.timedelta(days=1))
    return {
        "observed_total": Count("pk"),
        "new_today": Count("pk", filter=Q(started_on=today)),
        "released_total": Count("pk", filter=Q(state=ArchiveState.RELEASED)),
        "released_today": Count("pk", filter=Q(state=ArchiveState.RELEASED, released_at__gte=start,
                                                  released_at__lt=end)),
        "symptomatic": Count("pk", filter=Q(recent_abnormal=True) & ~Q(state=ArchiveState.RELEASED)),
        "confirmed": Count("pk", filter=Q(state=ArchiveState.CONFIRMED)),
    }


def _with_recent(qs: QuerySet[HealthArchive], today: dt.date) -> QuerySet[HealthArchive]:
    recent = Measurement.objects.filter(archive_id=OuterRef("pk"), measured_on__gte=today - dt.timedelta(days=1),
                                        measured_on__lte=today).filter(Q(febrile=True) | Q(symptomatic=True))
    return qs.alias(recent_abnormal=Exists(recent))


def figures(qs: QuerySet[HealthArchive], today: dt.date | None = None) -> dict[str, int]:
    today = today or clock.today()
    agg = _with_recent(qs.order_by(), today).aggregate(**_aggregates(today))
    return {k: agg[k] or 0 for k in FIGURES}


def figures_by(qs: QuerySet[HealthArchive], key: str, today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """The same figures per ``key`` ("estate_id", "community_id", "subdistrict_id") in one query."""
    today = today or clock.today()
    rows = _with_recent(qs.order_by(), today).values(key).annotate(**_aggregates(today))
    return {r[key]: {k: r[k] or 0 for k in FIGURES} for r in rows}


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def estate_figures(user: User, community: Community, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per estate or village group of one community, with its open warnings (the committee's drill-down)."""
    qs = archives_in_scope(user).filter(community=community)
    by = figures_by(qs, "estate_id", today)
    warned = warning_counts(user, "estate_id")
    return [{"estate": e, **by.get(e.pk, _zero()), "warnings": warned.get(e.pk, 0)}
            for e in Estate.objects.filter(community=community).order_by("id")]


def community_figures(user: User, communities: QuerySet[Community], today: dt.date | None = None) -> list[dict[str, Any]]:
    by = figures_by(archives_in_scope(user).filter(community__in=communities), "community_id", today)
    warned = warning_counts(user, "community_id")
    return [{"community": c, **by.get(c.pk, _zero()), "warnings": warned.get(c.pk, 0)}
            for c in communities.order_by("id")]


def subdistrict_figures(user: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    s = scope.scope_for(user, "epidemic_observe")
    by = figures_by(s.filter(HealthArchive.objects.all()), "subdistrict_id", today)
    warned = warning_counts(user, "subdistrict_id")
    return [{"subdistrict": sub, **by.get(sub.pk, _zero()), "warnings": warned.get(sub.pk, 0)}
            for sub in s.subdistricts().order_by("sort_order", "id")]


def observed_communities(user: User, subdistrict: Subdistrict) -> QuerySet[Community]:
    return scope.scope_for(user, "epidemic_observe").communities().filter(subdistrict=subdistrict)


# --- warnings -----------------------------------------------------------------------------

def open_warnings(qs: QuerySet[HealthWarning], today: dt.date | None = None) -> QuerySet[HealthWarning]:
    """Warnings of today and yesterday whose person is still under observation."""
    today = today or clock.today()
    return qs.filter(day__gte=today - dt.timedelta(days=1), archive__state__in=OBSERVED_STATES)


def warnings_for(user: User, *, community: Community | None = None, estate_id: int | None = None) -> QuerySet[HealthWarning]:
    capability = reader_capability(user)
    if capability is None:
        return HealthWarning.objects.none()
    qs = open_warnings(scope.scope_for(user, capability).filter(HealthWarning.objects.all()))
    if community is not None:
        qs = qs.filter(community=community)
    if estate_id:
        qs = qs.filter(estate_id=estate_id)
    return qs.select_related("estate", "community", "archive").defer(*(f"archive__{f}" for f in ARCHIVE_ENCRYPTED))


def warning_counts(user: User, key: str) -> dict[int, int]:
    """Distinct archives with an open warning, per ``key``."""
    rows = warnings_for(user).order_by().values(key).annotate(n=Count("archive_id", distinct=True))
    return {r[key]: r["n"] for r in rows}


def measurements_of(archive: HealthArchive) -> QuerySet[Measurement]:
    return archive.measurements.select_related("recorded_by").defer(*private_fields_of("recorded_by"))
