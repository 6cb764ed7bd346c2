"""/api/v1/chats: the same 小区群 actions as the pages, through the same services and policies.

Operations declare the capability their page declares; chats.policies decides
per group and message; the API's exception handler renders DomainErrors.
"""

from __future__ import annotations

from ninja import Router

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import ValidationFailed

from . import policies, selectors, services
from .models import GroupChat, GroupMessage
from .policies import GroupAccess
from .schemas import (
    AddedOut,
    AnnouncementIn,
    GroupDetailOut,
    GroupIn,
    GroupOut,
    HideIn,
    MembersIn,
    MentionOut,
    MessageIn,
    MessageOut,
    MessagePageOut,
)

router = Router(tags=["chats"])


def _group_out(g: GroupChat) -> GroupOut:
    return GroupOut(
        id=g.pk, name=g.name, kind=g.kind, kind_label=str(g.get_kind_display()), community_id=g.community_id,
        community=g.community.name, estate=g.estate.name if g.estate else None, announcement=g.announcement,
        last_message_id=g.last_message_id, last_message_at=g.last_message_at, unread=getattr(g, "unread", 0),
    )


def _message_out(m: GroupMessage, ga: GroupAccess, mentioned: set[int]) -> MessageOut:
    show = not m.is_hidden or ga.can_moderate
    return MessageOut(
        id=m.pk, group_id=m.group_id, author=m.author.display_name if m.author else None, author_role=m.author_role,
        kind=m.kind, body=m.body if show else "", hidden=m.is_hidden,
        hidden_reason=m.hidden_reason if ga.can_moderate and m.is_hidden else None,
        mention_count=getattr(m, "mention_count", None) if ga.can_moderate else None,
        mentioned_by_me=m.pk in mentioned, created_at=m.created_at,
    )


def _limit(limit: int, top: int = 100) -> int:
    return max(1, min(limit, top))


@router.get("/groups", response=list[GroupOut])
@access.login
def my_groups(request: AuthedRequest, limit: int = 50, offset: int = 0) -> list[GroupOut]:
    """The groups I belong to, as a resident or as committee staff; most recent activity first."""
    return [_group_out(g) for g in selectors.groups_for(request.user)[offset : offset + _limit(limit, 200)]]


@router.get("/communities/{community_id}/groups", response=list[GroupOut])
@access.capability("committee", "observe_chats")
def community_groups(request: AuthedRequest, community_id: int, limit: int = 50, offset: int = 0) -> list[GroupOut]:
    """Every group of one community: for its committee staff and for patrol observers in scope."""
    community = policies.access_community_chats(request.user, community_id)
    qs = selectors.community_groups(request.user, community)
    return [_group_out(g) for g in qs[offset : offset + _limit(limit, 200)]]


@router.get("/groups/{group_id}", response=GroupDetailOut)
@access.login
def group(request: AuthedRequest, group_id: int) -> GroupDetailOut:
    group, ga = selectors.read_group(request.user, group_id, request=request)
    base = _group_out(group).dict()
    return GroupDetailOut(**base, role=ga.role, can_send=ga.can_send, can_moderate=ga.can_moderate,
                          mention_label="@" + group.community.committee_label)


@router.get("/groups/{group_id}/messages", response=MessagePageOut)
@access.login
def messages(request: AuthedRequest, group_id: int, since: int | None = None, before: int | None = None,
             limit: int = 30) -> MessagePageOut:
    """Messages oldest first. `since=ID`: newer than ID (live updates); `before=ID`: the page before ID."""
    if since is not None and before is not None:
        raise ValidationFailed("since 与 before 只能二选一", field="since")
    # Live updates (since=) re-read what the opening showed: audited once, at the opening.
    group, ga = (policies.access_group(request.user, group_id) if since is not None
                 else selectors.read_group(request.user, group_id, request=request))
    limit = _limit(limit)
    has_more = False
    if since is not None:
        rows = selectors.messages_after(group, after=since, limit=limit, with_mentions=ga.can_moderate)
    else:
        rows, has_more = selectors.messages_before(group, before=before, limit=limit, with_mentions=ga.can_moderate)
    if rows and before is None:
        services.mark_read(actor=request.user, group_id=group.pk, last_id=rows[-1].pk)
    mentioned = selectors.mentioned_by(request.user, rows)
    return MessagePageOut(
        items=[_message_out(m, ga, mentioned) for m in rows], has_more=has_more,
        next_before=rows[0].pk if rows and has_more else None,
        next_since=rows[-1].pk if rows else (since if since is not None else 0),
    )


@router.post("/groups/{group_id}/messages", response={201: MessageOut})
@access.login
def send(request: AuthedRequest, group_id: int, payload: MessageIn) -> tuple[int, MessageOut]:
    message = services.send_message(actor=request.user, group_id=group_id, body=payload.body)
    _, ga = policies.access_group(request.user, group_id)
    return 201, _message_out(message, ga, selectors.mentioned_by(request.user, [message]))


@router.post("/messages/{message_id}/mention", response={201: MentionOut})
@access.login
def mention(request: AuthedRequest, message_id: int) -> tuple[int, MentionOut]:
    """The @居委/@村委 button: record the message for case tracking (409 if already pressed)."""
    m = services.mention_message(actor=request.user, message_id=message_id)
    return 201, MentionOut(id=m.pk, message_id=m.message_id, patrol_level=m.patrol_level, created_at=m.created_at)


def _moderated_out(request: AuthedRequest, message: GroupMessage) -> MessageOut:
    _, ga = policies.access_group(request.user, message.group_id)
    return _message_out(message, ga, set())


@router.post("/messages/{message_id}/hide", response=MessageOut)
@access.capability("committee")
def hide(request: AuthedRequest, message_id: int, payload: HideIn) -> MessageOut:
    return _moderated_out(request, services.hide_message(actor=request.user, message_id=message_id, reason=payload.reason))


@router.post("/messages/{message_id}/restore", response=MessageOut)
@access.capability("committee")
def restore(request: AuthedRequest, message_id: int) -> MessageOut:
    return _moderated_out(request, services.restore_message(actor=request.user, message_id=message_id))


@router.post("/groups", response={201: GroupOut})
@access.capability("committee")
def create_group(request: AuthedRequest, payload: GroupIn) -> tuple[int, GroupOut]:
    g = services.create_group(actor=request.user, community_id=payload.community_id, name=payload.name, member_ids=payload.member_ids)
    return 201, _group_out(g)


@router.post("/groups/{group_id}/members", response=AddedOut)
@access.capability("committee")
def add_members(request: AuthedRequest, group_id: int, payload: MembersIn) -> AddedOut:
    return AddedOut(added=services.add_members(actor=request.user, group_id=group_id, user_ids=payload.user_ids))


@router.delete("/groups/{group_id}/members/{user_id}", response={204: None})
@access.capability("committee")
def remove_member(request: AuthedRequest, group_id: int, user_id: int) -> tuple[int, None]:
    services.remove_member(actor=request.user, group_id=group_id, user_id=user_id)
    return 204, None


@router.put("/groups/{group_id}/announcement", response=GroupOut)
@access.capability("committee")
def announcement(request: AuthedRequest, group_id: int, payload: AnnouncementIn) -> GroupOut:
    return _group_out(services.set_announcement(actor=request.user, group_id=group_id, text=payload.text))
