"""Every state change of 关注/收藏, and the notices a followed thing's new steps send (OB-7).

- follow / favourite: the actor must be able to view the target (its app's
  ``access_<thing>``); following twice is one follow (a unique row, and a
  concurrent second insert is absorbed); both run in a transaction.
- unfollow / unfavourite remove the actor's own row, also when they may no
  longer view the target (their list hides it, and it still counts against
  the limit); without a row, a target they may not view is NotFound as ever.
- ``on_step`` (common.hooks.step_recorded) runs inside the step's
  transaction: every follower of the target (or of what the step is also
  about, a letter's case) who may still view it gets one 信箱 notice, except
  the actor and whoever the publisher tells otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import clock, hooks, masking, prepared
from shequtong.common.errors import ValidationFailed
from shequtong.inbox.services import send_system_messages

from . import kinds
from .errors import FollowError
from .models import Favourite, Follow

# Enough for anyone's real use; it keeps 我的关注/我的收藏 (checked whole against the viewing rules) small.
MAX_FOLLOWS = 500
MAX_FAVOURITES = 500

SUBJECT_NOUN = {"case": "问题", "letter": "来信", "topic": "议题"}


def _add(model: type[Follow] | type[Favourite], *, actor: User, target_type: str, target_id: int, limit: int,
         label: str) -> Any:
    existing = model.objects.filter(user=actor, target_type=target_type, target_id=target_id).first()
    if existing is not None:
        return existing
    if model.objects.filter(user=actor).count() >= limit:
        raise ValidationFailed(f"{label}已达上限（{limit}条），请先取消一些再{label}", code=FollowError.TOO_MANY)
    try:
        with transaction.atomic():  # a concurrent identical request inserted first: that row is the answer
            return model.objects.create(user=actor, target_type=target_type, target_id=target_id,
                                        created_at=clock.now())
    except IntegrityError:
        return model.objects.get(user=actor, target_type=target_type, target_id=target_id)


def follow(*, actor: User, target_type: str, target_id: int) -> Follow:
    """关注 a case, a letter or a 议事厅 topic the actor may view; following again changes nothing."""
    kind = kinds.followable(target_type)
    with transaction.atomic():
        kind.access(actor, target_id)
        return _add(Follow, actor=actor, target_type=kind.code, target_id=target_id, limit=MAX_FOLLOWS, label="关注")


def unfollow(*, actor: User, target_type: str, target_id: int) -> None:
    kind = kinds.followable(target_type)
    with transaction.atomic():
        if not Follow.objects.filter(user=actor, target_type=kind.code, target_id=target_id).delete()[0]:
            kind.access(actor, target_id)  # nothing to remove: an unseen target answers as missing


def favourite(*, actor: User, target_type: str, target_id: int) -> Favourite:
    """收藏 a post, a case or a letter the actor may view; favouriting again changes nothing."""
    kind = kinds.favouritable(target_type)
    with transaction.atomic():
        kind.access(actor, target_id)
        return _add(Favourite, actor=actor, target_type=kind.code, target_id=target_id, limit=MAX_FAVOURITES,
                    label="收藏")


def unfavourite(*, actor: User, target_type: str, target_id: int) -> None:
    kind = kinds.favouritable(target_type)
    with transaction.atomic():
        if not Favourite.objects.filter(user=actor, target_type=kind.code, target_id=target_id).delete()[0]:
            kind.access(actor, target_id)


# --- a followed thing took a step ---------------------------------------------------------


def on_step(event: hooks.StepEvent) -> None:
    """hooks.step_recorded (subscribed in FollowsConfig.ready())."""
    notify_followers(event)


def _targets(types: list[str], ids: list[int]) -> Q:
    where = Q(pk__in=[])
    for target_type, target_id in zip(types, ids, strict=True):
        where |= Q(target_type=target_type, target_id=target_id)
    return where


@prepared.query
def _follows_of(types: list[str], ids: list[int]) -> QuerySet[Follow, tuple[int, str, int]]:
    return Follow.objects.filter(_targets(types, ids)).values_list("user_id", "target_type", "target_id")


@prepared.update
def _stepped(types: list[str], ids: list[int], at: dt.datetime) -> tuple[QuerySet[Follow], dict[str, Any]]:
    return Follow.objects.filter(_targets(types, ids)), {"last_step_at": at}


def notify_followers(event: hooks.StepEvent) -> int:
    """One 信箱 notice per follower who may still view the target; returns how many were sent."""
    targets = [(event.target_type, event.target_id, event.link), *event.also]
    types, ids = [t for t, _i, _l in targets], [i for _t, i, _l in targets]
    rows = _follows_of(types, ids)  # every step asks; most targets have no follower
    if not rows:
        return 0
    _stepped(types, ids, event.at)
    # One notice per person: about the first target they follow in `targets` order (the case before its letter).
    order = {(t, i): n for n, (t, i, _l) in enumerate(targets)}
    chosen: dict[int, tuple[str, int]] = {}
    for user_id, target_type, target_id in sorted(rows, key=lambda r: order[(r[1], r[2])]):
        if user_id != event.actor_id and user_id not in event.skip_user_ids:
            chosen.setdefault(user_id, (target_type, target_id))
    if not chosen:
        return 0
    users = (User.objects.filter(pk__in=sorted(chosen), is_active=True).only("id", "is_active")
             .prefetch_related("role_grants__subdistrict", "role_grants__community", "role_grants__estate"))
    objects = {(t, i): kinds.FOLLOWABLE[t].load([i]).get(i) for t, i in set(chosen.values())}
    links = {(t, i): link for t, i, link in targets}
    by_target: dict[tuple[str, int], list[int]] = {}
    cache: dict[Any, Any] = {}
    for user in users:
        scope.remember(user, list(user.role_grants.all()))
        target = chosen[user.pk]
        obj = objects.get(target)
        if obj is not None and kinds.FOLLOWABLE[target[0]].can_view(user, obj, cache):
            by_target.setdefault(target, []).append(user.pk)
    sent = 0
    for (target_type, _id), user_ids in by_target.items():
        subject = f"您关注的{SUBJECT_NOUN[target_type]}『{_short(event.title)}』有新进展"
        # Followers are not the raiser: phone and ID numbers in the note reach them masked, as on the case page.
        body = f"{event.step}" + (f"：{masking.mask_text(event.note)}" if event.note else "") + "。"
        send_system_messages(recipient_ids=user_ids, subject=subject, body=body, link=links[(target_type, _id)])
        sent += len(user_ids)
    return sent


def _short(title: str) -> str:
    return title if len(title) <= 24 else title[:23] + "…"
