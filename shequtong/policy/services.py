"""Every state change of 政策找人: policies, lists, reviews, sends, opt-outs, care tags, behaviour (docs/adr/0003).

The flow (§4.2.5): an officer writes a policy → the text is decomposed
(terms, keywords, phrases, conditions) → matched over the residents of the
officer's scope → the officer ticks residents and submits the list → a
reviewer who did not write the policy confirms or strikes each name (a
strike needs a reason) and completes the review → the reviewer sends the
policy to the confirmed residents: a 信箱 letter each, plus a reminder
through the outbox that fans out to the channels each resident accepts
(e-mail, SMS, WeChat: notifications/preferences.py). A resident who said
不再推送此类政策 for the policy's domain is skipped. Every step writes a
PolicyEvent row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.urls import reverse

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.chats.services import open_group_with_announcement
from shequtong.common import clock, hooks, prepared
from shequtong.common.errors import PermissionRefused, ValidationFailed
from shequtong.common.idcard import InvalidIdNumber, parse_id_number
from shequtong.inbox.services import send_system_message
from shequtong.notifications import outbox
from shequtong.places.models import Community

from . import conditions as cond
from . import store
from .errors import PolicyError
from .models import (
    BehaviourEvent,
    CareTagChange,
    DemandProfile,
    Entry,
    EntryDecision,
    EventKind,
    OptOut,
    PendingBehaviour,
    Policy,
    PolicyEvent,
    PolicyStatus,
    SourceCursor,
    tag_bits,
)
from .policies import access_care_tags, access_policy

TITLE_MAX = 120
TEXT_MAX = 5000
REASON_MAX = 200
LIST_MAX = 500
# 信箱 (a letter each, written in the same transaction), a reminder through the outbox (fanned out to the
# e-mail, SMS and WeChat each resident accepts), a new group chat per community with the policy as its 群公告.
SEND_CHANNELS = ("inbox", "reminder", "group")
GROUP_ROLE = "政策推送"


def _event(policy: Policy, actor: User, action: str, **detail: Any) -> None:
    PolicyEvent.objects.create(policy=policy, actor=actor, action=action, detail=detail)


def _clean_text(title: str, text: str, service: str) -> tuple[str, str, str]:
    title, text, service = (title or "").strip(), (text or "").strip(), (service or "").strip()
    errors = {}
    if not title:
        errors["title"] = ("请填写政策标题", PolicyError.TITLE_REQUIRED)
    elif len(title) > TITLE_MAX:
        errors["title"] = (f"政策标题不能超过{TITLE_MAX}字", PolicyError.TOO_LONG)
    if not text:
        errors["text"] = ("请填写政策内容", PolicyError.TEXT_REQUIRED)
    elif len(text) > TEXT_MAX or len(service) > TEXT_MAX:
        errors["text"] = (f"政策内容不能超过{TEXT_MAX}字", PolicyError.TOO_LONG)
    if errors:
        name, (message, code) = next(iter(errors.items()))
        raise ValidationFailed(message, code=code, field=name)
    return title, text, service


def _analyse(policy: Policy, conditions: list[cond.Condition] | None) -> None:
    tf = store.text_features()
    n = max(1, DemandProfile.objects.count())

    def idf(feature: str) -> float:
        import math

        return math.log((n + 1) / (store.ProfileTerm.objects.filter(feature=feature).count() + 1)) + 1.0

    from . import engine

    analysis = engine.analyse(policy.title, policy.text, tf, idf, conditions)
    data = analysis.as_dict()
    data.pop("conditions")
    policy.analysis = data
    policy.conditions = [c.as_dict() for c in analysis.conditions]


def create_policy(*, actor: User, title: str, text: str, service: str = "", community_id: int | None = None) -> Policy:
    """A new draft in one of the officer's communities, decomposed at once."""
    title, text, service = _clean_text(title, text, service)
    officer_scope = scope.scope_for(actor, "policy_officer")
    if officer_scope.is_empty:
        raise PermissionRefused("只有政策专员可以录入政策")
    community = (scope.community_in_scope(actor, "policy_officer", community_id) if community_id
                 else scope.work_community(actor) or officer_scope.communities().first())
    if community is None:
        raise PermissionRefused("只有政策专员可以录入政策")
    with transaction.atomic():
        policy = Policy(title=title, text=text, service=service, created_by=actor, community=community)
        _analyse(policy, None)
        policy.save()
        _event(policy, actor, "created", conditions=len(policy.conditions))
    return policy


