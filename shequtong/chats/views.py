"""小区群 pages and HTMX fragments; thin over selectors and services."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import Conflict, NotFound, PermissionRefused
from shequtong.common.pagination import paginate
from shequtong.common.perform import Outcome, perform
from shequtong.places.models import Estate

from . import live, policies, selectors, services
from .forms import AnnouncementForm, GroupForm, HideForm, MessageForm, ResidentGroupForm
from .models import GroupChat, GroupMessage
from .policies import GroupAccess

POLL_SECONDS = 3
# With a live stream the poller is only a safety net.
POLL_SECONDS_WITH_STREAM = 30


def _int(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)  # type: ignore[arg-type]
    except ValueError:
        raise NotFound() from None
    return value if value >= 0 else None


def _message_context(request: AuthedRequest, group: GroupChat, ga: GroupAccess, rows: list[GroupMessage]) -> dict[str, Any]:
    return {
        "group": group,
        "ga": ga,
        "rows": rows,
        "mentioned": selectors.mentioned_by(request.user, rows),
        "at_label": "@" + group.community.committee_label,
    }


def _in_fragment(request: AuthedRequest, action: Any) -> Outcome[Any]:
    """Run a service whose refusal is shown inside an HTMX fragment, not as a message on the next page.

    perform() puts a refusal on a form when given one; this empty form only
    collects it, and the caller renders ``outcome.error``.
    """
    return perform(request, action, form=forms.Form(data={}))


def _refuse_unless(allowed: bool, message: str) -> None:
    """Pages answer a refusal of the actor's role with 403, as the API does (not with a message)."""
    if not allowed:
        raise PermissionRefused(message)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _streams(request: HttpRequest) -> bool:
    """Offer Server-Sent Events only with Redis and an ASGI process for the stream (live.offered).

    Under WSGI Django would buffer an async stream to its end, so without the
    live process the page would learn nothing live: poll instead.
    """
    return live.offered(request)


def _poll_seconds(request: HttpRequest) -> int:
    return POLL_SECONDS_WITH_STREAM if _streams(request) else POLL_SECONDS


# --- lists -----------------------------------------------------------------------

@access.login
def group_list(request: AuthedRequest) -> HttpResponse:
    """小区群: the groups I belong to (as resident or committee staff)."""
    community = scope.version_community(request.user, scope.current_version(request.user))
    return render(request, "chats/list.html", {
        "page_obj": paginate(request, selectors.groups_for(request.user)),
        "can_create": bool(policies.resident_estate_ids(request.user)),
        "is_staff": scope.has_capability(request.user, "committee"),
        "rural": community is not None and community.is_rural,
    })


@access.capability("committee")
def manage(request: AuthedRequest) -> HttpResponse:
    """小区群管理: every group of my community, and the messages we have hidden."""
    tab = "hidden" if request.GET.get("tab") == "hidden" else "groups"
    qs = selectors.hidden_messages_for(request.user) if tab == "hidden" else selectors.managed_groups(request.user)
    return render(request, "chats/manage.html", {"tab": tab, "page_obj": paginate(request, qs)})


@access.capability("committee")
def create_group(request: AuthedRequest) -> HttpResponse:
    communities = list(scope.scope_for(request.user, "committee").communities().order_by("id"))
    if not communities:
        raise PermissionRefused("您不在任何居村委任职")
    chosen = _int(request.POST.get("community") or request.GET.get("community"))
    community = next((c for c in communities if c.pk == chosen), communities[0])
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, lambda: services.create_group(
            actor=request.user, community_id=community.pk, name=form.cleaned_data["name"]),
            success="群聊已创建，请添加成员", form=form)
        if done.value is not None:
            return redirect("chats:members", group_id=done.value.pk)
    return render(request, "chats/create.html", {"form": form, "communities": communities, "community": community})


@access.capability("member")
def create_resident_group(request: AuthedRequest) -> HttpResponse:
    """A resident creates a group of neighbours in their estate (§3.4.1 item 2.11)."""
    estates = list(Estate.objects.filter(pk__in=sorted(policies.resident_estate_ids(request.user)))
                   .select_related("community").order_by("id"))
    if not estates:
        raise PermissionRefused("登记所在小区后才能建群")
    chosen = _int(request.POST.get("estate") or request.GET.get("estate"))
    estate = next((e for e in estates if e.pk == chosen), estates[0])
    form = ResidentGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, lambda: services.create_resident_group(
            actor=request.user, estate_id=estate.pk, name=form.cleaned_data["name"]),
            success="群聊已创建，请邀请邻居", form=form, once="chats.create_resident_group")
        if done.value is not None:
            return redirect("chats:members", group_id=done.value.pk)
    return render(request, "chats/create_resident.html", {"form": form, "estates": estates, "estate": estate})


