"""社会公益服务项目管理平台 pages: the organisation's projects, the centre's review queue, the project page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.errors import DomainError
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform
from shequtong.points import selectors as points_selectors

from . import images, selectors, services
from . import statistics as stats
from .forms import (
    BindingForm,
    LetterForm,
    MilestoneForm,
    ProgressForm,
    ProjectForm,
    ReasonForm,
    ReviewForm,
    SiteForm,
    SlotForm,
)
from .models import CENTRE_STATUSES, CharityProject, ProjectStatus, ServiceCategory, ServiceSite
from .policies import (
    access_binding,
    access_milestone,
    access_photo,
    access_project,
    access_report,
    access_site,
    access_slot,
)

# Who opens a project page at all; the project's own access says which version they get.
READERS = ("social_org", "service_centre", "observe", "member")


def _further_errors(form: Any, error: DomainError | None) -> None:
    """The service checks every field at once; perform put the first on the form, these are the rest."""
    for name, message in list(getattr(error, "errors", {}).items())[1:]:
        form.add_error(name if name in form.fields else None, message)


# --- the organisation (CP-1) ---------------------------------------------------------

@access.capability("social_org")
def org_projects(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.org_projects(request.user, request.GET))
    return render(request, "charity/org_projects.html", {
        "page_obj": page, "statuses": ProjectStatus.choices, "status": request.GET.get("status", ""),
        "keep_query": query_without_page(request),
    })


def _project_form(request: AuthedRequest, project: CharityProject | None) -> HttpResponse:
    communities = services.servable_communities(request.user)
    form = ProjectForm(request.POST or None, request.FILES or None, communities=communities, instance=project)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        data = form.to_input()
        ok = "已提交审核" if submit else "已保存"
        if project is None:
            done = perform(request, lambda: services.create_project(actor=request.user, data=data, submit=submit),
                           success=ok, form=form, once="charity.create_project")
        else:
            project_id = project.pk
            done = perform(request, lambda: services.update_project(actor=request.user, project_id=project_id,
                                                                    data=data, submit=submit), success=ok, form=form,
                           once="charity.update_project")
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "charity/project_form.html", {"form": form, "project": project})


@access.capability("social_org")
def project_create(request: AuthedRequest) -> HttpResponse:
    return _project_form(request, None)


@access.capability("social_org")
def project_edit(request: AuthedRequest, project_id: int) -> HttpResponse:
    project, access_ = access_project(request.user, project_id)
    if not access_.can_edit:
        if access_.is_owner:
            messages.error(request, "项目正在审核中，请先撤回再修改")
        return redirect(project.get_absolute_url())
    return _project_form(request, project)


@access.capability(*READERS)
def project_detail(request: AuthedRequest, project_id: int) -> HttpResponse:
    project, access_ = access_project(request.user, project_id)
    return render(request, "charity/project_detail.html", {
        "project": project, "access": access_, "communities": project.communities.all(),
        "events": project.events.select_related("actor"), "reason_form": ReasonForm(),
        "bindings": selectors.project_bindings(project, audience=access_.audience),
        "milestones": selectors.timeline(project),
        "slots": selectors.upcoming_slots(project) if project.status == ProjectStatus.APPROVED else [],
        "my_bookings": list(selectors.my_bookings(request.user, project)) if access_.is_served else [],
        "booked_slot_ids": set(selectors.my_bookings(request.user, project).filter(status="booked").values_list(
            "slot_id", flat=True)) if access_.is_served else set(),
        "can_review": access_.is_served and services.has_taken_part(request.user, project.pk)
        and not project.reviews.filter(resident_id=request.user.pk).exists(),
        "review_form": ReviewForm(),
        "reviews": selectors.project_reviews(project, audience=access_.audience)[:50],
        "donations": points_selectors.project_donations(project.pk),
    })


@access.capability("member")
@require_POST
def project_donate(request: AuthedRequest, project_id: int) -> HttpResponse:
    raw, note = request.POST.get("amount", "").strip(), request.POST.get("note", "")
    amount = int(raw) if raw.isdigit() and len(raw) < 9 else 0  # bad input: the service refuses it after its access check
    perform(request, lambda: services.donate_beans(actor=request.user, project_id=project_id, amount=amount, note=note),
            success="感谢您的捐赠", once="charity.donate")
    return redirect("charity:project", project_id=project_id)


@access.capability(*READERS)
def project_cover(request: AuthedRequest, project_id: int) -> FileResponse:
    """The cover, only to those who may read the project (never a public media URL)."""
    project, _ = access_project(request.user, project_id)
    if not project.cover:
        raise Http404
    response = FileResponse(project.cover.open("rb"), content_type=images.content_type(project.cover.name))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _act(request: AuthedRequest, project_id: int, fn: Any, ok: str, **kwargs: Any) -> HttpResponse:
    perform(request, lambda: fn(actor=request.user, project_id=project_id, **kwargs), success=ok,
            once=f"charity.{fn.__name__}")
    return redirect("charity:project", project_id=project_id)


@access.capability("social_org")
@require_POST
def project_submit(request: AuthedRequest, project_id: int) -> HttpResponse:
    return _act(request, project_id, services.submit_project, "已提交审核")


@access.capability("social_org")
@require_POST
def project_withdraw(request: AuthedRequest, project_id: int) -> HttpResponse:
    return _act(request, project_id, services.withdraw_project, "已撤回审核申请")


@access.capability("service_centre")
@require_POST
def project_review(request: AuthedRequest, project_id: int) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        return _act(request, project_id, services.approve_project, "审核通过")
    return _act(request, project_id, services.reject_project, "审核不通过", reason=request.POST.get("reason", ""))


@access.capability("social_org", "service_centre")
@require_POST
def project_shelf(request: AuthedRequest, project_id: int) -> HttpResponse:
    if request.POST.get("shelf") == "on":
        return _act(request, project_id, services.shelve_project, "已上架")
    return _act(request, project_id, services.unshelve_project, "已下架", reason=request.POST.get("reason", ""))


# --- the service centre (CP-1 review) ------------------------------------------------

@access.capability("service_centre")
def centre_queue(request: AuthedRequest) -> HttpResponse:
    return render(request, "charity/centre_queue.html", {
        "projects": selectors.project_review_queue(request.user)[:100],
        "bindings": selectors.binding_review_queue(request.user)[:100],
        "reviews": selectors.review_moderation_queue(request.user)[:100],
    })


@access.capability("service_centre")
def centre_projects(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.centre_projects(request.user, request.GET))
    return render(request, "charity/centre_projects.html", {
        "page_obj": page, "statuses": [(s, ProjectStatus(s).label) for s in CENTRE_STATUSES],
        "categories": ServiceCategory.choices, "status": request.GET.get("status", ""),
        "category": request.GET.get("category", ""), "keep_query": query_without_page(request),
    })


# --- sites (CP-2) ---------------------------------------------------------------------

@access.capability("social_org")
def org_sites(request: AuthedRequest) -> HttpResponse:
    return render(request, "charity/org_sites.html", {"page_obj": paginate(request, selectors.org_sites(request.user))})


def _site_form(request: AuthedRequest, site: ServiceSite | None) -> HttpResponse:
    form = SiteForm(request.POST or None, communities=services.servable_communities(request.user), instance=site)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if site is None:
            done = perform(request, lambda: services.create_site(actor=request.user, data=data), success="站点已保存",
                           form=form, once="charity.create_site")
        else:
            site_id = site.pk
            done = perform(request, lambda: services.update_site(actor=request.user, site_id=site_id, data=data),
                           success="站点已保存", form=form, once="charity.update_site")
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "charity/site_form.html", {"form": form, "site": site})


@access.capability("social_org")
def site_create(request: AuthedRequest) -> HttpResponse:
    return _site_form(request, None)


@access.capability("social_org")
def site_edit(request: AuthedRequest, site_id: int) -> HttpResponse:
    site, access_ = access_site(request.user, site_id)
    if not access_.can_edit:
        return redirect(site.get_absolute_url())
    return _site_form(request, site)


@access.capability(*READERS)
def site_detail(request: AuthedRequest, site_id: int) -> HttpResponse:
    site, access_ = access_site(request.user, site_id)
    return render(request, "charity/site_detail.html", {
        "site": site, "access": access_, "communities": site.communities.all(),
        "message_url": reverse("charity:site_message", args=[site.pk]) if access_.can_message_lead else "",
        "bindings": selectors.site_projects(site, audience=access_.audience),
    })


# --- bindings (CP-2) -------------------------------------------------------------------

@access.capability("social_org")
def binding_create(request: AuthedRequest, project_id: int) -> HttpResponse:
    project, access_ = access_project(request.user, project_id)
    if not access_.is_owner:
        return redirect(project.get_absolute_url())
    form = BindingForm(request.POST or None, sites=selectors.org_sites(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.create_binding(
            actor=request.user, project_id=project_id, site_id=d["site"].pk, service_time=d["service_time"],
            note=d["note"], submit=request.POST.get("action") == "submit"), success="绑定信息已保存", form=form,
                       once="charity.create_binding")
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "charity/binding_form.html", {"form": form, "project": project, "binding": None})


@access.capability("social_org")
def binding_edit(request: AuthedRequest, binding_id: int) -> HttpResponse:
    binding, access_ = access_binding(request.user, binding_id)
    if not access_.can_edit:
        return redirect(binding.get_absolute_url())
    form = BindingForm(request.POST or None, instance=binding)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.update_binding(
            actor=request.user, binding_id=binding_id, service_time=d["service_time"], note=d["note"],
            submit=request.POST.get("action") == "submit"), success="绑定信息已保存", form=form,
                       once="charity.update_binding")
        if done.value is not None:
            return redirect(binding.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "charity/binding_form.html", {"form": form, "project": binding.project, "binding": binding})


@access.capability("social_org", "service_centre", "observe")
def binding_detail(request: AuthedRequest, binding_id: int) -> HttpResponse:
    binding, access_ = access_binding(request.user, binding_id)
    return render(request, "charity/binding_detail.html", {
        "binding": binding, "project": binding.project, "access": access_,
        "events": binding.events.select_related("actor"),
        "slots": binding.slots.order_by("-starts_at", "-id")[:50],
        "slot_form": SlotForm() if access_.is_owner and binding.status == "bound" else None,
    })


def _bind_act(request: AuthedRequest, binding_id: int, fn: Any, ok: str, **kwargs: Any) -> HttpResponse:
    perform(request, lambda: fn(actor=request.user, binding_id=binding_id, **kwargs), success=ok,
            once=f"charity.{fn.__name__}")
    return redirect("charity:binding", binding_id=binding_id)


@access.capability("social_org")
@require_POST
def binding_submit(request: AuthedRequest, binding_id: int) -> HttpResponse:
    return _bind_act(request, binding_id, services.submit_binding, "已提交审核")


@access.capability("social_org")
@require_POST
def binding_withdraw(request: AuthedRequest, binding_id: int) -> HttpResponse:
    return _bind_act(request, binding_id, services.withdraw_binding, "已撤回审核申请")


@access.capability("social_org")
@require_POST
def binding_unbind(request: AuthedRequest, binding_id: int) -> HttpResponse:
    return _bind_act(request, binding_id, services.unbind, "已解除绑定")


@access.capability("service_centre")
@require_POST
def binding_review(request: AuthedRequest, binding_id: int) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        return _bind_act(request, binding_id, services.approve_binding, "审核通过，已完成绑定")
    return _bind_act(request, binding_id, services.reject_binding, "审核不通过", reason=request.POST.get("reason", ""))



# --- plan (CP-3) and progress (CP-4) --------------------------------------------------------

def _milestone_input(form: MilestoneForm) -> services.MilestoneInput:
    d = form.cleaned_data
    return services.MilestoneInput(title=d["title"], target=d["target"], due_on=d["due_on"], weight=d["weight"])


@access.capability("social_org")
def plan(request: AuthedRequest, project_id: int) -> HttpResponse:
    """计划与进度: the milestones with their targets and weights, and the form to add one."""
    project, access_ = access_project(request.user, project_id)
    if not access_.can_plan:
        return redirect(project.get_absolute_url())
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _milestone_input(form)
        if perform(request, lambda: services.add_milestone(actor=request.user, project_id=project_id, data=data),
                   success="项目节点已保存", form=form, once="charity.add_milestone"):
            return redirect("charity:plan", project_id=project_id)
    return render(request, "charity/plan.html", {"project": project, "form": form,
                                                 "milestones": selectors.timeline(project)})


@access.capability("social_org")
def milestone_edit(request: AuthedRequest, milestone_id: int) -> HttpResponse:
    milestone, access_ = access_milestone(request.user, milestone_id)
    if not access_.can_plan:
        return redirect(milestone.project.get_absolute_url())
    form = MilestoneForm(request.POST or None, initial={
        "title": milestone.title, "target": milestone.target, "due_on": milestone.due_on, "weight": milestone.weight})
    if request.method == "POST" and form.is_valid():
        data = _milestone_input(form)
        if perform(request, lambda: services.update_milestone(actor=request.user, milestone_id=milestone_id, data=data),
                   success="项目节点已保存", form=form, once="charity.update_milestone"):
            return redirect("charity:plan", project_id=milestone.project_id)
    return render(request, "charity/milestone_form.html", {"form": form, "milestone": milestone,
                                                           "project": milestone.project})


@access.capability("social_org")
@require_POST
def milestone_delete(request: AuthedRequest, milestone_id: int) -> HttpResponse:
    milestone, _ = access_milestone(request.user, milestone_id)
    perform(request, lambda: services.delete_milestone(actor=request.user, milestone_id=milestone_id),
            success="项目节点已删除", once="charity.delete_milestone")
    return redirect("charity:plan", project_id=milestone.project_id)


@access.capability("social_org")
def progress_create(request: AuthedRequest, milestone_id: int) -> HttpResponse:
    milestone, access_ = access_milestone(request.user, milestone_id)
    if not access_.can_plan:
        return redirect(milestone.project.get_absolute_url())
    form = ProgressForm(request.POST or None, request.FILES or None, initial={"completion": milestone.completion})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.save_progress(actor=request.user, milestone_id=milestone_id,
                                                           completion=d["completion"], evidence=d["evidence"],
                                                           photos=d["photos"]), success="完成情况已保存", form=form,
                   once="charity.save_progress"):
            return redirect("charity:plan", project_id=milestone.project_id)
    return render(request, "charity/progress_form.html", {"form": form, "milestone": milestone, "report": None,
                                                          "project": milestone.project})


@access.capability("social_org")
def progress_edit(request: AuthedRequest, report_id: int) -> HttpResponse:
    report, access_ = access_report(request.user, report_id)
    if not access_.can_plan:
        return redirect(report.project.get_absolute_url())
    form = ProgressForm(request.POST or None, with_photos=False,
                        initial={"completion": report.completion, "evidence": report.evidence})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.update_progress(actor=request.user, report_id=report_id,
                                                             completion=d["completion"], evidence=d["evidence"]),
                   success="完成情况已修改", form=form, once="charity.update_progress"):
            return redirect("charity:plan", project_id=report.project_id)
    return render(request, "charity/progress_form.html", {"form": form, "milestone": report.milestone, "report": report,
                                                          "project": report.project})


@access.capability("social_org")
@require_POST
def progress_delete(request: AuthedRequest, report_id: int) -> HttpResponse:
    report, _ = access_report(request.user, report_id)
    perform(request, lambda: services.delete_progress(actor=request.user, report_id=report_id), success="完成情况已删除",
            once="charity.delete_progress")
    return redirect("charity:plan", project_id=report.project_id)


@access.capability(*READERS)
def progress_photo(request: AuthedRequest, photo_id: int) -> FileResponse:
    photo = access_photo(request.user, photo_id)
    response = FileResponse(photo.image.open("rb"), content_type=images.content_type(photo.image.name))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- residents (CP-7) --------------------------------------------------------------------

@access.capability("member")
def browse(request: AuthedRequest) -> HttpResponse:
    """公益服务: the projects on shelf and the sites that serve the resident's community."""
    return render(request, "charity/browse.html", {
        "page_obj": paginate(request, selectors.served_projects(request.user, request.GET)),
        "sites": selectors.served_sites(request.user)[:50], "categories": ServiceCategory.choices,
        "category": request.GET.get("category", ""), "keep_query": query_without_page(request),
    })