def update_policy(*, actor: User, policy_id: int, title: str, text: str, service: str = "",
                  conditions: list[dict[str, Any]] | None = None) -> Policy:
    """The officer edits the text (conditions read again) or the conditions themselves, then matches again."""
    title, text, service = _clean_text(title, text, service)
    parsed: list[cond.Condition] | None = None
    if conditions is not None:
        try:
            parsed = cond.validate(conditions)
        except ValueError as exc:
            raise ValidationFailed(str(exc), code=PolicyError.BAD_CONDITIONS, field="conditions") from exc
    with transaction.atomic():
        policy, access = access_policy(actor, policy_id, for_update=True)
        if not access.can_edit:
            raise PermissionRefused("政策已提交审核，不能再修改", code=PolicyError.NOT_EDITABLE)
        text_changed = (policy.title, policy.text) != (title, text)
        policy.title, policy.text, policy.service = title, text, service
        _analyse(policy, parsed if parsed is not None or not text_changed else None)
        if parsed is None and not text_changed:
            policy.conditions = policy.conditions  # unchanged conditions stay as edited before
        policy.save()
        _event(policy, actor, "edited", text_changed=text_changed, conditions_edited=parsed is not None)
    return policy


def _in_scope_profiles(actor: User) -> Any:
    return scope.scope_for(actor, "policy_officer").filter(DemandProfile.objects.filter(user__isnull=False))


def submit_list(*, actor: User, policy_id: int, profile_ids: list[int]) -> int:
    """The officer's pre-screened list: the ticked residents, each with the evidence they were matched on."""
    ids = sorted({int(i) for i in profile_ids})
    with transaction.atomic():
        policy, access = access_policy(actor, policy_id, for_update=True)
        if not access.can_edit:
            raise PermissionRefused("政策已提交审核", code=PolicyError.NOT_EDITABLE)
        if not ids:
            raise ValidationFailed("请先勾选居民", code=PolicyError.NOTHING_TICKED)
        if len(ids) > LIST_MAX:
            raise ValidationFailed(f"一次最多提交{LIST_MAX}人", code=PolicyError.NOTHING_TICKED)
        allowed = _in_scope_profiles(actor).filter(pk__in=ids)
        if allowed.count() != len(ids):
            raise ValidationFailed("所选居民不在您的管辖范围内", code=PolicyError.NOT_IN_SCOPE)
        _analysis, matches = store.match(policy.title, policy.text, conditions_of(policy), allowed, top=len(ids))
        by_id = {int(m.resident): m for m in matches}
        Entry.objects.filter(policy=policy).delete()
        Entry.objects.bulk_create([
            Entry(policy=policy, profile_id=pid, submitted_by=actor,
                  score=round(by_id[pid].score, 4) if pid in by_id else 0.0,
                  evidence={"features": sorted(by_id[pid].evidence, key=lambda f: -by_id[pid].evidence[f])[:12]
                            if pid in by_id else [],
                            "met": [c.describe() for c in by_id[pid].met] if pid in by_id else []})
            for pid in ids])
        policy.status = PolicyStatus.SUBMITTED
        policy.save(update_fields=["status", "updated_at"])
        _event(policy, actor, "submitted", count=len(ids))
    return len(ids)


def review_entry(*, actor: User, policy_id: int, entry_id: int, confirm: bool, reason: str = "") -> Entry:
    """The reviewer confirms a name, or strikes it with a reason; never on a policy they wrote."""
    reason = (reason or "").strip()
    with transaction.atomic():
        policy, access = access_policy(actor, policy_id, for_update=True)
        _check_reviewer(access)
        if not confirm and not reason:
            raise ValidationFailed("剔除须填写理由", code=PolicyError.REASON_REQUIRED, field="reason")
        if len(reason) > REASON_MAX:
            raise ValidationFailed(f"理由不能超过{REASON_MAX}字", code=PolicyError.TOO_LONG, field="reason")
        entry = Entry.objects.select_for_update().filter(pk=entry_id, policy=policy).first()
        if entry is None:
            raise ValidationFailed("名单中没有该居民", code=PolicyError.NOT_FOUND)
        entry.decision = EntryDecision.CONFIRMED if confirm else EntryDecision.STRUCK
        entry.reason = "" if confirm else reason
        entry.reviewed_by, entry.reviewed_at = actor, clock.now()
        entry.save(update_fields=["decision", "reason", "reviewed_by", "reviewed_at"])
        _event(policy, actor, "confirmed" if confirm else "struck", entry=entry.pk, reason=entry.reason)
    return entry


