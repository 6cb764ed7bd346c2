"""我与群众面对面 pages: the committee list, record form, detail with review actions, and the observer view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import DomainError
from shequtong.common.pagination import paginate, query_without_page

from . import selectors, services
from .forms import ContactForm, ReturnForm, VisitForm
from .models import PUBLISHED_STATUSES, Status, Visit, VisitType


def _filter_context(request: AuthedRequest, filters: selectors.Filters, statuses: Any) -> dict[str, Any]:
    return {
        "filters": filters, "types": VisitType.choices, "statuses": statuses,
        "keep_query": query_without_page(request),
    }


# --- committee version -------------------------------------------------------------------

@access.capability("committee")
def visit_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.Filters.from_query(request.GET)
    page = paginate(request, selectors.committee_visits(request.user, filters))
    is_secretary = scope.has_capability(request.user, "secretary")
    return render(request, "visits/list.html", {
        "page_obj": page, "is_secretary": is_secretary,
        "pending": selectors.review_queue(request.user).count() if is_secretary else 0,
        **_filter_context(request, filters, Status.choices),
    })


def _selected_person(request: AuthedRequest, form: VisitForm, visit: Visit | None) -> User | None:
    person_id = form.data.get("person") if form.is_bound else (visit.person_id if visit else None)
    if not person_id or not str(person_id).isdigit():
        return None
    person = User.objects.filter(pk=int(person_id)).first()
    community_id = visit.community_id if visit else form.data.get("community")
    if person is None or not community_id or not str(community_id).isdigit():
        return None
    community = selectors.work_communities(request.user).filter(pk=int(community_id)).first()
    if community is None or not services.is_member_of(person.pk, community):
        return None
    return person


def _form_page(request: AuthedRequest, visit: Visit | None) -> HttpResponse:
    community_qs = selectors.work_communities(request.user)
    communities = list(community_qs)
    form = VisitForm(request.POST or None, request.FILES or None, communities=community_qs, instance=visit)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            if visit is None:
                visit = services.create_visit(actor=request.user, data=form.to_input(), submit=submit)
            else:
                visit = services.update_visit(actor=request.user, visit_id=visit.pk, data=form.to_input(), submit=submit)
        except DomainError as exc:
            for name, message in getattr(exc, "errors", {exc.field or "__all__": exc.message}).items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, "已提交审核" if submit else "已保存草稿")
            return redirect(visit.get_absolute_url())
    return render(request, "visits/form.html", {
        "form": form, "visit": visit, "single_community": len(communities) == 1,
        "community_id": visit.community_id if visit else (communities[0].pk if communities else ""),
        "selected_person": _selected_person(request, form, visit),
    })


@access.capability("committee")
def visit_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(request, None)


@access.capability("committee")
def visit_edit(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_for(request.user, visit_id)
    if visit.created_by_id != request.user.pk or not visit.is_editable:
        messages.error(request, "该记录已提交，不能再修改")
        return redirect(visit.get_absolute_url())
    return _form_page(request, visit)


@access.capability("committee")
def people(request: AuthedRequest) -> HttpResponse:
    """The member picker (HTMX fragment): masked names and phones only."""
    community_id = request.GET.get("community", "")
    community = selectors.work_communities(request.user).filter(pk=int(community_id)).first() if community_id.isdigit() else None
    if community is None:
        community = selectors.work_communities(request.user).first()
    query = request.GET.get("person_q", "")
    found = selectors.members_matching(request.user, community, query) if community else []
    return render(request, "visits/_people.html", {"people": found, "query": query})


@access.capability("committee", "observe")
def visit_detail(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_for(request.user, visit_id)
    user = request.user
    where = {"community_id": visit.community_id, "subdistrict_id": visit.subdistrict_id}
    is_author = visit.created_by_id == user.pk
    is_secretary = scope.scope_for(user, "secretary").covers(**where)
    is_staff = scope.scope_for(user, "committee").covers(**where)
    problems = list(visit.problems.all())
    return render(request, "visits/detail.html", {
        "visit": visit, "problems": problems,
        "events": visit.events.select_related("actor"),
        "can_edit": is_author and visit.is_editable,
        "can_delete": is_author and visit.status == Status.DRAFT,
        "can_review": is_secretary and visit.status == Status.SUBMITTED,
        "can_archive": is_secretary and visit.status == Status.APPROVED,
        "can_send": is_secretary and visit.is_published and any(not p.is_sent for p in problems),
        "can_contact": is_staff and visit.is_member and visit.status != Status.DRAFT,
        "return_form": ReturnForm(),
        "observer_view": not is_staff,
    })


def _act(request: AuthedRequest, visit_id: int, fn: Any, ok: str, **kwargs: Any) -> HttpResponse:
    try:
        fn(actor=request.user, visit_id=visit_id, **kwargs)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("visits:detail", visit_id=visit_id)


@access.capability("committee")
@require_POST
def visit_submit(request: AuthedRequest, visit_id: int) -> HttpResponse:
    return _act(request, visit_id, services.submit_visit, "已提交审核")


@access.capability("committee")
@require_POST
def visit_delete(request: AuthedRequest, visit_id: int) -> HttpResponse:
    try:
        services.delete_visit(actor=request.user, visit_id=visit_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("visits:detail", visit_id=visit_id)
    messages.success(request, "草稿已删除")
    return redirect("visits:list")


@access.capability("secretary")
@require_POST
def visit_review(request: AuthedRequest, visit_id: int) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        return _act(request, visit_id, services.approve_visit, "审核通过")
    return _act(request, visit_id, services.return_visit, "已退回", reason=request.POST.get("reason", ""))


@access.capability("secretary")
@require_POST
def visit_archive(request: AuthedRequest, visit_id: int) -> HttpResponse:
    return _act(request, visit_id, services.archive_visit, "已归档")


@access.capability("secretary")
@require_POST
def visit_send(request: AuthedRequest, visit_id: int) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("problem") if v.isdigit()]
    return _act(request, visit_id, services.send_to_cases, "已记录到问题跟踪", problem_ids=ids)


@access.capability("committee")
def visit_contact(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_for(request.user, visit_id)
    form = ContactForm(request.POST or None, initial={"subject": f"关于“{visit.title}”"[:100]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fn = services.send_email if d["channel"] == "email" else services.write_letter
        try:
            fn(actor=request.user, visit_id=visit.pk, subject=d["subject"], body=d["body"])
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "邮件已进入发送队列" if d["channel"] == "email" else "信件已发送到对方信箱")
            return redirect(visit.get_absolute_url())
    return render(request, "visits/contact.html", {"visit": visit, "form": form})


@access.capability("committee", "observe")
def visit_audio(request: AuthedRequest, visit_id: int) -> FileResponse:
    """The clip, only to those who may read the record (never a public media URL)."""
    visit = selectors.visit_for(request.user, visit_id)
    if not visit.audio:
        raise Http404
    response = FileResponse(visit.audio.open("rb"), content_type=visit.audio_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


# --- observer version --------------------------------------------------------------------

@access.capability("observe")
def observe(request: AuthedRequest) -> HttpResponse:
    return render(request, "visits/observe.html", {
        "totals": selectors.observer_totals(request.user),
        "rows": selectors.subdistrict_counts(request.user),
        "types": VisitType.choices,
        "statuses": [(s, Status(s).label) for s in PUBLISHED_STATUSES],
    })


@access.capability("observe")
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    sub = selectors.subdistrict_for(request.user, subdistrict_id)
    return render(request, "visits/observe_subdistrict.html", {
        "subdistrict": sub, "rows": selectors.community_counts(request.user, sub),
    })


@access.capability("observe")
def observe_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.Filters.from_query(request.GET)
    sub_id = request.GET.get("subdistrict", "")
    comm_id = request.GET.get("community", "")
    subdistrict = selectors.subdistrict_for(request.user, int(sub_id)) if sub_id.isdigit() else None
    community = selectors.community_for(request.user, int(comm_id)) if comm_id.isdigit() else None
    qs = selectors.observer_visits(request.user, filters, subdistrict_id=subdistrict.pk if subdistrict else None,
                                   community_id=community.pk if community else None)
    return render(request, "visits/observe_list.html", {
        "page_obj": paginate(request, qs), "subdistrict": subdistrict, "community": community,
        "hidden": [("community", community.pk)] if community else [("subdistrict", subdistrict.pk)] if subdistrict else [],
        **_filter_context(request, filters, [(s, Status(s).label) for s in PUBLISHED_STATUSES]),
    })
