"""政策找人 pages: officers' policies, matching and lists; reviewers' confirmation and sending; residents' copy; care tags."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequtong.accounts import audit, scope
from shequtong.accounts.models import AuditEvent
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.pagination import paginate
from shequtong.common.perform import perform

from . import selectors, services, store
from .forms import CareTagsForm, ConditionsForm, PolicyForm
from .models import CareTagChange, EntryDecision
from .policies import access_care_tags, access_policy

STAFF = ("policy_officer", "policy_reviewer")
ACTION_LABELS = {"created": "录入政策", "edited": "修改并重新匹配", "submitted": "提交审核", "confirmed": "确认居民",
                 "struck": "剔除居民", "reviewed": "审核完成", "sent": "推送", "opted_out": "居民选择不再推送此类政策"}


@access.capability(*STAFF)
def policy_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.policies_for(request.user))
    return render(request, "policy/list.html", {
        "page_obj": page, "is_officer": scope.has_capability(request.user, "policy_officer")})


@access.capability("policy_officer")
def policy_create(request: AuthedRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.create_policy(actor=request.user, title=d["title"], text=d["text"],
                                                               service=d["service"]),
                       success="已录入，系统已分解政策", form=form, once="policy.create")
        if done and done.value is not None:
            return redirect("policy:detail", done.value.pk)
    return render(request, "policy/form.html", {"form": form})


@access.capability(*STAFF)
def policy_detail(request: AuthedRequest, policy_id: int) -> HttpResponse:
    policy, acc = access_policy(request.user, policy_id)
    conditions = services.conditions_of(policy)
    rows: list[Any] = []
    if acc.can_edit:
        rows, _analysis = selectors.match_rows(request.user, policy, conditions)
        audit.record_read(actor=request.user, target=policy, detail={"view": "policy_match", "rows": len(rows)},
                          request=request)
    form = ConditionsForm(initial={"title": policy.title, "text": policy.text, "service": policy.service,
                                   "conditions": json.dumps(policy.conditions, ensure_ascii=False, indent=1)})
    entries = list(selectors.entries_of(policy)) if not acc.can_edit else []
    if entries:
        audit.record_read(actor=request.user, target=policy, detail={"view": "policy_entries"}, request=request)
    analysis = policy.analysis or {}
    return render(request, "policy/detail.html", {
        "policy": policy, "access": acc, "rows": rows, "form": form, "entries": entries,
        "conditions": [c.describe() + ("（优先）" if c.soft else "") for c in conditions],
        "terms": list((analysis.get("terms") or {}).keys()), "keywords": list((analysis.get("keywords") or {}).keys()),
        "phrases": analysis.get("phrases") or [],
        "domains": [store.current_lexicon().domains.get(d, d) for d in analysis.get("domains") or []],
        "events": [(ev, ACTION_LABELS.get(ev.action, ev.action)) for ev in policy.events.select_related("actor")],
        "confirmed": sum(1 for e in entries if e.decision == EntryDecision.CONFIRMED),
    })


@require_POST
@access.capability("policy_officer")
def policy_edit(request: AuthedRequest, policy_id: int) -> HttpResponse:
    form = ConditionsForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        raw = (d.get("conditions") or "").strip()
        conditions = None
        if raw and request.POST.get("action") == "conditions":
            try:
                conditions = json.loads(raw)
            except json.JSONDecodeError:
                conditions = "bad"
        perform(request, lambda: services.update_policy(
            actor=request.user, policy_id=policy_id, title=d["title"], text=d["text"], service=d["service"],
            conditions=conditions if conditions != "bad" else [{"bad": 1}]), success="已保存，已重新匹配",
            once="policy.edit")
    else:
        access_policy(request.user, policy_id)
        from django.contrib import messages

        messages.error(request, "请填写政策标题和内容")
    return redirect("policy:detail", policy_id)


@require_POST
@access.capability("policy_officer")
def policy_submit(request: AuthedRequest, policy_id: int) -> HttpResponse:
    ids = [int(x) for x in request.POST.getlist("profile") if x.isdigit()]
    perform(request, lambda: services.submit_list(actor=request.user, policy_id=policy_id, profile_ids=ids),
            success="名单已提交审核", once="policy.submit")
    return redirect("policy:detail", policy_id)


@require_POST
@access.capability("policy_reviewer")
def policy_review(request: AuthedRequest, policy_id: int) -> HttpResponse:
    entry = request.POST.get("entry", "")
    if not entry.isdigit():
        access_policy(request.user, policy_id)
        from django.contrib import messages

        messages.error(request, "请选择居民")
        return redirect("policy:detail", policy_id)
    confirm = request.POST.get("decision") == "confirm"
    perform(request, lambda: services.review_entry(actor=request.user, policy_id=policy_id, entry_id=int(entry),
                                                   confirm=confirm, reason=request.POST.get("reason", "")),
            success="已确认" if confirm else "已剔除", once="policy.review")
    return redirect("policy:detail", policy_id)


@require_POST
@access.capability("policy_reviewer")
def policy_complete(request: AuthedRequest, policy_id: int) -> HttpResponse:
    perform(request, lambda: services.complete_review(actor=request.user, policy_id=policy_id), success="审核完成",
            once="policy.complete")
    return redirect("policy:detail", policy_id)


@require_POST
@access.capability("policy_reviewer")
def policy_send(request: AuthedRequest, policy_id: int) -> HttpResponse:
    channels = request.POST.getlist("channel")
    entry = request.POST.get("entry", "")
    done = perform(request, lambda: services.send_policy(actor=request.user, policy_id=policy_id, channels=channels,
                                                         entry_id=int(entry) if entry.isdigit() else None),
                   once="policy.send")
    if done:
        from django.contrib import messages

        # A repeated tap (same form key) sends nothing again and has no count to show.
        messages.success(request, f"已推送{done.value}人" if done.value is not None else "已推送")
    return redirect("policy:detail", policy_id)


@access.login
def policy_mine(request: AuthedRequest, policy_id: int) -> HttpResponse:
    entry = selectors.received_by(request.user, policy_id)
    if entry is None:
        raise Http404
    return render(request, "policy/mine.html", {"entry": entry, "policy": entry.policy})


@require_POST
@access.login
def policy_opt_out(request: AuthedRequest, policy_id: int) -> HttpResponse:
    perform(request, lambda: services.opt_out(actor=request.user, policy_id=policy_id),
            success="已设置：不再推送此类政策", once="policy.opt_out")
    return redirect("policy:mine", policy_id)


@access.capability("committee")
def care_tags(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:30]
    page = paginate(request, selectors.care_profiles(request.user, q))
    audit.record_read(actor=request.user, detail={"view": "care_tags", "q": q}, request=request)
    return render(request, "policy/care_tags.html", {"page_obj": page, "q": q})


@access.capability("committee")
def care_tags_edit(request: AuthedRequest, profile_id: int) -> HttpResponse:
    profile = access_care_tags(request.user, profile_id)
    form = CareTagsForm(request.POST or None, initial={"tags": profile.tags, "hukou": profile.hukou})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.set_care_tags(actor=request.user, profile_id=profile_id,
                                                               tags=list(d["tags"]), hukou=d["hukou"]),
                       success="已保存", form=form, once="policy.care_tags")
        if done:
            return redirect("policy:care_tags")
    audit.record_read(AuditEvent.Action.READ, actor=request.user, target=profile, detail={"view": "care_tags_edit"},
                      request=request)
    return render(request, "policy/care_tags_edit.html", {
        "profile": profile, "form": form,
        "changes": CareTagChange.objects.filter(profile=profile).select_related("actor")[:20]})


