"""抽奖 and 有奖答题 pages: residents play and see 我的奖品; staff set up, preview, publish, watch, export, close."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.errors import DomainError
from shequtong.common.export import XlsxWriter
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform
from shequtong.points.selectors import account_of

from . import selectors, services
from .forms import LETTERS, LotteryForm, QuizForm
from .models import Attempt, Award, Draw, Lottery, Quiz
from .policies import access_lottery, access_quiz

STAFF = ("committee", "district_announce")
WATCHERS = ("committee", "district_announce", "observe")


def _places(request: AuthedRequest) -> list[tuple[Any, str]]:
    own = [g.community_id for g in scope.grants_of(request.user) if g.community_id]
    places: list[tuple[Any, str]] = [(c.pk, c.name) for c in
                                     scope.scope_for(request.user, "committee").communities().filter(pk__in=own)]
    if scope.has_capability(request.user, "district_announce"):
        places.insert(0, (None, "全区（爱宝山）"))
    return places


def _further_errors(form: Form, error: DomainError | None) -> None:
    for name, message in list(getattr(error, "errors", {}).items())[1:]:
        form.add_error(name if name in form.fields else None, message)


# --- residents ------------------------------------------------------------------------------

@access.login
def campaign_list(request: AuthedRequest) -> HttpResponse:
    """爱宝山 抽奖 and 有奖答题 the resident may take part in."""
    return render(request, "campaigns/list.html", {
        "lotteries": selectors.playable(request.user, Lottery)[:20],
        "quizzes": selectors.playable(request.user, Quiz)[:20], "now": clock.now(),
        "can_manage": any(scope.has_capability(request.user, c) for c in WATCHERS),
    })


@access.login
def my_prizes(request: AuthedRequest) -> HttpResponse:
    return render(request, "campaigns/my_prizes.html", {"page_obj": paginate(request, selectors.my_awards(request.user))})


def _banner_response(obj: Lottery | Quiz) -> FileResponse:
    if not obj.banner:
        raise Http404
    ext = obj.banner.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(default_storage.open(obj.banner.name, "rb"),
                            content_type={"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif",
                                          "webp": "image/webp"}.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.login
def lottery_banner(request: AuthedRequest, lottery_id: int) -> FileResponse:
    return _banner_response(access_lottery(request.user, lottery_id)[0])


@access.login
def quiz_banner(request: AuthedRequest, quiz_id: int) -> FileResponse:
    return _banner_response(access_quiz(request.user, quiz_id)[0])


@access.login
def lottery_detail(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    """The lottery as residents see it; for its managers, a draft shows here as the preview (LQ-1 ⑧)."""
    lottery, ca = access_lottery(request.user, lottery_id)
    mine = Draw.objects.filter(lottery=lottery, user=request.user)
    today = clock.today()
    used = mine.count() if ca.is_audience else 0
    used_today = mine.filter(day=today).count() if ca.is_audience else 0
    last = request.session.pop("last_draw", None) if request.method == "GET" else None
    return render(request, "campaigns/lottery.html", {
        "lottery": lottery, "ca": ca, "prizes": list(lottery.prizes.all()), "phase": lottery.phase(clock.now()),
        "left_total": max(0, lottery.draws_total - used), "left_today": max(0, min(lottery.draws_per_day - used_today,
                                                                                 lottery.draws_total - used)),
        "my_wins": Award.objects.filter(lottery=lottery, user=request.user), "last": last,
        "beans": account_of(request.user).beans if lottery.bean_cost else None,
        "preview": lottery.status == "draft",
    })


@access.capability("member")
@require_POST
def lottery_draw(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    done = perform(request, lambda: services.draw(actor=request.user, lottery_id=lottery_id), once="campaigns.draw")
    if done and done.value is not None:
        row = done.value
        request.session["last_draw"] = {"won": row.prize_id is not None,
                                        "prize": row.prize.name if row.prize_id and row.prize else ""}
    return redirect("campaigns:lottery", lottery_id=lottery_id)


# --- staff: set-up ----------------------------------------------------------------------------

def _lottery_form(request: AuthedRequest, lottery: Lottery | None) -> HttpResponse:
    places = _places(request)
    initial = LotteryForm.initial_from(lottery) if lottery else {}
    form = LotteryForm(request.POST or None, request.FILES or None, places=places, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if lottery is None:
            done = perform(request, lambda: services.create_lottery(actor=request.user, data=data), form=form,
                           success="已保存，请预览后发布")
        else:
            pk = lottery.pk
            done = perform(request, lambda: services.update_lottery(actor=request.user, lottery_id=pk, data=data),
                           form=form, success="已保存，请预览后发布")
        if done.value is not None:
            return redirect("campaigns:lottery", lottery_id=done.value.pk)
        _further_errors(form, done.error)
    return render(request, "campaigns/lottery_form.html", {"form": form, "lottery": lottery,
                                                          "single_place": len(places) == 1})


@access.capability(*STAFF)
def lottery_create(request: AuthedRequest) -> HttpResponse:
    return _lottery_form(request, None)


@access.capability(*STAFF)
def lottery_edit(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    lottery, ca = access_lottery(request.user, lottery_id)
    if not ca.can_edit:
        if not ca.is_manager:
            raise Http404
        messages.error(request, "已发布的抽奖活动不能修改")
        return redirect("campaigns:lottery", lottery_id=lottery_id)
    return _lottery_form(request, lottery)


@access.capability(*STAFF)
@require_POST
def lottery_publish(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    perform(request, lambda: services.publish_lottery(actor=request.user, lottery_id=lottery_id), success="抽奖活动已发布")
    return redirect("campaigns:lottery", lottery_id=lottery_id)


@access.capability(*STAFF)
@require_POST
def lottery_close(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    perform(request, lambda: services.close_lottery(actor=request.user, lottery_id=lottery_id), success="抽奖活动已关闭")
    return redirect("campaigns:lottery_live", lottery_id=lottery_id)


# --- staff: management list, live data, export ----------------------------------------------

@access.capability(*WATCHERS)
def manage(request: AuthedRequest) -> HttpResponse:
    kind = "quizzes" if request.GET.get("kind") == "quizzes" else "lotteries"
    query = request.GET.get("q", "").strip()[:50]
    qs = selectors.watched(request.user, Quiz if kind == "quizzes" else Lottery, query)
    return render(request, "campaigns/manage.html", {
        "page_obj": paginate(request, qs), "kind": kind, "q": query, "now": clock.now(),
        "keep_query": query_without_page(request),
        "can_create": any(scope.has_capability(request.user, c) for c in STAFF),
    })


def _watch(request: AuthedRequest, obj: Lottery | Quiz, ca: Any) -> None:  # noqa: ARG001
    if not ca.can_watch:
        raise Http404


@access.capability(*WATCHERS)
def lottery_live(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    lottery, ca = access_lottery(request.user, lottery_id)
    _watch(request, lottery, ca)
    query = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.winners(lottery, query))
    selectors.attach_levels(list(page.object_list))
    return render(request, "campaigns/lottery_live.html", {
        "lottery": lottery, "ca": ca, **selectors.lottery_live(lottery), "page_obj": page, "q": query,
        "phase": lottery.phase(clock.now()), "keep_query": query_without_page(request),
    })


def _xlsx(name: str, writer: XlsxWriter) -> HttpResponse:
    response = HttpResponse(writer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@access.capability(*WATCHERS)
def lottery_export(request: AuthedRequest, lottery_id: int) -> HttpResponse:
    """抽奖数据: per day, per prize, and the winners (masked), one sheet."""
    lottery, ca = access_lottery(request.user, lottery_id)
    _watch(request, lottery, ca)
    live = selectors.lottery_live(lottery)
    w = XlsxWriter("抽奖数据", ["抽奖主题", lottery.theme, "范围", lottery.place_label])
    w.append(["日期", "抽奖次数", "抽奖人数"])
    for d in live["days"]:
        w.append([d["day"].isoformat(), d["draws"], d["people"]])
    w.append(["奖项", "数量", "已抽出", "剩余"])
    for p in live["prizes"]:
        w.append([p.name, p.quantity, p.drawn, p.left])
    w.append(["得奖名单", "居村委", "奖项", "中奖时间", "领取"])
    for a in selectors.winners(lottery).iterator():
        w.append([a.user.display_name, a.community.name if a.community else "", a.prize_name,
                  timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"), "已领取" if a.collected_at else "待领取"])
    return _xlsx(f"lottery-{lottery.pk}.xlsx", w)


@access.capability(*STAFF)
@require_POST
def award_collect(request: AuthedRequest, award_id: int) -> HttpResponse:
    done = perform(request, lambda: services.collect_award(actor=request.user, award_id=award_id), success="已登记领奖")
    award = done.value or Award.objects.filter(pk=award_id).first()
    if award is not None and award.lottery_id:
        return redirect("campaigns:lottery_live", lottery_id=award.lottery_id)
    if award is not None and award.quiz_id:
        return redirect("campaigns:quiz_live", quiz_id=award.quiz_id)
    return redirect("campaigns:manage")


# --- quiz ------------------------------------------------------------------------------------

def _quiz_form(request: AuthedRequest, quiz: Quiz | None) -> HttpResponse:
    places = _places(request)
    initial = QuizForm.initial_from(quiz) if quiz else {}
    form = QuizForm(request.POST or None, request.FILES or None, places=places, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if quiz is None:
            done = perform(request, lambda: services.create_quiz(actor=request.user, data=data), form=form,
                           success="已保存，请预览后发布")
        else:
            pk = quiz.pk
            done = perform(request, lambda: services.update_quiz(actor=request.user, quiz_id=pk, data=data),
                           form=form, success="已保存，请预览后发布")
        if done.value is not None:
            return redirect("campaigns:quiz", quiz_id=done.value.pk)
        _further_errors(form, done.error)
    return render(request, "campaigns/quiz_form.html", {"form": form, "quiz": quiz, "single_place": len(places) == 1})


@access.capability(*STAFF)
def quiz_create(request: AuthedRequest) -> HttpResponse:
    return _quiz_form(request, None)


@access.capability(*STAFF)
def quiz_edit(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    quiz, ca = access_quiz(request.user, quiz_id)
    if not ca.can_edit:
        if not ca.is_manager:
            raise Http404
        messages.error(request, "已发布的答题活动不能修改")
        return redirect("campaigns:quiz", quiz_id=quiz_id)
    return _quiz_form(request, quiz)


@access.login
def quiz_detail(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    """The quiz as residents see it (a draft is its managers' preview), with the questions while answering."""
    quiz, ca = access_quiz(request.user, quiz_id)
    attempt = Attempt.objects.filter(quiz=quiz, user=request.user).select_related("prize").first()
    now = clock.now()
    answering = attempt is not None and attempt.submitted_at is None and now < attempt.deadline
    questions = list(quiz.questions.all()) if (answering or quiz.status == "draft") else []
    return render(request, "campaigns/quiz.html", {
        "quiz": quiz, "ca": ca, "attempt": attempt, "answering": answering, "phase": quiz.phase(now),
        "questions": [(q, [(i, LETTERS[i], o) for i, o in enumerate(q.options)]) for q in questions],
        "tiers": list(quiz.prizes.all()), "preview": quiz.status == "draft",
        "seconds_left": int((attempt.deadline - now).total_seconds()) if answering and attempt else 0,
        "award": Award.objects.filter(quiz=quiz, user=request.user).first(),
    })


@access.capability("member")
@require_POST
def quiz_start(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    perform(request, lambda: services.start_attempt(actor=request.user, quiz_id=quiz_id), once="campaigns.quiz_start")
    return redirect("campaigns:quiz", quiz_id=quiz_id)


@access.capability("member")
@require_POST
def quiz_submit(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    answers = {k[2:]: [int(v) for v in request.POST.getlist(k) if v.isdigit() and len(v) < 3]
               for k in request.POST if k.startswith("q_") and k[2:].isdigit()}
    perform(request, lambda: services.submit_attempt(actor=request.user, quiz_id=quiz_id, answers=answers),
            success="答案已提交，活动结束后按得分评奖", once="campaigns.quiz_submit")
    return redirect("campaigns:quiz", quiz_id=quiz_id)


@access.capability(*STAFF)
@require_POST
def quiz_publish(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    perform(request, lambda: services.publish_quiz(actor=request.user, quiz_id=quiz_id), success="答题活动已发布")
    return redirect("campaigns:quiz", quiz_id=quiz_id)


@access.capability(*STAFF)
@require_POST
def quiz_close(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    perform(request, lambda: services.close_quiz(actor=request.user, quiz_id=quiz_id), success="答题活动已关闭并完成评奖")
    return redirect("campaigns:quiz_live", quiz_id=quiz_id)


@access.capability(*STAFF)
@require_POST
def quiz_settle(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    perform(request, lambda: services.settle_quiz(actor=request.user, quiz_id=quiz_id), success="已按得分完成评奖")
    return redirect("campaigns:quiz_live", quiz_id=quiz_id)


@access.capability(*WATCHERS)
def quiz_live(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    quiz, ca = access_quiz(request.user, quiz_id)
    _watch(request, quiz, ca)
    query = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.winners(quiz, query))
    selectors.attach_levels(list(page.object_list))
    return render(request, "campaigns/quiz_live.html", {
        "quiz": quiz, "ca": ca, **selectors.quiz_live(quiz), "page_obj": page, "q": query,
        "phase": quiz.phase(clock.now()), "keep_query": query_without_page(request),
        "can_settle": ca.is_manager and quiz.settled_at is None and quiz.phase(clock.now()) in ("已结束", "已关闭"),
    })


@access.capability(*WATCHERS)
def quiz_export(request: AuthedRequest, quiz_id: int) -> HttpResponse:
    quiz, ca = access_quiz(request.user, quiz_id)
    _watch(request, quiz, ca)
    live = selectors.quiz_live(quiz)
    w = XlsxWriter("答题数据", ["活动名称", quiz.title, "范围", quiz.place_label])
    w.append(["日期", "参与人数", "提交人数"])
    for d in live["days"]:
        w.append([d["day"].isoformat(), d["people"], d["submitted"]])
    w.append(["奖品等级", "奖品名称", "数量", "已发放", "剩余"])
    for t in live["tiers"]:
        w.append([t.level_label, t.name, t.quantity, t.awarded, t.left])
    w.append(["得奖名单", "居村委", "奖品", "得分", "领取"])
    scores = dict(Attempt.objects.filter(quiz=quiz).values_list("user_id", "score"))
    for a in selectors.winners(quiz).iterator():
        w.append([a.user.display_name, a.community.name if a.community else "", a.prize_name, scores.get(a.user_id, 0),
                  "已领取" if a.collected_at else "待领取"])
    return _xlsx(f"quiz-{quiz.pk}.xlsx", w)
