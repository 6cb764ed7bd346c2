"""信箱 pages: one's own letters and notices; writing and answering letters."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import NotFound
from shequtong.common.pagination import paginate
from shequtong.common.perform import perform

from . import policies, selectors, services
from .errors import InboxError
from .forms import LetterForm, ReplyForm


def _box(request: AuthedRequest) -> str:
    box = request.GET.get("box", "all")
    return box if box in selectors.BOXES else "all"


@access.login
def message_list(request: AuthedRequest) -> HttpResponse:
    box = _box(request)
    return render(request, "inbox/list.html", {
        "box": box,
        "page_obj": paginate(request, selectors.messages_for(request.user, box)),
        "unread": selectors.unread_count(request.user),
    })


@access.login
def message_detail(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = services.open_message(actor=request.user, message_id=message_id, request=request)
    ma = policies.message_access(request.user, message)
    return render(request, "inbox/detail.html", {
        "message": message,
        "thread": selectors.thread_of(request.user, message),
        "notices": selectors.notices_about(request.user, message),
        "form": ReplyForm() if ma.can_reply else None,
    })


@access.login
@require_POST
def reply(request: AuthedRequest, message_id: int) -> HttpResponse:
    form = ReplyForm(request.POST)
    if form.is_valid():
        done = perform(request, lambda: services.reply_letter(actor=request.user, message_id=message_id,
                                                              body=form.cleaned_data["body"]), success="回复已发送")
        if done.value is not None:
            return redirect(reverse("inbox:detail", args=[message_id]) + f"#m{done.value.pk}")
    else:
        messages.error(request, "请输入回复内容")
    return redirect("inbox:detail", message_id=message_id)


def _recipient_id(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFound(policies.RECIPIENT_NOT_FOUND, code=InboxError.RECIPIENT_NOT_FOUND) from None


@access.login
def write(request: AuthedRequest) -> HttpResponse:
    """写信: pick a recipient (search by name, masked), then write."""
    recipient_id = _recipient_id(request.POST.get("to") or request.GET.get("to"))
    if recipient_id is None:
        q = request.GET.get("q", "")
        return render(request, "inbox/pick.html", {"q": q, "people": _people(request, q)})
    recipient, _ = policies.access_recipient(request.user, recipient_id)
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, lambda: services.send_letter(actor=request.user, recipient_id=recipient.pk, **form.cleaned_data),
                       success="信件已发送", form=form)
        if done.value is not None:
            return redirect("inbox:detail", message_id=done.value.pk)
    return render(request, "inbox/write.html", {"form": form, "recipient": recipient})


def _people(request: AuthedRequest, q: str) -> list[dict]:
    return [
        {"user": u, "labels": sorted({selectors.grant_label(g) for g in u.reach_grants})}  # type: ignore[attr-defined]
        for u in selectors.recipients_for(request.user, q)
    ]


@access.login
def recipients(request: AuthedRequest) -> HttpResponse:
    """The picker's result list (HTMX live search)."""
    q = request.GET.get("q", "")
    return render(request, "inbox/_people.html", {"q": q, "people": _people(request, q)})