def _check_reviewer(access: Any) -> None:
    if access.is_author:
        raise PermissionRefused("不能审核自己录入的政策", code=PolicyError.OWN_POLICY)
    if not access.is_reviewer:
        raise PermissionRefused("只有政策审核员可以审核")
    if access.status != PolicyStatus.SUBMITTED:
        raise PermissionRefused("该政策不在待审核状态", code=PolicyError.NOT_SUBMITTED)


def complete_review(*, actor: User, policy_id: int) -> int:
    """Close the review: names still pending are confirmed; returns how many are confirmed."""
    with transaction.atomic():
        policy, access = access_policy(actor, policy_id, for_update=True)
        _check_reviewer(access)
        now = clock.now()
        Entry.objects.filter(policy=policy, decision=EntryDecision.PENDING).update(
            decision=EntryDecision.CONFIRMED, reviewed_by=actor, reviewed_at=now)
        confirmed = Entry.objects.filter(policy=policy, decision=EntryDecision.CONFIRMED).count()
        if not confirmed:
            raise ValidationFailed("名单中没有确认的居民", code=PolicyError.NOTHING_CONFIRMED)
        policy.status = PolicyStatus.REVIEWED
        policy.save(update_fields=["status", "updated_at"])
        _event(policy, actor, "reviewed", confirmed=confirmed)
    return confirmed


def policy_domains(policy: Policy) -> list[str]:
    return list((policy.analysis or {}).get("domains", []))[:1]


def send_policy(*, actor: User, policy_id: int, channels: list[str], entry_id: int | None = None) -> int:
    """Send to the confirmed residents (one with entry_id, else all): a 信箱 letter, a reminder, a group chat.

    Residents who said 不再推送此类政策 for the policy's domain get nothing.
    The group chat is for 群发 only: one new group per community of the
    residents sent to, with the policy as its 群公告."""
    chosen = [c for c in dict.fromkeys(channels) if c in SEND_CHANNELS]
    with transaction.atomic():
        policy, access = access_policy(actor, policy_id, for_update=True)
        if not chosen or len(chosen) != len(set(channels)):
            raise ValidationFailed("请选择推送方式", code=PolicyError.BAD_CHANNEL, field="channels")
        if access.is_author:
            raise PermissionRefused("不能推送自己录入的政策", code=PolicyError.OWN_POLICY)
        if "group" in chosen and entry_id is not None:
            raise ValidationFailed("群聊只能群发", code=PolicyError.BAD_CHANNEL, field="channels")
        if not access.can_send:
            raise PermissionRefused("政策审核完成后才能推送", code=PolicyError.NOT_REVIEWED)
        entries = Entry.objects.select_for_update(of=("self",)).filter(policy=policy, decision=EntryDecision.CONFIRMED,
                                                           sent_at__isnull=True).select_related("profile__user")
        if entry_id is not None:
            entries = entries.filter(pk=entry_id)
        domains = policy_domains(policy)
        opted = set(OptOut.objects.filter(domain__in=domains).values_list("user_id", flat=True)) if domains else set()
        subject = f"政策推送：{policy.title}"[:120]
        body = policy.text + (f"\n\n服务内容：{policy.service}" if policy.service else "")
        link = reverse("policy:mine", args=[policy.pk])
        now = clock.now()
        sent = skipped = 0
        by_community: dict[int, list[int]] = defaultdict(list)
        for entry in entries:
            user = entry.profile.user
            if user is None or not user.is_active or user.pk in opted:
                skipped += 1
                continue
            if "inbox" in chosen:
                send_system_message(recipient=user, subject=subject, body=body, link=link)
            if "reminder" in chosen:
                outbox.enqueue(kind="push", payload={"user_id": user.pk, "subject": subject, "body": body[:500],
                                                     "link": link},
                               idempotency_key=f"policy:{policy.pk}:entry:{entry.pk}")
            if entry.profile.community_id is not None:
                by_community[entry.profile.community_id].append(user.pk)
            entry.sent_at = now
            entry.save(update_fields=["sent_at"])
            sent += 1
        groups = []
        if "group" in chosen:
            announcement = f"{policy.title}\n{body}"
            for community_id, members in sorted(by_community.items()):
                group = open_group_with_announcement(actor=actor, community_id=community_id,
                                                     name=f"政策：{policy.title}", member_ids=members,
                                                     announcement=announcement, author_role=GROUP_ROLE)
                if group is not None:
                    groups.append(group.pk)
        if entry_id is None and not Entry.objects.filter(policy=policy, decision=EntryDecision.CONFIRMED,
                                                         sent_at__isnull=True).exclude(
                profile__user_id__in=opted).exists():
            policy.status = PolicyStatus.SENT
            policy.save(update_fields=["status", "updated_at"])
        _event(policy, actor, "sent", sent=sent, skipped_opted_out=skipped, channels=chosen, entry=entry_id,
               groups=groups)
    return sent