@access.capability("observe_chats")
def observe(request: AuthedRequest) -> HttpResponse:
    """Patrol staff choose a community in their scope to look at its groups (read-only)."""
    q = request.GET.get("q", "")
    return render(request, "chats/observe.html", {
        "q": q, "page_obj": paginate(request, selectors.observable_communities(request.user, q)),
    })


@access.capability("observe_chats")
def observe_community(request: AuthedRequest, community_id: int) -> HttpResponse:
    community = scope.community_in_scope(request.user, "observe_chats", community_id)
    return render(request, "chats/observe_community.html", {
        "community": community, "page_obj": paginate(request, selectors.community_groups(request.user, community)),
    })


# --- one group ---------------------------------------------------------------------

@access.login
def group_detail(request: AuthedRequest, group_id: int) -> HttpResponse:
    group, ga = selectors.read_group(request.user, group_id, request=request)
    before = _int(request.GET.get("before"))
    rows, has_more = selectors.messages_before(group, before=before, with_mentions=ga.can_moderate)
    if rows and before is None:
        services.mark_read(actor=request.user, group_id=group.pk, last_id=rows[-1].pk)
    context = _message_context(request, group, ga, rows)
    context.update({
        "has_more": has_more,
        "first_id": rows[0].pk if rows else None,
        "after": rows[-1].pk if rows else (group.last_message_id if before is None else 0),
        "paging_back": before is not None,
        "form": MessageForm(),
        "poll_seconds": _poll_seconds(request),
        "stream_url": reverse("chats:stream", args=[group.pk]) if _streams(request) and before is None else "",
    })
    return render(request, "chats/detail.html", context)


@access.login
def messages_fragment(request: AuthedRequest, group_id: int) -> HttpResponse:
    """`?after=ID`: newer messages for the live poller; `?before=ID`: the previous page (load earlier)."""
    group, ga = policies.access_group(request.user, group_id)
    before = _int(request.GET.get("before"))
    if before is not None:
        rows, has_more = selectors.messages_before(group, before=before, with_mentions=ga.can_moderate)
        context = _message_context(request, group, ga, rows)
        context.update({"has_more": has_more, "first_id": rows[0].pk if rows else None})
        return render(request, "chats/_older.html", context)
    after = _int(request.GET.get("after")) or 0
    rows = selectors.messages_after(group, after=after, with_mentions=ga.can_moderate)
    if rows:
        services.mark_read(actor=request.user, group_id=group.pk, last_id=rows[-1].pk)
    context = _message_context(request, group, ga, rows)
    context.update({"after": rows[-1].pk if rows else after, "poll_seconds": _poll_seconds(request)})
    return render(request, "chats/_poll.html", context)


@access.login
@require_POST
def send(request: AuthedRequest, group_id: int) -> HttpResponse:
    _, ga = policies.access_group(request.user, group_id)
    _refuse_unless(ga.can_send, "观察模式下只能查看群聊，不能发言")
    form = MessageForm(request.POST)
    error = ""
    if form.is_valid():
        done = _in_fragment(request, lambda: services.send_message(
            actor=request.user, group_id=group_id, body=form.cleaned_data["body"]))
        error = done.error.message if done.error else ""
    else:
        error = str(next(iter(form.errors.get("body", [])), "请输入消息内容"))
    if _is_htmx(request):
        response = HttpResponse(escape(error))
        if not error:
            response["HX-Trigger"] = "chat:sent, chat:poll"
        return response
    if error:
        messages.error(request, error)
    return redirect("chats:detail", group_id=group_id)


