"""Case pages: 问题提醒/问题跟踪 lists, 我的问题, detail with handling, ratings, export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock, pages
from shequtong.common.categories import Category
from shequtong.common.errors import PermissionRefused
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import overdue, selectors, services
from .forms import ActionForm, CaseFilterForm, CategoryForm, RatingForm, ReassignForm
from .models import SOURCE_FILTER_LABELS, Source, Status


def _capability(request: AuthedRequest) -> str:
    cap = selectors.list_capability(request.user)
    if cap is None:
        raise PermissionRefused
    return cap


def _back(request: AuthedRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@access.capability("committee", "patrol")
def case_list(request: AuthedRequest) -> HttpResponse:
    cap = _capability(request)
    form = CaseFilterForm(request.GET or None)
    f = form.to_filter() if request.GET else selectors.CaseFilter()
    now = clock.now()
    if f == selectors.CaseFilter():  # the list as it opens: rows and total from SQL compiled once (common/prepared.py)
        page_obj = paginate(request, lambda: selectors.cases_for(request.user, cap).only(*selectors.LIST_FIELDS),
                            window=lambda start, stop: selectors.case_rows(request.user, cap, start, stop),
                            count_from=lambda: selectors.case_count(request.user, cap))
    else:
        qs = selectors.filter_cases(selectors.cases_for(request.user, cap), f, now)
        page_obj = paginate(request, qs.only(*selectors.LIST_FIELDS))  # the columns a row shows
    counts = selectors.bucket_counts(request.user, cap, now)
    return pages.render(request, "cases/list.jinja", {
        "cap": cap, "widgets": form.widgets(), "filter": f, "keep_query": query_without_page(request),
        "page_obj": page_obj,
        "overdue_counts": [(b.value, b.label, counts[b.value]) for b in overdue.Overdue],
        "choices": selectors.filter_choices(request.user, cap, f.subdistrict_id),
        "title": "问题提醒" if cap == "committee" else "问题跟踪", "show_place": cap == "patrol",
    })


@access.capability("committee", "patrol")
def case_export(request: AuthedRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    f = form.to_filter() if request.GET else selectors.CaseFilter()
    data = services.export_cases(actor=request.user, filters=f, request=request)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cases-{clock.file_stamp()}.xlsx"'
    return response


@access.login
def my_cases(request: AuthedRequest) -> HttpResponse:
    qs = selectors.my_cases(request.user)
    source = request.GET.get("source", "")
    status = request.GET.get("status", "")
    if source in Source.values:
        qs = qs.filter(source=source)
    if status in Status.values:
        qs = qs.filter(status=status)
    return render(request, "cases/mine.html", {
        "page_obj": paginate(request, qs), "keep_query": query_without_page(request), "source": source, "status": status,
        "sources": SOURCE_FILTER_LABELS.items(), "statuses": Status.choices,
    })


@access.login
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    case, case_access = selectors.read_case(request.user, case_id, request=request)
    can_handle = case_access.can_handle
    events = list(selectors.history(case))
    if case_access.resident_view:
        events = [e for e in events if e.is_public]
    return render(request, "cases/detail.html", {
        "case": case, "access": case_access, "events": events,
        "colleagues": list(services.colleagues(request.user, case)) if can_handle and case.is_open else [],
        "rating": getattr(case, "rating", None),
        "actions": [(name, services.ACTIONS[name]) for name in services.allowed_actions(case)] if can_handle else [],
        "category_form": CategoryForm(initial={"category": case.category}) if can_handle else None,
        "categories": Category.choices,
        "rating_form": RatingForm() if case_access.can_rate else None,
        "delivery": selectors.escalation_delivery(case) if case_access.sees_delivery else None,
        "attempts": selectors.escalation_attempts(case) if case_access.sees_delivery else [],
        "community_rating": selectors.rating_stat(case.community_id) if can_handle else None,
    })


@access.capability("committee")
@require_POST
def set_category(request: AuthedRequest, case_id: int) -> HttpResponse:
    form = CategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择问题标签")
    else:
        perform(request, lambda: services.set_category(actor=request.user, case_id=case_id,
                                                       category=form.cleaned_data["category"]),
                success="已设置问题标签")
    return redirect("cases:detail", case_id)


@access.capability("committee")
@require_POST
def act(request: AuthedRequest, case_id: int) -> HttpResponse:
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作有误，请重试")
        return redirect("cases:detail", case_id)
    action = form.cleaned_data["action"]
    perform(request, lambda: services.handle_case(actor=request.user, case_id=case_id, action=action,
                                                  note=form.cleaned_data["note"]),
            success=f"已{services.ACTIONS[action].label}", once="cases.handle")
    return redirect("cases:detail", case_id)


@access.capability("committee")
@require_POST
def reassign(request: AuthedRequest, case_id: int) -> HttpResponse:
    """转派: hand the case to a colleague of the committee."""
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择本居村委的同事")
        return redirect("cases:detail", case_id)
    perform(request, lambda: services.reassign_case(actor=request.user, case_id=case_id,
                                                    assignee_id=form.cleaned_data["assignee"], note=form.cleaned_data["note"]),
            success="已转派", once="cases.reassign")
    return redirect("cases:detail", case_id)


@access.login
@require_POST
def rate(request: AuthedRequest, case_id: int) -> HttpResponse:
    form = RatingForm(request.POST)
    fallback = f"/cases/{case_id}/"
    if not form.is_valid():
        messages.error(request, "请选择1到5星")
        return redirect(_back(request, fallback))
    perform(request, lambda: services.rate_case(actor=request.user, case_id=case_id, stars=form.cleaned_data["stars"],
                                                feedback=form.cleaned_data["feedback"]),
            success="感谢您的评价")
    return redirect(_back(request, fallback))


@access.capability("committee", "patrol")
def ratings(request: AuthedRequest) -> HttpResponse:
    """评分's lists: the committee's own ratings; for the patrol a community's (the drill-down's leaf) or all of them.

    The patrol's figures per subdistrict and community live in the observer room (observe.drills.ratings):
    this address without a list leads there, after the same scope check.
    """
    cap = _capability(request)
    user = request.user
    ctx: dict[str, object] = {"cap": cap}
    if cap == "committee":
        community = scope.work_community(user)
        ctx.update(summary=selectors.overall_average(user, cap), community=community,
                   page_obj=paginate(request, selectors.ratings_for(user, cap)))
        return render(request, "cases/ratings.html", ctx)
    community_id = _int(request.GET.get("community"))
    subdistrict_id = _int(request.GET.get("subdistrict"))
    if community_id:
        community = scope.community_in_scope(user, cap, community_id)
        ctx.update(community=community, subdistrict=community.subdistrict,
                   summary=_summary(selectors.rating_stat(community.pk)),
                   page_obj=paginate(request, selectors.ratings_for(user, cap, community_id=community.pk)),
                   keep_query=query_without_page(request))
        return render(request, "cases/ratings.html", ctx)
    sub = scope.subdistrict_in_scope(user, cap, subdistrict_id) if subdistrict_id else None
    if request.GET.get("all"):
        ctx.update(subdistrict=sub, summary=selectors.overall_average(user, cap) if sub is None else
                   _summary_of(selectors.subdistrict_averages(user), sub.pk),
                   page_obj=paginate(request, selectors.ratings_for(user, cap, subdistrict_id=sub.pk if sub else None)),
                   keep_query=query_without_page(request))
        return render(request, "cases/ratings.html", ctx)
    return redirect(reverse("observe:ratings") + (f"?subdistrict={sub.pk}" if sub is not None else ""))


def _summary(stat: object) -> dict[str, object]:
    if stat is None:
        return {"ratings": 0, "average": None}
    return {"ratings": stat.ratings, "average": stat.average}  # type: ignore[attr-defined]


def _summary_of(rows: list[dict[str, object]], subdistrict_id: int) -> dict[str, object]:
    return next((r for r in rows if r["subdistrict"].pk == subdistrict_id), {"ratings": 0, "average": None})  # type: ignore[attr-defined]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
