"""疫情防控 pages: report and ask for help, the committee's lists and responses, archives, figures, observers.

Views are thin: a rule decorator, the policy or selector for reads, ``perform``
for writes. Archive pages carry health data: ``never_cache`` keeps them out
of every cache (browser and proxy).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequtong.accounts import audit, scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.categories import Category
from shequtong.common.errors import NotFound
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import selectors, services
from .forms import ArchiveForm, MeasurementForm, ReportForm
from .models import (
    RESPONSE_LABELS,
    SYMPTOMS,
    ArchiveState,
    Reason,
    ReportImage,
    ReportKind,
    ResponseStatus,
)
from .policies import REPORT_NOT_FOUND, access_archive, access_report, report_access

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{clock.file_stamp()}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the entry page --------------------------------------------------------------------------

@access.login
def home(request: AuthedRequest) -> HttpResponse:
    """疫情防控: 线索上报, 防疫求助, my reports and, if one exists, my health archive."""
    return render(request, "epidemic/home.html", {
        "can_report": bool(selectors.reporting_communities(request.user)),
        "has_archive": selectors.my_archives(request.user).exists(),
        "is_committee": scope.has_capability(request.user, "epidemic"),
        "is_observer": scope.has_capability(request.user, "epidemic_observe"),
    })


# --- 线索上报 / 防疫求助 -----------------------------------------------------------------------

@access.login
def report_create(request: AuthedRequest, kind: str) -> HttpResponse:
    communities = selectors.reporting_communities(request.user)
    if not communities:
        raise NotFound("您还不是社区成员，不能上报")
    estates = selectors.estates_of(communities)
    form = ReportForm(request.POST or None, request.FILES or None, kind=kind, estates=estates,
                      several=len(communities) > 1)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        done = perform(request, lambda: services.submit_report(actor=request.user, kind=kind, data=data),
                       success="已提交，居村委会尽快响应", form=form, once=f"epidemic.{kind}")
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        for name, message in list(getattr(done.error, "errors", {}).items())[1:]:
            form.add_error(name if name in form.fields else None, message)
    return render(request, "epidemic/report_form.html", {"form": form, "kind": kind,
                                                          "kind_label": ReportKind(kind).label})


@access.login
def report_mine(request: AuthedRequest, kind: str) -> HttpResponse:
    return render(request, "epidemic/report_mine.html", {
        "kind": kind, "kind_label": ReportKind(kind).label,
        "page_obj": paginate(request, selectors.my_reports(request.user, kind)),
    })


@access.capability("epidemic", "epidemic_observe")
def report_list(request: AuthedRequest, kind: str) -> HttpResponse:
    filters = selectors.ReportFilters.from_query(request.GET)
    observer = selectors.reader_capability(request.user) == "epidemic_observe"
    return render(request, "epidemic/report_list.html", {
        "kind": kind, "kind_label": ReportKind(kind).label, "filters": filters, "statuses": ResponseStatus.choices,
        "page_obj": paginate(request, selectors.reports_for(request.user, kind, filters)),
        "keep_query": query_without_page(request), "show_place": observer,
    })


@access.capability("epidemic", "epidemic_observe")
def report_export(request: AuthedRequest, kind: str) -> HttpResponse:
    filters = selectors.ReportFilters.from_query(request.GET)
    rows = selectors.export_rows(request.user, kind, filters)
    data = services.export_reports(actor=request.user, kind=kind, reports=rows, filters=filters.as_dict(),
                                   request=request)
    return _xlsx(data, "clues" if kind == ReportKind.CLUE else "help-requests")


@access.login
def report_detail(request: AuthedRequest, kind: str, report_id: int) -> HttpResponse:
    report, access_ = access_report(request.user, report_id, kind=kind)
    audit.record_read(actor=request.user, target=report, request=request)
    return render(request, "epidemic/report_detail.html", {
        "report": report, "access": access_, "kind_label": report.get_kind_display(),
        "events": report.events.select_related("actor"), "images": list(report.images.all()),
        "actions": [(a, RESPONSE_LABELS[a]) for a in access_.actions], "categories": Category.choices,
    })


@access.capability("epidemic")
@require_POST
def report_respond(request: AuthedRequest, kind: str, report_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    perform(request, lambda: services.respond_report(actor=request.user, kind=kind, report_id=report_id, action=action,
                                                     note=request.POST.get("note", "")),
            success="已更新响应状态", once=f"epidemic.respond.{kind}")
    return redirect(f"epidemic:{kind}_detail", report_id=report_id)


@access.capability("epidemic")
@require_POST
def help_to_case(request: AuthedRequest, report_id: int) -> HttpResponse:
    perform(request, lambda: services.help_request_to_case(
        actor=request.user, report_id=report_id, category=request.POST.get("category", ""),
        note=request.POST.get("note", "")), success="已转为问题跟踪", once="epidemic.help_case")
    return redirect("epidemic:help_detail", report_id=report_id)


_IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@access.login
def photo(request: AuthedRequest, photo_id: int) -> FileResponse:
    """A report's photo, only to those who may read the report (never a public media URL)."""
    image = ReportImage.objects.select_related("report").filter(pk=photo_id).first()
    if image is None or not report_access(request.user, image.report).can_view:
        raise NotFound(REPORT_NOT_FOUND)
    ext = image.file.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(image.file.open("rb"), content_type=_IMAGE_TYPES.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    return response


# --- the committee's 疫情防控 page: warnings and figures per estate ----------------------------

def _work_community(request: AuthedRequest) -> Any:
    communities = scope.scope_for(request.user, "epidemic").communities().order_by("id")
    wanted = request.GET.get("community", "")
    chosen = communities.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
    return chosen or communities.first(), communities


@access.capability("epidemic")
@never_cache
def manage(request: AuthedRequest) -> HttpResponse:
    community, communities = _work_community(request)
    return render(request, "epidemic/manage.html", {
        "community": community, "communities": communities if communities.count() > 1 else [],
        "figures": selectors.figures(selectors.archives_in_scope(request.user).filter(community=community)),
        "labels": selectors.FIGURE_LABELS,
        "estates": selectors.estate_figures(request.user, community),
        "warnings": selectors.warnings_for(request.user, community=community)[:50],
        "open_clues": selectors.reports_for(request.user, ReportKind.CLUE,
                                            selectors.ReportFilters(status=ResponseStatus.SUBMITTED)).count(),
        "open_help": selectors.reports_for(request.user, ReportKind.HELP,
                                           selectors.ReportFilters(status=ResponseStatus.SUBMITTED)).count(),
    })


# --- health archives ---------------------------------------------------------------------------

@access.capability("epidemic", "epidemic_observe")
@never_cache
def archive_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.ArchiveFilters.from_query(request.GET)
    qs = selectors.archive_rows(request.user, filters)
    return render(request, "epidemic/archive_list.html", {
        "filters": filters, "page_obj": paginate(request, qs), "keep_query": query_without_page(request),
        "states": ArchiveState.choices, "reasons": Reason.choices,
        "figures": selectors.figures(selectors.ArchiveFilters(
            reason=filters.reason, estate_id=filters.estate_id, subdistrict_id=filters.subdistrict_id,
            community_id=filters.community_id).apply(selectors.archives_in_scope(request.user))),
        "labels": selectors.FIGURE_LABELS,
        "can_create": scope.has_capability(request.user, "epidemic"),
    })


@access.capability("epidemic", "epidemic_observe")
def archive_export(request: AuthedRequest) -> HttpResponse:
    filters = selectors.ArchiveFilters.from_query(request.GET)
    rows = selectors.archive_export_rows(request.user, filters)
    data = services.export_archives(actor=request.user, archives=rows, filters=filters.as_dict(), request=request)
    return _xlsx(data, "health-archives")


def _archive_form_page(request: AuthedRequest, archive: Any) -> HttpResponse:
    communities = list(scope.scope_for(request.user, "epidemic").communities().order_by("id"))
    estates = selectors.estates_of(communities)
    form = ArchiveForm(request.POST or None, estates=estates, several=len(communities) > 1, instance=archive)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if archive is None:
            done = perform(request, lambda: services.create_archive(actor=request.user, data=data), success="已建档",
                           form=form, once="epidemic.archive")
        else:
            archive_id = archive.pk
            done = perform(request, lambda: services.update_archive(actor=request.user, archive_id=archive_id,
                                                                    data=data), success="已保存", form=form)
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        for name, message in list(getattr(done.error, "errors", {}).items())[1:]:
            form.add_error(name if name in form.fields else None, message)
    return render(request, "epidemic/archive_form.html", {"form": form, "archive": archive})


@access.capability("epidemic")
@never_cache
def archive_create(request: AuthedRequest) -> HttpResponse:
    return _archive_form_page(request, None)


@access.capability("epidemic")
@never_cache
def archive_edit(request: AuthedRequest, archive_id: int) -> HttpResponse:
    archive, access_ = access_archive(request.user, archive_id)
    if not access_.can_edit:
        raise NotFound("该健康档案不存在或您无权查看")
    return _archive_form_page(request, archive)


@access.login
@never_cache
def archive_mine(request: AuthedRequest) -> HttpResponse:
    """The resident's own archive(s): theirs and their family's, or a plain "no archive" (§4.2.6.3.1)."""
    return render(request, "epidemic/archive_mine.html", {"archives": list(selectors.my_archives(request.user))})


@access.login
@never_cache
def archive_detail(request: AuthedRequest, archive_id: int) -> HttpResponse:
    archive, access_ = access_archive(request.user, archive_id)
    audit.record_read(actor=request.user, target=archive, request=request)
    return render(request, "epidemic/archive_detail.html", {
        "archive": archive, "access": access_, "events": archive.events.select_related("actor"),
        "measurements": paginate(request, selectors.measurements_of(archive)),
        "warnings": selectors.open_warnings(archive.warnings.all()),
        "form": MeasurementForm(), "symptoms": SYMPTOMS,
        "moves": [(m, "转确诊" if m == "confirm" else "解除观察") for m in access_.moves],
    })


@access.capability("epidemic")
@never_cache
@require_POST
def archive_reveal(request: AuthedRequest, archive_id: int) -> HttpResponse:
    archive, _ = access_archive(request.user, archive_id)
    clear = services.reveal_archive(actor=request.user, archive_id=archive_id, request=request)
    return render(request, "epidemic/archive_reveal.html", {"archive": archive, "clear": clear})


@access.capability("epidemic")
@require_POST
def archive_move(request: AuthedRequest, archive_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    perform(request, lambda: services.move_archive(actor=request.user, archive_id=archive_id, action=action,
                                                   note=request.POST.get("note", "")),
            success="已转确诊并上报街镇" if action == "confirm" else "已解除观察")
    return redirect("epidemic:archive_detail", archive_id=archive_id)


@access.capability("epidemic")
@require_POST
def archive_delete(request: AuthedRequest, archive_id: int) -> HttpResponse:
    if perform(request, lambda: services.delete_archive(actor=request.user, archive_id=archive_id, request=request),
               success="档案已删除"):
        return redirect("epidemic:archive_list")
    return redirect("epidemic:archive_detail", archive_id=archive_id)


@access.login
@never_cache
@require_POST
def archive_measure(request: AuthedRequest, archive_id: int) -> HttpResponse:
    _, access_ = access_archive(request.user, archive_id)
    if not (access_.is_account or access_.can_manage):
        # Observers read an archive but never report for it; nobody learns more than "not found".
        raise NotFound("该健康档案不存在或您无权查看")
    form = MeasurementForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"填报失败：{first}")
        return redirect("epidemic:archive_detail", archive_id=archive_id)
    d = form.cleaned_data
    perform(request, lambda: services.record_measurement(
        actor=request.user, archive_id=archive_id, measured_on=d["measured_on"], temperature=d["temperature"],
        symptoms=d["symptoms"], note=d["note"]), success="已填报", once="epidemic.measure")
    return redirect("epidemic:archive_detail", archive_id=archive_id)


# --- observers (EP-4) ------------------------------------------------------------------------

@access.capability("epidemic_observe")
def observe(request: AuthedRequest) -> HttpResponse:
    rows = selectors.subdistrict_figures(request.user)
    return render(request, "epidemic/observe.html", {
        "rows": rows, "labels": selectors.FIGURE_LABELS,
        "totals": {k: sum(r[k] for r in rows) for k in (*selectors.FIGURES, "warnings")},
        "times": selectors.response_times(request.user),
    })


@access.capability("epidemic_observe")
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    sub = scope.subdistrict_in_scope(request.user, "epidemic_observe", subdistrict_id)
    return render(request, "epidemic/observe_subdistrict.html", {
        "subdistrict": sub, "labels": selectors.FIGURE_LABELS,
        "rows": selectors.community_figures(request.user, selectors.observed_communities(request.user, sub)),
        "times": selectors.response_times(request.user, subdistrict_id=sub.pk),
    })


@access.capability("epidemic_observe")
def observe_community(request: AuthedRequest, community_id: int) -> HttpResponse:
    community = scope.community_in_scope(request.user, "epidemic_observe", community_id)
    return render(request, "epidemic/observe_community.html", {
        "community": community, "labels": selectors.FIGURE_LABELS,
        "estates": selectors.estate_figures(request.user, community),
        "warnings": selectors.warnings_for(request.user, community=community)[:50],
    })