def opt_out(*, actor: User, policy_id: int) -> list[str]:
    """不再推送此类政策: the resident who received this policy refuses its domain from now on."""
    with transaction.atomic():
        entry = Entry.objects.select_related("policy").filter(policy_id=policy_id, profile__user=actor,
                                                                sent_at__isnull=False).first()
        if entry is None:
            from shequtong.common.errors import NotFound

            raise NotFound("该政策不存在或您无权查看", code=PolicyError.NOT_FOUND)
        domains = policy_domains(entry.policy) or ["_all"]
        for d in domains:
            OptOut.objects.get_or_create(user=actor, domain=d)
        _event(entry.policy, actor, "opted_out", domains=domains)
    return domains


# --- care tags and profiles ---------------------------------------------------------------------


def set_care_tags(*, actor: User, profile_id: int, tags: list[str], hukou: str) -> DemandProfile:
    """The committee keeps a resident's care tags and household registration; every change is kept."""
    bad = [t for t in tags if t not in cond.TAGS]
    if bad:
        raise ValidationFailed("未知的关爱标签", code=PolicyError.BAD_TAG, field="tags")
    if hukou and hukou not in cond.HUKOU_VALUES:
        raise ValidationFailed("户籍选项不正确", code=PolicyError.BAD_TAG, field="hukou")
    with transaction.atomic():
        profile = access_care_tags(actor, profile_id, for_update=True)
        before = {"tags": list(profile.tags), "hukou": profile.hukou}
        profile.tags = sorted(set(tags), key=cond.TAGS.index)
        profile.tag_bits = tag_bits(profile.tags)
        profile.hukou = hukou
        profile.save(update_fields=["tags", "tag_bits", "hukou", "updated_at"])
        after = {"tags": profile.tags, "hukou": hukou}
        if before != after:
            CareTagChange.objects.create(profile=profile, actor=actor, before=before, after=after)
    return profile


def profile_for(user: User, community: Community | None = None) -> DemandProfile:
    """The resident's profile, created on first need with age and sex from their (already parsed) ID number."""
    birth, sex = user.birth_date, user.sex or ""
    if birth is None or not sex:
        # Age and sex come from the ID number (GB 11643); it is read here, never shown.
        try:
            info = parse_id_number(user.id_number or "")
            birth, sex = birth or info.birth_date, sex or info.sex
        except InvalidIdNumber:
            pass
    profile, created = DemandProfile.objects.get_or_create(
        user=user, defaults={"ref": f"u{user.pk}", "birth_date": birth, "sex": sex,
                             "community": community or scope.home_community(user)})
    if not created and community is not None and profile.community_id is None:
        profile.community = community
        profile.save(update_fields=["community"])
    return profile


