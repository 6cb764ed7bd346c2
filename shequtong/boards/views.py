"""Board pages (居民版/居委版), the observers' read-only view, 我的, and 爱宝山. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, pages
from shequtong.common.categories import Category
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import catalogue, policies, selectors, services
from .catalogue import Board
from .forms import (
    AnnouncementForm,
    BookingForm,
    CloseVoteForm,
    CommentFilterForm,
    CommentForm,
    CommentModerationForm,
    HideForm,
    MoveTopicForm,
    PostForm,
    ReplyForm,
    TagForm,
    VoteForm,
)
from .models import AnnouncementComment, Post
from .policies import BoardAccess


def _safe_next(request: AuthedRequest, default: str) -> str:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return default


def _board_links(acc: BoardAccess, community_id: int | None) -> list[dict[str, Any]]:
    kind = acc.community.kind
    out = []
    for s in catalogue.top_boards_for(kind, has_property=acc.has_property):
        url = (reverse("boards:community_board", args=[community_id, s.code]) if community_id
               else reverse("boards:board", args=[s.code]))
        out.append({"code": s.code, "label": s.label_for(kind), "icon": s.icon, "hint": s.hint, "url": url})
    return out


# --- board index and lists ---------------------------------------------------------


def _board_access(request: AuthedRequest, community_id: int | None) -> BoardAccess:
    """With an id: any community the user may read (observers included); without: their own."""
    if community_id:
        return policies.access_community_boards(request.user, community_id)
    return policies.own_board_access(request.user)


@access.login
def index(request: AuthedRequest, community_id: int | None = None) -> HttpResponse:
    """A community's boards: the resident's own, or (with an id) any community the user may read."""
    acc = _board_access(request, community_id)
    notices = selectors.post_rows(acc, Board.NOTICE, 0, 3) if acc.has_board(Board.NOTICE) else []
    return render(request, "boards/index.html", {
        "acc": acc, "community": acc.community, "boards": _board_links(acc, community_id),
        "observing": bool(community_id) and acc.is_observer, "community_id": community_id, "notices": notices,
    })


@access.login
def board(request: AuthedRequest, board: str, community_id: int | None = None) -> HttpResponse:
    acc = _board_access(request, community_id)
    if not acc.has_board(board):
        raise Http404
    spec = catalogue.spec(board)
    kind = acc.community.kind
    q = request.GET.get("q", "")
    mutual_aid = request.GET.get("filter") == "aid"
    giveaway = request.GET.get("filter") == "giveaway"
    stage = request.GET.get("stage", "")
    # 社区公告 and its sub-board 居务公开/办事指南 share one page with a switch (§4.2.7.1).
    siblings = []
    root = spec.parent or spec.code
    for s in catalogue.boards_for(kind, has_property=acc.has_property):
        if s.code == root or s.parent == root:
            url = (reverse("boards:community_board", args=[community_id, s.code]) if community_id
                   else reverse("boards:board", args=[s.code]))
            siblings.append({"code": s.code, "label": s.label_for(kind), "url": url})
    back = reverse("boards:community", args=[community_id]) if community_id else reverse("boards:index")
    if q.strip():  # a keyword search: the plain querysets, the total counted from the bare filter (no join)
        matching = selectors.matching_posts(acc, board, q=q, mutual_aid=mutual_aid, stage=stage, giveaway=giveaway)
        page_obj = paginate(request, selectors.post_list(matching), count_from=matching)
    else:  # the rows and the total from SQL compiled once (common/prepared.py); the queryset only past the end
        page_obj = paginate(
            request, lambda: selectors.posts(acc, board, mutual_aid=mutual_aid, stage=stage, giveaway=giveaway),
            window=lambda start, stop: selectors.post_rows(acc, board, start, stop, mutual_aid=mutual_aid, stage=stage,
                                                           giveaway=giveaway),
            count_from=lambda: selectors.post_total(acc, board, mutual_aid=mutual_aid, stage=stage, giveaway=giveaway))
    return pages.render(request, "boards/board.jinja", {
        "acc": acc, "community": acc.community, "board": board, "spec": spec, "label": spec.label_for(kind),
        "page_obj": page_obj,
        "keep_query": query_without_page(request), "q": q,
        "mutual_aid": mutual_aid, "giveaway": giveaway, "stage": stage, "stages": Post.Stage.choices, "siblings": siblings if len(siblings) > 1 else [],
        "can_publish": acc.can_publish(board) and not community_id, "observing": acc.is_observer,
        "community_id": community_id, "back": back,
    })


@access.login
def new_post(request: AuthedRequest, board: str) -> HttpResponse:
    acc = policies.own_board_access(request.user)
    if not acc.has_board(board):
        raise Http404
    spec = catalogue.spec(board)
    label = spec.label_for(acc.community.kind)
    if not acc.can_publish(board):
        messages.error(request, f"您没有在{label}发布的权限")
        return redirect("boards:board", board=board)
    form = PostForm(request.POST or None, request.FILES or None, board=board, can_convention=acc.is_moderator,
                    initial={"is_giveaway": request.GET.get("giveaway") == "1"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        offer = giveaway = None
        if board == Board.NEIGHBOURS and d.get("is_giveaway"):
            giveaway = services.GiveawayDetails(pickup_place=d.get("pickup_place") or "")
        if board == Board.SERVICES:
            offer = services.OfferDetails(service_time=d["service_time"], place=d.get("place") or "", capacity=d.get("capacity"))
        done = perform(request, lambda: services.create_post(
            actor=request.user, community_id=acc.community.pk, board=board, title=d["title"], body=d["body"],
            is_mutual_aid=d.get("is_mutual_aid", False), category=d.get("category", ""),
            image_files=d.get("images") or [], convention=d.get("convention", False), offer=offer, giveaway=giveaway,
        ), success="发布成功", form=form, once="boards.create_post")
        if done.value is not None:
            return redirect(done.value)
    return render(request, "boards/new.html", {"form": form, "board": board, "label": label, "acc": acc})


# --- a post ------------------------------------------------------------------------


_IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@access.login
def image(request: AuthedRequest, image_id: int) -> FileResponse:
    """A post's image, served only to those who may read the post (not from a public media URL)."""
    name, _ = policies.access_post_image(request.user, image_id)
    ext = name.rsplit(".", 1)[-1].lower()
    response = FileResponse(default_storage.open(name, "rb"), content_type=_IMAGE_TYPES.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.login
def post_detail(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, pa = policies.access_post(request.user, post_id)
    kind = post.community.kind
    user = request.user
    # Rows and total from SQL compiled once (common/prepared.py); the queryset only past the end.
    replies_page = paginate(request, lambda: selectors.replies(post, pa), per_page=50,
                            window=lambda start, stop: selectors.reply_rows(post, pa, start, stop),
                            count_from=lambda: selectors.reply_total(post, pa))
    has_read, liked = selectors.reader_state(user, post)
    return pages.render(request, "boards/post.jinja", {
        "post": post, "pa": pa, "label": catalogue.spec(post.board).label_for(kind),
        "author_level": selectors.author_level(post),
        # The read receipt (and its 积分) is a POST the page sends once shown: nothing is written on GET.
        "send_read": pa.counts_as_read and not has_read,
        "images": selectors.images(post),
        "page_obj": replies_page,
        "liked": liked and pa.may_like,
        "committee_label": post.community.committee_label,
        "categories": Category.choices,
        "vote": selectors.vote_of(post, user),
        "offer": selectors.offer_of(post, user),
        "giveaway": selectors.giveaway_of(post, user),
        "track": selectors.topic_history(post),
        "moves": [(s, Post.Stage(s).label) for s in services.topic_moves(post.stage)] if pa.can_move_topic else [],
        "history": list(selectors.history(post)[:50]) if pa.sees_history else [],
        "reply_form": ReplyForm(), "vote_form": VoteForm(), "close_form": CloseVoteForm(),
        "outcomes": CloseVoteForm.base_fields["outcome"].choices,  # type: ignore[attr-defined]
        "back": (reverse("boards:community_board", args=[post.community_id, post.board]) if pa.is_observer
                 else reverse("boards:board", args=[post.board])),
    })


@access.login
@require_POST
def reply(request: AuthedRequest, post_id: int) -> HttpResponse:
    # The service checks access inside its transaction (NotFound → 404); the view fetches the
    # post itself only for @居委, whose message names the committee (居委/村委).
    form = ReplyForm(request.POST)
    body = form.cleaned_data["body"].strip() if form.is_valid() else ""
    mention = request.POST.get("mention") == "1"
    back = reverse("boards:post", args=[post_id])
    label = policies.access_post(request.user, post_id)[0].community.committee_label if mention else ""
    if mention and not body:
        # @居委 with an empty box asks the committee to look at the post itself.
        perform(request, lambda: services.mention_committee(actor=request.user, post_id=post_id),
                success=f"已@{label}，{label}会尽快处理")
        return redirect(back)
    perform(request, lambda: services.reply_to(actor=request.user, post_id=post_id, body=body, mention=mention),
            success=f"回复成功，已@{label}" if mention else "回复成功", once="boards.reply")
    return redirect(back + "#replies")


@access.login
@require_POST
def read(request: AuthedRequest, post_id: int) -> HttpResponse:
    """The post page's read receipt (sent by boards.js once the post is shown)."""
    services.record_read(actor=request.user, post_id=post_id)  # checks access (404)
    return HttpResponse(status=204)


@access.login
@require_POST
def like(request: AuthedRequest, post_id: int) -> HttpResponse:
    perform(request, lambda: services.toggle_like(actor=request.user, post_id=post_id))  # checks access (404)
    return redirect("boards:post", post_id)


@access.login
@require_POST
def mention_reply(request: AuthedRequest, reply_id: int) -> HttpResponse:
    r, _ = policies.access_reply(request.user, reply_id)
    label = r.post.community.committee_label
    perform(request, lambda: services.mention_committee(actor=request.user, post_id=r.post_id, reply_id=r.pk),
            success=f"已@{label}，已记入问题跟踪")
    return redirect(f"{r.post.get_absolute_url()}#reply-{r.pk}")


@access.login
@require_POST
def tag(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择问题标签")
        return redirect(post)
    perform(request, lambda: services.tag_post(actor=request.user, post_id=post_id, category=form.cleaned_data["category"]),
            success="已添加问题标签，已记入问题跟踪")
    return redirect(post)


@access.login
@require_POST
def hide_post(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    perform(request, lambda: services.hide_post(actor=request.user, post_id=post_id, reason=reason),
            success="已隐藏，已通过信箱告知发布人")
    return redirect(post)


@access.login
@require_POST
def restore_post(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    perform(request, lambda: services.restore_post(actor=request.user, post_id=post_id), success="已恢复显示")
    return redirect(post)


@access.login
@require_POST
def hide_reply(request: AuthedRequest, reply_id: int) -> HttpResponse:
    r, _ = policies.access_reply(request.user, reply_id)
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    perform(request, lambda: services.hide_reply(actor=request.user, reply_id=reply_id, reason=reason),
            success="已隐藏该回复，已通过信箱告知回复人")
    return redirect(f"{r.post.get_absolute_url()}#reply-{r.pk}")


@access.login
@require_POST
def restore_reply(request: AuthedRequest, reply_id: int) -> HttpResponse:
    r, _ = policies.access_reply(request.user, reply_id)
    perform(request, lambda: services.restore_reply(actor=request.user, reply_id=reply_id), success="已恢复该回复")
    return redirect(f"{r.post.get_absolute_url()}#reply-{r.pk}")


# --- 议事厅 votes, 社区服务 bookings ---------------------------------------------------


@access.login
@require_POST
def open_vote(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写投票事项、选项和截止时间")
        return redirect(post)
    perform(request, lambda: services.open_vote(
        actor=request.user, post_id=post_id, question=form.cleaned_data["question"], options=form.option_list(),
        deadline=form.cleaned_data["deadline"]), success="投票已发起")
    return redirect(post)


@access.login
@require_POST
def ballot(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    try:
        option_id = int(request.POST.get("option", ""))
    except ValueError:
        messages.error(request, "请选择一个选项")
        return redirect(post)
    perform(request, lambda: services.cast_ballot(actor=request.user, post_id=post_id, option_id=option_id),
            success="投票成功")
    return redirect(post)


@access.login
@require_POST
def close_vote(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    outcome = request.POST.get("outcome", "")
    perform(request, lambda: services.close_vote(actor=request.user, post_id=post_id, outcome=outcome), success="投票已结束")
    return redirect(post)


@access.login
@require_POST
def move_topic(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = MoveTopicForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要进入的阶段")
        return redirect(post)
    stage = form.cleaned_data["stage"]
    perform(request, lambda: services.move_topic(actor=request.user, post_id=post_id, stage=stage,
                                                 note=form.cleaned_data["note"]),
            success=f"议题已进入“{Post.Stage(stage).label}”阶段", once="boards.move_topic")
    return redirect(post)


@access.capability("observe")
def council_stats(request: AuthedRequest) -> HttpResponse:
    """议事厅 topics per stage per community, for district and subdistrict observers (自治共治)."""
    try:
        sub_id = int(request.GET.get("subdistrict") or 0) or None
    except ValueError:
        sub_id = None
    rows = selectors.council_stage_counts(request.user, subdistrict_id=sub_id)
    return render(request, "boards/council_stats.html", {
        "rows": rows, "totals": selectors.stage_totals(rows), "grand_total": sum(r.total for r in rows),
        "stages": [Post.Stage(s).label for s in selectors.COUNCIL_STAGES],
        "subdistricts": scope.scope_for(request.user, "observe").subdistricts(), "subdistrict_id": sub_id,
    })


@access.login
@require_POST
def request_giveaway(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = BookingForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    perform(request, lambda: services.request_giveaway(actor=request.user, post_id=post_id, note=note),
            success="已申领，等待赠送人选择", once="boards.request_giveaway")
    return redirect(post)


@access.login
@require_POST
def give_away(request: AuthedRequest, giveaway_request_id: int) -> HttpResponse:
    req, _ = policies.access_giveaway_request(request.user, giveaway_request_id)
    perform(request, lambda: services.give_away_to(actor=request.user, request_id=giveaway_request_id),
            success="已标记为已赠出，已通知对方自取")
    return redirect("boards:post", req.giveaway.post_id)


@access.login
@require_POST
def cancel_giveaway_request(request: AuthedRequest, giveaway_request_id: int) -> HttpResponse:
    req, _ = policies.access_giveaway_request(request.user, giveaway_request_id)
    perform(request, lambda: services.cancel_giveaway_request(actor=request.user, request_id=giveaway_request_id),
            success="已取消申领")
    return redirect("boards:post", req.giveaway.post_id)


@access.login
@require_POST
def book(request: AuthedRequest, post_id: int) -> HttpResponse:
    post, _ = policies.access_post(request.user, post_id)
    form = BookingForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    perform(request, lambda: services.book_service(actor=request.user, post_id=post_id, note=note),
            success="预约已提交，等待提供者确认", once="boards.book")
    return redirect(post)


@access.login
@require_POST
def service_cost(request: AuthedRequest, post_id: int) -> HttpResponse:
    """The committee sets the 社区豆 a booking of this 社区服务 costs."""
    raw = request.POST.get("cost", "").strip()
    cost = int(raw) if raw.isdigit() and len(raw) < 9 else -1  # bad input: the service refuses it after its access check
    perform(request, lambda: services.set_service_cost(actor=request.user, post_id=post_id, cost=cost),
            success="已设置服务所需社区豆")
    return redirect("boards:post", post_id)


@access.login
@require_POST
def decide_booking(request: AuthedRequest, booking_id: int) -> HttpResponse:
    confirm = request.POST.get("decision") == "confirm"
    back = _safe_next(request, reverse("boards:mine", args=["bookings"]))
    perform(request, lambda: services.decide_booking(actor=request.user, booking_id=booking_id, confirm=confirm),
            success="已确认预约" if confirm else "已婉拒预约")
    return redirect(back)


@access.login
@require_POST
def cancel_booking(request: AuthedRequest, booking_id: int) -> HttpResponse:
    perform(request, lambda: services.cancel_booking(actor=request.user, booking_id=booking_id), success="已取消预约")
    return redirect("boards:mine", kind="bookings")


# --- 我的 -----------------------------------------------------------------------------

MINE = {"posts": "我的发布", "replies": "我的回复", "bookings": "我的预约", "votes": "我的投票"}


@access.login
def mine(request: AuthedRequest, kind: str) -> HttpResponse:
    if kind not in MINE:
        raise Http404
    user = request.user
    qs: Any = {
        "posts": selectors.my_posts, "replies": selectors.my_replies,
        "bookings": selectors.my_bookings, "votes": selectors.my_ballots,
    }[kind](user)
    provided = list(selectors.bookings_of_my_services(user)[:50]) if kind == "bookings" else []
    count_from = selectors.my_posts_matching(user) if kind == "posts" else None
    return render(request, "boards/mine.html", {
        "kind": kind, "tabs": MINE.items(), "title": MINE[kind], "page_obj": paginate(request, qs, count_from=count_from),
        "provided": provided,
    })


# --- committee: moderation history ------------------------------------------------------


@access.capability("committee")
def moderation_log(request: AuthedRequest) -> HttpResponse:
    acc = policies.own_board_access(request.user)
    if not acc.is_moderator:
        raise Http404
    return render(request, "boards/log.html", {"community": acc.community,
                                               "page_obj": paginate(request, selectors.moderation_log(acc))})


# --- observers (逐级观察, OB-8) ---------------------------------------------------------


@access.capability("observe")
def observe(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    try:
        sub_id = int(request.GET.get("subdistrict") or 0) or None
    except ValueError:
        sub_id = None
    return render(request, "boards/observe.html", {
        "page_obj": paginate(request, selectors.observable_communities(request.user, subdistrict_id=sub_id, q=q)),
        "subdistricts": scope.scope_for(request.user, "observe").subdistricts(), "q": q, "subdistrict_id": sub_id,
        "keep_query": query_without_page(request),
    })


# --- 爱宝山 ---------------------------------------------------------------------------


@access.login
def announcements(request: AuthedRequest) -> HttpResponse:
    return render(request, "boards/announcements.html", {
        "page_obj": paginate(request, selectors.announcements()), "can_announce": policies.may_announce(request.user),
    })


@access.capability("district_announce")
def new_announcement(request: AuthedRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, lambda: services.publish_announcement(actor=request.user, **form.cleaned_data),
                       success="爱宝山公告已发布", form=form)
        if done.value is not None:
            return redirect(done.value)
    return render(request, "boards/announcement_new.html", {"form": form})


@access.login
def announcement(request: AuthedRequest, announcement_id: int) -> HttpResponse:
    a, aa = policies.access_announcement(request.user, announcement_id)
    return render(request, "boards/announcement.html", {
        "a": a, "aa": aa, "page_obj": paginate(request, selectors.visible_comments(request.user, a)), "form": CommentForm(),
    })


@access.login
@require_POST
def comment(request: AuthedRequest, announcement_id: int) -> HttpResponse:
    a, _ = policies.access_announcement(request.user, announcement_id)
    form = CommentForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    perform(request, lambda: services.comment_on_announcement(actor=request.user, announcement_id=announcement_id, body=body),
            success="留言已提交，经筛选后公开展示")
    return redirect(a)


@access.capability("district_announce")
def comment_moderation(request: AuthedRequest, announcement_id: int) -> HttpResponse:
    a, aa = policies.access_announcement(request.user, announcement_id)
    if not aa.can_moderate:
        raise Http404
    communities = list(
        AnnouncementComment.objects.filter(announcement=a).values_list("community_id", "community__name")
        .distinct().order_by("community_id")[:600]
    )
    form = CommentFilterForm(request.GET or None, communities=communities)
    filters: dict[str, Any] = {}
    if form.is_valid():
        d = form.cleaned_data
        filters = {"since": d["since"], "until": d["until"], "community_id": d["community"], "q": d["q"], "status": d["status"]}
    return render(request, "boards/comment_moderation.html", {
        "a": a, "form": form, "page_obj": paginate(request, selectors.comments_for_moderation(a, **filters)),
        "keep_query": query_without_page(request), "audiences": AnnouncementComment.Audience.choices,
    })


@access.capability("district_announce")
@require_POST
def moderate_comment(request: AuthedRequest, comment_id: int) -> HttpResponse:
    form = CommentModerationForm(request.POST)
    back = _safe_next(request, reverse("boards:announcements"))
    if not form.is_valid():
        messages.error(request, "请选择是否公开")
        return redirect(back)
    status = form.cleaned_data["status"]
    audience = form.cleaned_data["audience"] or AnnouncementComment.Audience.EVERYONE
    perform(request, lambda: services.moderate_comment(actor=request.user, comment_id=comment_id,
                                                       status=status, audience=audience), success="已保存")
    return redirect(back)
