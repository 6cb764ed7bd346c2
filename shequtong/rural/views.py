"""乡村振兴 pages: the villages' board, detail with like and sign-up, 我的报名, the 农委's
management (list, form, review, publish, pin, sign-up lists and export) and the observers' counts.

Thin over selectors and services; ``policies.access_item`` answers what the reader may do.
Urban residents and committees find nothing here (404), as for a missing page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.errors import DomainError
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import selectors, services
from .forms import ItemForm
from .models import ItemImage, ItemType, Status
from .policies import access_item, is_admin, may_open_board, village_of

# Who reaches the pages at all; the policies decide the rest (villages only, published only).
READERS = ("member", "committee", "rural_admin", "observe")
COUNTERS = ("rural_admin", "observe")


def _require_board(request: AuthedRequest) -> None:
    if not may_open_board(request.user):
        raise Http404("乡村振兴版块只对农村社区开放")


def _filter_context(request: AuthedRequest, filters: selectors.Filters) -> dict[str, Any]:
    return {"filters": filters, "types": ItemType.choices, "keep_query": query_without_page(request)}


# --- the board (villagers, village committees, observers, the 农委) -----------------------------

@access.capability(*READERS)
def board(request: AuthedRequest) -> HttpResponse:
    _require_board(request)
    filters = selectors.Filters.from_query(request.GET)
    page = paginate(request, selectors.board_items(filters))
    return render(request, "rural/board.html", {
        "page_obj": page, "liked": selectors.liked_ids(request.user, page), "village": village_of(request.user),
        "is_admin": is_admin(request.user), **_filter_context(request, filters),
    })


@access.capability(*READERS)
def detail(request: AuthedRequest, item_id: int) -> HttpResponse:
    item, access_ = access_item(request.user, item_id)
    if services.record_read(actor=request.user, item_id=item.pk):
        item.read_count += 1
    signed_up = bool(selectors.signed_up_ids(request.user, [item])) if access_.can_sign_up else False
    now = clock.now()
    return render(request, "rural/detail.html", {
        "item": item, "access": access_, "images": list(item.images.all()),
        "liked": bool(selectors.liked_ids(request.user, [item])), "signed_up": signed_up,
        "deadline_passed": bool(item.signup_deadline and now > item.signup_deadline),
        "village_counts": selectors.item_village_counts(request.user, item) if (access_.is_admin or access_.is_observer) else None,
        "events": item.events.select_related("actor") if access_.is_admin else None,
    })


@access.capability(*READERS)
def image(request: AuthedRequest, picture_id: int) -> FileResponse:
    """An item's image, only to those who may read the item (never a public media URL)."""
    row = ItemImage.objects.filter(pk=picture_id).first()
    if row is None:
        raise Http404
    access_item(request.user, row.item_id)
    response = FileResponse(row.image.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _act(request: AuthedRequest, item_id: int, fn: Any, ok: str, once: str = "", **kwargs: Any) -> HttpResponse:
    # A double tap on 点赞 must not undo the like, nor a second 报名 show an error: one key, one write.
    perform(request, lambda: fn(actor=request.user, item_id=item_id, **kwargs), success=ok,
            once=once or f"rural.{fn.__name__}")
    return redirect("rural:detail", item_id=item_id)


@access.capability(*READERS)
@require_POST
def like(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.toggle_like, "")


@access.capability("member", "committee")
@require_POST
def sign_up(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.sign_up, "报名成功", once="rural.sign_up")


@access.capability("member", "committee")
@require_POST
def cancel(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.cancel_sign_up, "已取消报名")


@access.capability("member", "committee")
def mine(request: AuthedRequest) -> HttpResponse:
    """我的报名: the activities the villager signed up for."""
    if village_of(request.user) is None:
        raise Http404("乡村振兴版块只对农村社区开放")
    return render(request, "rural/mine.html", {"page_obj": paginate(request, selectors.my_signups(request.user)),
                                               "now": clock.now()})


# --- the 农委 -----------------------------------------------------------------------------------

@access.capability("rural_admin")
def manage(request: AuthedRequest) -> HttpResponse:
    filters = selectors.Filters.from_query(request.GET)
    return render(request, "rural/manage.html", {
        "page_obj": paginate(request, selectors.admin_items(request.user, filters)),
        "statuses": Status.choices, "status_counts": selectors.admin_status_counts(request.user),
        "pending": selectors.review_queue(request.user).count(), "totals": selectors.totals(request.user),
        **_filter_context(request, filters),
    })


def _further_errors(form: ItemForm, error: DomainError | None) -> None:
    """The service checks every field at once; perform put the first on the form, these are the rest."""
    for name, message in list(getattr(error, "errors", {}).items())[1:]:
        form.add_error(name if name in form.fields else None, message)


def _form_page(request: AuthedRequest, item_id: int | None) -> HttpResponse:
    item = None
    if item_id is not None:
        item, access_ = access_item(request.user, item_id)
        if not access_.can_edit:
            messages.error(request, "该信息已提交，不能再修改")
            return redirect(item.get_absolute_url())
    form = ItemForm(request.POST or None, request.FILES or None, instance=item)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        ok = "已提交审核" if submit else "已保存草稿"
        remove = tuple(int(v) for v in request.POST.getlist("remove_image") if v.isdigit())
        data = form.to_input(remove)
        if item is None:
            done = perform(request, lambda: services.create_item(actor=request.user, data=data, submit=submit),
                           success=ok, form=form, once="rural.create_item")
        else:
            pk = item.pk
            done = perform(request, lambda: services.update_item(actor=request.user, item_id=pk, data=data,
                                                                 submit=submit), success=ok, form=form,
                           once="rural.update_item")
        if done.value is not None:
            return redirect(done.value.get_absolute_url())
        _further_errors(form, done.error)
    return render(request, "rural/form.html", {"form": form, "item": item})


@access.capability("rural_admin")
def create(request: AuthedRequest) -> HttpResponse:
    return _form_page(request, None)


@access.capability("rural_admin")
def edit(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _form_page(request, item_id)


@access.capability("rural_admin")
@require_POST
def delete(request: AuthedRequest, item_id: int) -> HttpResponse:
    if perform(request, lambda: services.delete_item(actor=request.user, item_id=item_id), success="草稿已删除",
               once="rural.delete_item"):
        return redirect("rural:manage")
    return redirect("rural:detail", item_id=item_id)


@access.capability("rural_admin")
@require_POST
def submit(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.submit_item, "已提交审核")


@access.capability("rural_admin")
@require_POST
def review(request: AuthedRequest, item_id: int) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        return _act(request, item_id, services.approve_item, "审核通过")
    return _act(request, item_id, services.reject_item, "审核不通过", reason=request.POST.get("reason", ""))


@access.capability("rural_admin")
@require_POST
def publish(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.publish_item, "已发布")


@access.capability("rural_admin")
@require_POST
def send_back(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.send_back_item, "已退回", reason=request.POST.get("reason", ""))


@access.capability("rural_admin")
@require_POST
def end(request: AuthedRequest, item_id: int) -> HttpResponse:
    if perform(request, lambda: services.end_item(actor=request.user, item_id=item_id), success="已终止，该信息不再显示",
               once="rural.end_item"):
        return redirect("rural:manage")
    return redirect("rural:detail", item_id=item_id)


@access.capability("rural_admin")
@require_POST
def pin(request: AuthedRequest, item_id: int) -> HttpResponse:
    if request.POST.get("unpin"):
        return _act(request, item_id, services.unpin_item, "已取消置顶")
    raw = request.POST.get("order", "").strip()
    order = int(raw) if raw.isdigit() else None
    if raw and order is None:
        messages.error(request, "置顶顺序为1到99")
        return redirect("rural:detail", item_id=item_id)
    return _act(request, item_id, services.pin_item, "已置顶", order=order)


# --- sign-up lists (the 农委: every village; observers: their villages) ------------------------

def _community_param(request: AuthedRequest) -> int | None:
    raw = request.GET.get("community", "")
    return int(raw) if raw.isdigit() else None


@access.capability(*COUNTERS)
def signups(request: AuthedRequest, item_id: int) -> HttpResponse:
    item, access_ = access_item(request.user, item_id)
    if not access_.can_see_signups:
        raise Http404("该信息没有报名名单")
    community_id = _community_param(request)
    village = selectors.rural_village_in_scope(request.user, community_id) if community_id else None
    return render(request, "rural/signups.html", {
        "item": item, "village": village, "page_obj": paginate(request, selectors.signups(request.user, item,
                                                                               community_id=community_id)),
        "villages": selectors.item_village_counts(request.user, item), "keep_query": query_without_page(request),
    })


@access.capability(*COUNTERS)
def signups_export(request: AuthedRequest, item_id: int) -> HttpResponse:
    community_id = _community_param(request)
    if community_id:
        selectors.rural_village_in_scope(request.user, community_id)
    done = perform(request, lambda: services.export_signups(actor=request.user, item_id=item_id,
                                                             community_id=community_id, request=request))
    if done.value is None:
        return redirect("rural:detail", item_id=item_id)
    _item, data = done.value
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rural-signups-{item_id}-{clock.file_stamp()}.xlsx"'
    return response


# --- counts, level by level (RV-1 counts, RV-3) ------------------------------------------------

@access.capability(*COUNTERS)
def observe(request: AuthedRequest) -> HttpResponse:
    return render(request, "rural/observe.html", {
        "totals": selectors.totals(request.user), "rows": selectors.subdistrict_counts(request.user),
    })


@access.capability(*COUNTERS)
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    sub = selectors.rural_subdistrict_in_scope(request.user, subdistrict_id)
    return render(request, "rural/observe_subdistrict.html", {
        "subdistrict": sub, "rows": selectors.village_counts(request.user, sub),
    })


@access.capability(*COUNTERS)
def observe_village(request: AuthedRequest, community_id: int) -> HttpResponse:
    village = selectors.rural_village_in_scope(request.user, community_id)
    return render(request, "rural/observe_village.html", {
        "village": village, "rows": selectors.village_items(request.user, village),
    })