def record_behaviour(*, user: User, kind: str, text: str, at: dt.datetime | None = None, target: str = "",
                     community: Community | None = None) -> BehaviourEvent:
    """One thing a resident wrote, read or liked, queued for their profile (folded in by `policy_profiles`)."""
    if kind not in EventKind.values:
        raise ValidationFailed("未知的行为类型")
    profile = profile_for(user, community)
    return BehaviourEvent.objects.create(profile=profile, kind=kind, text=(text or "")[:5000], target=target[:120],
                                         occurred_at=at or clock.now())


# --- live behaviour: the hook queues, the background job reads the text (PF-2) ----------------

# activity_recorded actions that feed a profile from the request path; reads are pulled instead
# (they happen on GET: the request must write nothing new), votes and conventions say no need.
_QUEUED = {"post": EventKind.POST, "reply": EventKind.REPLY, "like": EventKind.LIKE, "letter": EventKind.LETTER,
           "case": EventKind.CASE}


def on_activity(event: hooks.ActivityEvent) -> None:
    """hooks.activity_recorded: queue the event for the writer's profile; one INSERT, nothing computed here."""
    kind = _QUEUED.get(event.action)
    if kind is None:
        return
    prepared.create(PendingBehaviour, user_id=event.user_id, kind=kind, community_id=event.community_id,
                                    source_type=event.source_type, source_id=event.source_id, at=clock.now())


def ingest_behaviour(*, limit: int = 5000) -> int:
    """The profiles job's first step: queued rows and new first reads become BehaviourEvents, with their text.

    Texts come from the owning apps (common/hooks.py text sources) in one
    query per source type; a source deleted since (a withdrawn post) leaves
    nothing. A like taken back and given again counts once. Returns how many
    events were recorded; `store.rebuild_profiles` folds them in."""
    with transaction.atomic():
        queued = list(PendingBehaviour.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        records = [(q.user_id, q.kind, q.community_id, q.source_type, q.source_id, q.at) for q in queued]
        for name, source in sorted(hooks.read_sources().items()):
            SourceCursor.objects.get_or_create(name=name)
            cursor = SourceCursor.objects.select_for_update().get(name=name)
            reads = source(cursor.position, limit)
            if reads:
                records += [(r.user_id, EventKind.READ, r.community_id, r.source_type, r.source_id, r.at) for r in reads]
                cursor.position = reads[-1].read_id
                cursor.save(update_fields=["position"])
        if not records:
            return 0
        wanted: dict[str, set[int]] = defaultdict(set)
        for _u, _k, _c, source_type, source_id, _at in records:
            wanted[source_type].add(source_id)
        texts = {st: hooks.texts_of(st, sorted(ids)) for st, ids in wanted.items()}
        profiles = _profiles_of_users({r[0] for r in records})
        liked = set(BehaviourEvent.objects.filter(
            kind=EventKind.LIKE, profile_id__in=list(profiles.values()),
            target__in=[f"{r[3]}:{r[4]}" for r in records if r[1] == EventKind.LIKE]).values_list("profile_id", "target"))
        events = []
        for user_id, kind, _c, source_type, source_id, at in records:
            text, pid, target = texts[source_type].get(source_id), profiles.get(user_id), f"{source_type}:{source_id}"
            if not text or pid is None or (kind == EventKind.LIKE and (pid, target) in liked):
                continue
            if kind == EventKind.LIKE:
                liked.add((pid, target))
            events.append(BehaviourEvent(profile_id=pid, kind=kind, text=text[:5000], target=target, occurred_at=at))
        BehaviourEvent.objects.bulk_create(events, batch_size=2000)
        PendingBehaviour.objects.filter(pk__in=[q.pk for q in queued]).delete()
    return len(events)


def _profiles_of_users(user_ids: set[int]) -> dict[int, int]:
    """user id -> profile id, creating the profiles of residents seen for the first time."""
    found = dict(DemandProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "id"))
    for user in User.objects.filter(pk__in=user_ids - set(found), is_active=True):
        found[user.pk] = profile_for(user).pk
    return found


def refresh_profiles(*, limit: int = 20_000) -> int:
    """The worker's scheduled job `policy.profiles`: take in new behaviour, then fold it into the profiles."""
    ingest_behaviour(limit=limit)
    return store.rebuild_profiles(limit=limit)


def conditions_of(policy: Policy) -> list[cond.Condition]:
    return [cond.Condition.from_dict(c) for c in policy.conditions or []]