@access.login
async def stream(request: HttpRequest, group_id: int) -> StreamingHttpResponse:
    """Server-Sent Events for one group (with Redis, under ASGI); each event says "poll now"."""
    if not live.served(request):
        raise Http404
    user = await request.auser()
    if not isinstance(user, User):  # access.login lets only signed-in people through
        raise NotFound()
    await sync_to_async(policies.access_group)(user, group_id)
    response = StreamingHttpResponse(live.events(group_id, seconds=live.STREAM_SECONDS), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@access.login
def group_info(request: AuthedRequest, group_id: int) -> HttpResponse:
    group, ga = policies.access_group(request.user, group_id)
    return render(request, "chats/info.html", {
        "group": group, "ga": ga,
        "page_obj": paginate(request, selectors.members_of(group)),
        "staff": list(selectors.staff_of(group.community)[:50]),
        "history": list(selectors.history_of(group)[:20]) if ga.can_moderate else [],
        "announcement_form": AnnouncementForm(initial={"announcement": group.announcement}) if ga.can_moderate else None,
    })


@access.capability("committee")
@require_POST
def announcement(request: AuthedRequest, group_id: int) -> HttpResponse:
    _, ga = policies.access_group(request.user, group_id)
    _refuse_unless(ga.can_moderate, "只有居村委工作人员可以管理群聊")
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["announcement"]
        perform(request, lambda: services.set_announcement(actor=request.user, group_id=group_id, text=text),
                success="群公告已发布" if (text or "").strip() else "群公告已撤下")
    else:
        messages.error(request, "群公告不能超过1000字")
    return redirect("chats:info", group_id=group_id)


@access.login
def add_members(request: AuthedRequest, group_id: int) -> HttpResponse:
    group, ga = policies.access_group(request.user, group_id)
    _refuse_unless(ga.can_invite or ga.can_moderate, "只有居村委工作人员或建群人可以邀请成员")
    if request.method == "POST":
        ids = [i for i in (_int(v) for v in request.POST.getlist("user")) if i]
        done = perform(request, lambda: services.add_members(actor=request.user, group_id=group_id, user_ids=ids))
        if done:
            messages.success(request, f"已添加{done.value}位成员" if done.value else "请选择要添加的居民")
        return redirect(reverse("chats:members", args=[group_id]) + (f"?q={request.POST.get('q', '')}" if request.POST.get("q") else ""))
    q = request.GET.get("q", "")
    return render(request, "chats/members.html", {
        "group": group, "q": q,
        "candidates": selectors.member_candidates(group, q) if ga.can_invite else [],
        "member_count": selectors.members_of(group).count(),
    })


@access.capability("committee")
@require_POST
def remove_member(request: AuthedRequest, group_id: int, user_id: int) -> HttpResponse:
    _, ga = policies.access_group(request.user, group_id)
    _refuse_unless(ga.can_moderate, "只有居村委工作人员可以管理群聊")
    perform(request, lambda: services.remove_member(actor=request.user, group_id=group_id, user_id=user_id),
            success="已移出群聊")
    return redirect("chats:info", group_id=group_id)


# --- one message ------------------------------------------------------------------

@access.login
@require_POST
def mention(request: AuthedRequest, message_id: int) -> HttpResponse:
    """The @居委/@村委 button beside a message."""
    message, ga = policies.access_message(request.user, message_id)
    _refuse_unless(ga.can_mention, "您没有权限进行此操作")
    label = "@" + message.group.community.committee_label
    done = _in_fragment(request, lambda: services.mention_message(actor=request.user, message_id=message_id))
    # Pressed twice (Conflict): it is recorded either way.
    error = done.error.message if done.error and not isinstance(done.error, Conflict) else ""
    if _is_htmx(request):
        return render(request, "chats/_mention_button.html", {
            "m": message, "done": not error, "error": error, "at_label": label,
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已{label}，{message.group.community.committee_label}将跟踪处理")
    return redirect(message.get_absolute_url())


def _back(request: AuthedRequest, message: GroupMessage) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(message.get_absolute_url())


@access.capability("committee")
@require_POST
def hide(request: AuthedRequest, message_id: int) -> HttpResponse:
    form = HideForm(request.POST)
    message, ga = policies.access_message(request.user, message_id)
    _refuse_unless(ga.can_moderate, "只有居村委工作人员可以管理群消息")
    if not form.is_valid():
        messages.error(request, "请填写隐藏原因")
        return _back(request, message)
    perform(request, lambda: services.hide_message(actor=request.user, message_id=message_id, reason=form.cleaned_data["reason"]),
            success="消息已隐藏，已通过信箱告知发送人")
    return _back(request, message)


@access.capability("committee")
@require_POST
def restore(request: AuthedRequest, message_id: int) -> HttpResponse:
    message, ga = policies.access_message(request.user, message_id)
    _refuse_unless(ga.can_moderate, "只有居村委工作人员可以管理群消息")
    perform(request, lambda: services.restore_message(actor=request.user, message_id=message_id), success="消息已恢复显示")
    return _back(request, message)