@access.capability("member")
def my_bookings(request: AuthedRequest) -> HttpResponse:
    return render(request, "charity/my_bookings.html", {
        "page_obj": paginate(request, selectors.my_bookings(request.user)), "now": clock.now()})


@access.capability("member")
@require_POST
def slot_book(request: AuthedRequest, slot_id: int) -> HttpResponse:
    slot, _ = access_slot(request.user, slot_id)
    perform(request, lambda: services.book_slot(actor=request.user, slot_id=slot_id), success="预约成功",
            once="charity.book_slot")
    return redirect(slot.project.get_absolute_url())


@access.capability("member")
@require_POST
def booking_cancel(request: AuthedRequest, slot_booking_id: int) -> HttpResponse:
    perform(request, lambda: services.cancel_booking(actor=request.user, booking_id=slot_booking_id),
            success="已取消预约", once="charity.cancel_booking")
    return redirect("charity:my_bookings")


@access.capability("member")
@require_POST
def review_create(request: AuthedRequest, project_id: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        perform(request, lambda: services.review_project(actor=request.user, project_id=project_id, stars=d["stars"],
                                                         text=d["text"]),
                success="评价已提交，社会组织服务中心审核后显示", once="charity.review_project")
    else:
        messages.error(request, "请选择评分并填写评价内容")
    return redirect("charity:project", project_id=project_id)


@access.capability("member")
def site_message(request: AuthedRequest, site_id: int) -> HttpResponse:
    """联系站点负责人: a 信箱 letter to the site's lead."""
    site, access_ = access_site(request.user, site_id)
    if not access_.can_message_lead:
        return redirect(site.get_absolute_url())
    form = LetterForm(request.POST or None, initial={"subject": f"咨询：{site.name}"[:120]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.message_site_lead(actor=request.user, site_id=site_id,
                                                               subject=d["subject"], body=d["body"]),
                   success="信件已发送到站点负责人的信箱", form=form, once="charity.message_site_lead"):
            return redirect(site.get_absolute_url())
    return render(request, "charity/site_message.html", {"site": site, "form": form})


# --- the organisation: slots, bookings and reviews ------------------------------------------

@access.capability("social_org")
@require_POST
def slot_create(request: AuthedRequest, binding_id: int) -> HttpResponse:
    form = SlotForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        perform(request, lambda: services.open_slot(actor=request.user, binding_id=binding_id, title=d["title"],
                                                    starts_at=d["starts_at"], ends_at=d["ends_at"],
                                                    capacity=d["capacity"]), success="已开放预约",
                once="charity.open_slot")
    else:
        access_binding(request.user, binding_id)
        messages.error(request, "请完整填写服务内容、时间和名额")
    return redirect("charity:binding", binding_id=binding_id)


@access.capability("social_org")
def org_bookings(request: AuthedRequest) -> HttpResponse:
    return render(request, "charity/org_bookings.html", {"page_obj": paginate(request, selectors.org_bookings(request.user))})


@access.capability("social_org")
def org_reviews(request: AuthedRequest) -> HttpResponse:
    return render(request, "charity/org_reviews.html", {"page_obj": paginate(request, selectors.org_reviews(request.user))})


@access.capability("service_centre")
@require_POST
def review_moderate(request: AuthedRequest, review_id: int) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        perform(request, lambda: services.approve_review(actor=request.user, review_id=review_id), success="评价已通过",
                once="charity.approve_review")
    else:
        perform(request, lambda: services.reject_review(actor=request.user, review_id=review_id,
                                                        note=request.POST.get("note", "")), success="评价未通过",
                once="charity.reject_review")
    return redirect("charity:centre_queue")


# --- statistics (CP-5) and the observers' view (CP-6) ------------------------------------------

def _stats_page(request: AuthedRequest, figures: stats.Figures, *, heading: str, export_url: str, back: str) -> HttpResponse:
    return render(request, "charity/stats.html", {
        "f": figures, "chart": stats.chart_data(figures), "heading": heading, "export_url": export_url, "back": back,
        "statuses": [(s, ProjectStatus(s).label, figures.by_status.get(s, 0)) for s in ProjectStatus.values],
    })


def _xlsx(figures: stats.Figures, name: str) -> HttpResponse:
    response = HttpResponse(stats.xlsx(figures),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@access.capability("service_centre")
def centre_stats(request: AuthedRequest) -> HttpResponse:
    f = stats.figures(stats.centre_projects(request.user), stats.centre_sites(request.user))
    return _stats_page(request, f, heading="社会公益服务项目数据统计", export_url=reverse("charity:centre_stats_export"),
                       back=reverse("charity:centre_queue"))


@access.capability("service_centre")
def centre_stats_export(request: AuthedRequest) -> HttpResponse:
    return _xlsx(stats.figures(stats.centre_projects(request.user), stats.centre_sites(request.user)), "charity-stats")


@access.capability("social_org")
def org_stats(request: AuthedRequest) -> HttpResponse:
    f = stats.figures(stats.org_projects(request.user), stats.org_sites(request.user))
    return _stats_page(request, f, heading="本组织项目数据统计", export_url=reverse("charity:org_stats_export"),
                       back=reverse("web:home"))


@access.capability("social_org")
def org_stats_export(request: AuthedRequest) -> HttpResponse:
    return _xlsx(stats.figures(stats.org_projects(request.user), stats.org_sites(request.user)), "charity-org-stats")


@access.capability("observe")
def observe(request: AuthedRequest) -> HttpResponse:
    """查看社会组织和社会公益服务项目数据概览, by subdistrict (drill down to one)."""
    f = stats.figures(stats.observer_projects(request.user), stats.observer_sites(request.user), with_rows=False)
    return render(request, "charity/observe.html", {"f": f, "chart": stats.chart_data(f)})


@access.capability("observe")
def observe_export(request: AuthedRequest) -> HttpResponse:
    return _xlsx(stats.figures(stats.observer_projects(request.user), stats.observer_sites(request.user)),
                 "charity-observe")


@access.capability("observe")
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    """One subdistrict: its sites and projects (with progress and ratings), each opening its page."""
    sub = scope.subdistrict_in_scope(request.user, "observe", subdistrict_id)
    projects = stats.observer_projects(request.user).filter(subdistrict_id=sub.pk)
    sites = stats.observer_sites(request.user).filter(subdistrict_id=sub.pk)
    return render(request, "charity/observe_subdistrict.html", {
        "subdistrict": sub, "f": stats.figures(projects, sites, with_rows=False),
        "page_obj": paginate(request, projects.select_related("organisation", "subdistrict").order_by("-starts_on", "-id")),
        "sites": sites.select_related("community").order_by("name", "id")[:100],
    })
