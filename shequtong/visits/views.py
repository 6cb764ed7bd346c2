"""我与群众面对面 pages: the committee list, record form, detail with review actions, and the observer view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import DomainError
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform
from shequtong.integrations import speech

from . import selectors, services
from .forms import ContactForm, ReturnForm, VisitForm
from .models import PUBLISHED_STATUSES, Status, Visit, VisitType
from .policies import access_visit


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


def _further_errors(form: Form, error: DomainError | None) -> None:
    """The service checks every field at once; perform put the first on the form, these are the rest."""
    for name, message in list(getattr(error, "errors", {}).items())[1:]:
        form.add_error(name if name in form.fields else None, message)


def _form_page(request: AuthedRequest, visit: Visit | None) -> HttpResponse:
    community_qs = selectors.work_communities(request.user)
    communities = list(community_qs)
    form = VisitForm(request.POST or None, request.FILES or None, communities=community_qs, instance=visit)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        data = form.to_input()
        if visit is None:
            done = perform(request, lambda: services.create_visit(actor=request.user, data=data, submit=submit),
                           success="已提交审核" if submit else "已保存草稿", form=form)
        else:
            visit_id = visit.pk
            done = perform(request, lambda: services.update_visit(actor=request.user, visit_id=visit_id, data=data,
                                                                  submit=submit),
                           success="已提交审核" if submit else "已保存草稿", form=form)
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "visits/form.html", {
        "form": form, "visit": visit, "single_community": len(communities) == 1,
        "community_id": visit.community_id if visit else (communities[0].pk if communities else ""),
        "selected_person": _selected_person(request, form, visit),
        "speech_configured": speech.configured(),
    })


@access.capability("committee")
def visit_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(request, None)


@access.capability("committee")
def visit_edit(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit, access_ = access_visit(request.user, visit_id)
    if not access_.can_edit:
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
    visit, access_ = selectors.read_visit(request.user, visit_id, request=request)
    problems = list(visit.problems.all())
    return render(request, "visits/detail.html", {
        "visit": visit, "problems": problems, "access": access_,
        "events": visit.events.select_related("actor"),
        "can_send": access_.can_send_any(problems),
        "return_form": ReturnForm(),
    })


def _act(request: AuthedRequest, visit_id: int, fn: Any, ok: str, **kwargs: Any) -> HttpResponse:
    perform(request, lambda: fn(actor=request.user, visit_id=visit_id, **kwargs), success=ok)
    return redirect("visits:detail", visit_id=visit_id)


@access.capability("committee")
@require_POST
def visit_submit(request: AuthedRequest, visit_id: int) -> HttpResponse:
    return _act(request, visit_id, services.submit_visit, "已提交审核")


@access.capability("committee")
@require_POST
def visit_delete(request: AuthedRequest, visit_id: int) -> HttpResponse:
    if perform(request, lambda: services.delete_visit(actor=request.user, visit_id=visit_id), success="草稿已删除"):
        return redirect("visits:list")
    return redirect("visits:detail", visit_id=visit_id)


@access.capability("secretary", "observe")
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
    visit, _ = access_visit(request.user, visit_id)
    form = ContactForm(request.POST or None, initial={"subject": f"关于“{visit.title}”"[:100]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fn, success = {
            "email": (services.send_email, "邮件已进入发送队列"),
            "group": (services.write_in_group, "已在群聊中发送，对方可在小区群中回复"),
        }.get(d["channel"], (services.write_letter, "信件已发送到对方信箱"))
        if perform(request, lambda: fn(actor=request.user, visit_id=visit_id, subject=d["subject"], body=d["body"]),
                   success=success, form=form, once=f"visits.contact.{d['channel']}"):
            return redirect(visit.get_absolute_url())
    return render(request, "visits/contact.html", {"visit": visit, "form": form})


@access.capability("committee", "observe")
def visit_audio(request: AuthedRequest, visit_id: int) -> FileResponse:
    """The clip, only to those who may read the record (never a public media URL)."""
    visit, _ = access_visit(request.user, visit_id)
    if not visit.audio:
        raise Http404
    response = FileResponse(visit.audio.open("rb"), content_type=visit.audio_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


# --- observer version --------------------------------------------------------------------

@access.capability("observe")
def observe(request: AuthedRequest) -> HttpResponse:
    """The drill-down lives in the observer room (observe.drills.visits); these addresses lead there."""
    return redirect(reverse("observe:visits"))


@access.capability("observe")
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    sub = scope.subdistrict_in_scope(request.user, "observe", subdistrict_id)
    return redirect(reverse("observe:visits") + f"?subdistrict={sub.pk}")


@access.capability("observe")
def observe_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.Filters.from_query(request.GET)
    sub_id = request.GET.get("subdistrict", "")
    comm_id = request.GET.get("community", "")
    subdistrict = scope.subdistrict_in_scope(request.user, "observe", int(sub_id)) if sub_id.isdigit() else None
    community = scope.community_in_scope(request.user, "observe", int(comm_id)) if comm_id.isdigit() else None
    qs = selectors.observer_visits(request.user, filters, subdistrict_id=subdistrict.pk if subdistrict else None,
                                   community_id=community.pk if community else None)
    return render(request, "visits/observe_list.html", {
        "page_obj": paginate(request, qs), "subdistrict": subdistrict, "community": community,
        "hidden": [("community", community.pk)] if community else [("subdistrict", subdistrict.pk)] if subdistrict else [],
        **_filter_context(request, filters, [(s, Status(s).label) for s in PUBLISHED_STATUSES]),
    })
