"""The administration pages (issue 20 item 3): imports, places, staff accounts, the audit log.

Thin: every change is a service in operations/services.py run through `perform`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequtong.accounts.models import AuditEvent
from shequtong.accounts.roles import Role
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import policies, selectors, services, tabular
from .forms import DisableForm, MergeForm, MoveForm, RenameForm, TransferForm, UploadForm
from .importers import columns_for
from .models import ImportKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- imports ----------------------------------------------------------------------------------

@access.capability("sysadmin")
def imports(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = perform(request, lambda: services.upload_import(
            actor=request.user, kind=form.cleaned_data["kind"], file_name=upload.name, data=upload.read(), request=request),
            form=form, once="operations.upload", success="文件已上传，正在预检")
        if outcome:
            return redirect("operations:import_detail", job_id=outcome.value.pk)  # type: ignore[union-attr]
    kinds = [(k, label, columns_for(k)) for k, label in ImportKind.choices]
    return render(request, "operations/imports.html", {
        "form": form, "page_obj": paginate(request, selectors.import_jobs(request.user)), "kinds": kinds,
    })


@access.capability("sysadmin")
def import_template(request: AuthedRequest, file_type: str, import_kind: str) -> HttpResponse:
    if import_kind not in ImportKind.values or import_kind == ImportKind.HISTORY or file_type not in ("xlsx", "csv"):
        raise Http404
    columns = columns_for(import_kind)
    label = str(ImportKind(import_kind).label).split("（")[0]
    if file_type == "xlsx":
        response = HttpResponse(tabular.template_xlsx(label, columns), content_type=XLSX)
    else:
        response = HttpResponse(tabular.template_csv(columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="template-{import_kind}.{file_type}"'
    return response


@access.capability("sysadmin")
def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job, job_access = policies.access_import_job(request.user, job_id)
    if request.headers.get("HX-Request"):
        response = render(request, "operations/_job_status.html", {"job": job, "access": job_access})
        if job.finished or job.status == job.Status.CHECKED:
            response["HX-Refresh"] = "true"  # once: the whole page, with the report
        return response
    return render(request, "operations/import_detail.html", {"job": job, "access": job_access})


@require_POST
@access.capability("sysadmin")
def import_confirm(request: AuthedRequest, job_id: int) -> HttpResponse:
    perform(request, lambda: services.confirm_import(actor=request.user, job_id=job_id, request=request),
            success="已开始导入")
    return redirect("operations:import_detail", job_id=job_id)


@require_POST
@access.capability("sysadmin")
def import_cancel(request: AuthedRequest, job_id: int) -> HttpResponse:
    perform(request, lambda: services.cancel_import(actor=request.user, job_id=job_id, request=request),
            success="已取消，上传的文件已删除")
    return redirect("operations:import_detail", job_id=job_id)


# --- places -----------------------------------------------------------------------------------

@access.capability("sysadmin")
def places(request: AuthedRequest) -> HttpResponse:
    subs = list(selectors.subdistricts(request.user))
    chosen = request.GET.get("subdistrict", "")
    current = next((s for s in subs if str(s.pk) == chosen), subs[0] if subs else None)
    return render(request, "operations/places.html", {
        "subdistricts": subs, "current": current,
        "communities": selectors.communities(request.user, current.pk) if current else [],
        "rename_form": RenameForm(initial={"name": current.name} if current else None),
    })


def _rename(request: AuthedRequest, level: str, place_id: int) -> HttpResponse | None:
    form = RenameForm(request.POST)
    if form.is_valid():
        perform(request, lambda: services.rename_place(actor=request.user, level=level, place_id=place_id,
                                                       name=form.cleaned_data["name"], request=request), success="已改名")
    else:
        messages.error(request, "请填写新名称（最多50字）")
    return None


@require_POST
@access.capability("sysadmin")
def subdistrict_rename(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    policies.access_subdistrict(request.user, subdistrict_id)
    _rename(request, "subdistrict", subdistrict_id)
    return redirect(f"{_url('operations:places')}?subdistrict={subdistrict_id}")


def _url(name: str, **kwargs: int) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


def _community_page(request: AuthedRequest, community_id: int, **forms_: object) -> HttpResponse:
    comm = policies.access_community(request.user, community_id)
    subs = [(s.pk, s.name) for s in selectors.subdistricts(request.user) if s.pk != comm.subdistrict_id]
    targets = [(c.pk, f"{c.subdistrict.name} · {c.name}") for c in selectors.communities(request.user)
               .filter(kind=comm.kind).exclude(pk=comm.pk).order_by("subdistrict_id", "name")]
    move = forms_.get("move_form") or MoveForm()
    move.fields["subdistrict"].choices = subs  # type: ignore[attr-defined]
    merge = forms_.get("merge_form") or MergeForm()
    merge.fields["target"].choices = targets  # type: ignore[attr-defined]
    return render(request, "operations/community.html", {
        "community": comm, "estates": comm.estates.order_by("name"),
        "rename_form": forms_.get("rename_form") or RenameForm(initial={"name": comm.name}),
        "move_form": move, "merge_form": merge,
        "stats": getattr(comm, "stats", None) if hasattr(comm, "stats") else None,
    })


@access.capability("sysadmin")
def community(request: AuthedRequest, community_id: int) -> HttpResponse:
    return _community_page(request, community_id)


@require_POST
@access.capability("sysadmin")
def community_rename(request: AuthedRequest, community_id: int) -> HttpResponse:
    policies.access_community(request.user, community_id)
    _rename(request, "community", community_id)
    return redirect("operations:community", community_id=community_id)


@require_POST
@access.capability("sysadmin")
def community_move(request: AuthedRequest, community_id: int) -> HttpResponse:
    policies.access_community(request.user, community_id)
    raw = request.POST.get("subdistrict", "")
    if not raw.isdigit():
        messages.error(request, "请选择要移至的街镇")
    else:
        perform(request, lambda: services.move_community(actor=request.user, community_id=community_id,
                                                         subdistrict_id=int(raw), request=request),
                success="已移至新的街镇，居村委的全部数据随之移动")
    return redirect("operations:community", community_id=community_id)


@require_POST
@access.capability("sysadmin")
def community_merge(request: AuthedRequest, community_id: int) -> HttpResponse:
    policies.access_community(request.user, community_id)
    raw = request.POST.get("target", "")
    if not raw.isdigit():
        messages.error(request, "请选择要并入的居村委")
        return redirect("operations:community", community_id=community_id)
    outcome = perform(request, lambda: services.merge_communities(actor=request.user, source_id=community_id,
                                                                  target_id=int(raw), request=request),
                      success="已合并")
    if outcome:
        return redirect("operations:community", community_id=outcome.value.pk)  # type: ignore[union-attr]
    return redirect("operations:community", community_id=community_id)


@require_POST
@access.capability("sysadmin")
def estate_rename(request: AuthedRequest, estate_id: int) -> HttpResponse:
    estate = policies.access_estate(request.user, estate_id)
    _rename(request, "estate", estate_id)
    return redirect("operations:community", community_id=estate.community_id)


# --- staff accounts ---------------------------------------------------------------------------

@access.capability("security_admin")
def staff(request: AuthedRequest) -> HttpResponse:
    f = selectors.StaffFilter.from_query(request.GET)
    return render(request, "operations/staff.html", {
        "filter": f, "page_obj": paginate(request, selectors.staff_accounts(request.user, f)),
        "keep_query": query_without_page(request),
        "roles": [(v, label) for v, label in Role.choices if v not in policies.RESIDENT_ROLES],
    })


def _staff_page(request: AuthedRequest, staff_id: int, *, password: str = "", **forms_: object) -> HttpResponse:
    person, account = policies.access_staff_account(request.user, staff_id)
    grants = policies.work_grants(person.pk)
    transfer = forms_.get("transfer_form") or TransferForm()
    transfer.fields["grants"].choices = [  # type: ignore[attr-defined]
        (g.pk, f"{g.get_role_display()} · {g.place_name}") for g in grants]
    return render(request, "operations/staff_detail.html", {
        "person": person, "access": account, "grants": grants, "password": password,
        "disable_form": forms_.get("disable_form") or DisableForm(), "transfer_form": transfer,
    })


@access.capability("security_admin")
def staff_detail(request: AuthedRequest, staff_id: int) -> HttpResponse:
    return _staff_page(request, staff_id)


@require_POST
@access.capability("security_admin")
def staff_disable(request: AuthedRequest, staff_id: int) -> HttpResponse:
    form = DisableForm(request.POST)
    if form.is_valid() and perform(request, lambda: services.set_account_active(
            actor=request.user, user_id=staff_id, active=False, reason=form.cleaned_data["reason"], request=request),
            form=form, success="账户已停用"):
        return redirect("operations:staff_detail", staff_id=staff_id)
    return _staff_page(request, staff_id, disable_form=form)


@require_POST
@access.capability("security_admin")
def staff_enable(request: AuthedRequest, staff_id: int) -> HttpResponse:
    perform(request, lambda: services.set_account_active(actor=request.user, user_id=staff_id, active=True,
                                                         request=request), success="账户已启用")
    return redirect("operations:staff_detail", staff_id=staff_id)


@require_POST
@access.capability("security_admin")
def staff_reset_password(request: AuthedRequest, staff_id: int) -> HttpResponse:
    outcome = perform(request, lambda: services.reset_password(actor=request.user, user_id=staff_id, request=request))
    if not outcome:
        return redirect("operations:staff_detail", staff_id=staff_id)
    # Shown once, in this answer only (never stored in clear, never in a redirect's session).
    return _staff_page(request, staff_id, password=str(outcome.value))


@require_POST
@access.capability("security_admin")
def staff_transfer(request: AuthedRequest, staff_id: int) -> HttpResponse:
    person, _account = policies.access_staff_account(request.user, staff_id)
    form = TransferForm(request.POST)
    form.fields["grants"].choices = [(g.pk, g.pk) for g in policies.work_grants(person.pk)]  # type: ignore[attr-defined]
    if form.is_valid() and perform(request, lambda: services.transfer_roles(
            actor=request.user, from_user_id=staff_id, to_username=form.cleaned_data["to_username"],
            grant_ids=form.cleaned_data["grants"], request=request), form=form, once="operations.transfer",
            success="角色已移交"):
        return redirect("operations:staff_detail", staff_id=staff_id)
    return _staff_page(request, staff_id, transfer_form=form)


# --- the audit log ----------------------------------------------------------------------------

@access.capability("audit_admin")
def audit_log(request: AuthedRequest) -> HttpResponse:
    f = selectors.AuditFilter.from_query(request.GET)
    page = paginate(request, selectors.audit_events(request.user, f))
    return render(request, "operations/audit.html", {
        "filter": f, "page_obj": page, "keep_query": query_without_page(request),
        "rows": [(e, services.audit_row(e)) for e in page], "actions": AuditEvent.Action.choices,
    })


@access.capability("audit_admin")
def audit_export(request: AuthedRequest) -> HttpResponse:
    f = selectors.AuditFilter.from_query(request.GET)
    data = services.export_audit_log(actor=request.user, filters=f, request=request)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-{clock.now():%Y%m%d-%H%M}.xlsx"'
    return response


