"""Who may open which group chat and what they may do there: the one answer pages, API, templates and services read.

A person opens a group in one of three roles:
- "staff": committee staff of the group's community (send, moderate, manage);
- "member": a resident of the estate (estate group), a listed member who
  is still a resident of the community (committee group), or a listed member
  who still lives in the group's estate (a group residents created) — send;
  the resident who created a residents' group also invites neighbours;
- "observer": subdistrict/district patrol staff whose scope covers the
  community — read, and press @居委 (CT-5, OB-8).
Anyone else gets NotFound, the same answer as for a group that does not exist
(docs/adr/0001).
"""

from __future__ import annotations

from dataclasses import dataclass

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.accounts.roles import roles_with
from shequtong.common.errors import NotFound
from shequtong.places.models import Community

from .errors import ChatError
from .models import GroupChat, GroupMember, GroupMessage

STAFF = "staff"
MEMBER = "member"
OBSERVER = "observer"

GROUP_NOT_FOUND = "群聊不存在或您无权查看"
COMMUNITY_NOT_FOUND = "居村委不存在或不在您的辖区"


@dataclass(frozen=True)
class GroupAccess:
    role: str
    is_estate: bool
    is_residents: bool = False
    is_owner: bool = False  # created this residents' group

    @property
    def can_send(self) -> bool:
        return self.role in (STAFF, MEMBER)

    @property
    def can_moderate(self) -> bool:
        """Hide and restore messages, post the 群公告, see the history: the community's committee staff."""
        return self.role == STAFF

    @property
    def can_manage_members(self) -> bool:
        """Estate groups are made of the estate's residents; committee and residents' groups have chosen members."""
        return self.can_moderate and not self.is_estate

    @property
    def can_invite(self) -> bool:
        """Invite neighbours of the estate by name: the committee, or the resident who created the group."""
        return self.can_manage_members or (self.is_residents and self.is_owner and self.role == MEMBER)

    @property
    def can_mention(self) -> bool:
        return True

    @property
    def is_observer(self) -> bool:
        return self.role == OBSERVER


def resident_estate_ids(user: User) -> set[int]:
    members = roles_with("member")
    return {g.estate_id for g in scope.grants_of(user) if g.role in members and g.estate_id}


def resident_community_ids(user: User) -> frozenset[int]:
    return scope.scope_for(user, "member").community_ids


def _role(actor: User, group: GroupChat) -> str | None:
    community = group.community
    if scope.scope_for(actor, "committee").covers_community(community):
        return STAFF
    if group.is_estate:
        if group.estate_id in resident_estate_ids(actor):
            return MEMBER
    elif group.is_residents:
        # Invisible outside its estate: a listed member who moved away no longer opens it.
        if group.estate_id in resident_estate_ids(actor) and GroupMember.objects.filter(group=group, user_id=actor.pk).exists():
            return MEMBER
    elif community.pk in resident_community_ids(actor) and GroupMember.objects.filter(group=group, user_id=actor.pk).exists():
        return MEMBER
    if scope.scope_for(actor, "observe_chats").covers_community(community):
        return OBSERVER
    return None


def group_access(actor: User, group: GroupChat) -> GroupAccess | None:
    """What ``actor`` may do in a group already in hand; None when they may not open it."""
    role = _role(actor, group)
    if role is None:
        return None
    return GroupAccess(role=role, is_estate=group.is_estate, is_residents=group.is_residents,
                       is_owner=group.is_residents and group.created_by_id == actor.pk)


def access_group(actor: User, group_id: int, *, for_update: bool = False) -> tuple[GroupChat, GroupAccess]:
    """The group and what ``actor`` may do in it; NotFound when it is missing or not theirs to open."""
    qs = GroupChat.objects.select_for_update(of=("self",)) if for_update else GroupChat.objects.all()
    group = qs.select_related("community", "estate").filter(pk=group_id).first()
    access = group_access(actor, group) if group is not None else None
    if group is None or access is None:
        raise NotFound(GROUP_NOT_FOUND, code=ChatError.GROUP_NOT_FOUND)
    return group, access


def access_message(actor: User, message_id: int) -> tuple[GroupMessage, GroupAccess]:
    """A message (with its group) and what ``actor`` may do in its group; NotFound alike for missing and unseen."""
    message = GroupMessage.objects.select_related("author").filter(pk=message_id).first()
    if message is None:
        raise NotFound("消息不存在或您无权查看", code=ChatError.MESSAGE_NOT_FOUND)
    try:
        group, access = access_group(actor, message.group_id)
    except NotFound:
        raise NotFound("消息不存在或您无权查看", code=ChatError.MESSAGE_NOT_FOUND) from None
    message.group = group
    return message, access


def access_community_chats(actor: User, community_id: int) -> Community:
    """A community whose groups the actor may list: its committee staff, or patrol staff covering it (else NotFound)."""
    for capability in ("committee", "observe_chats"):
        try:
            return scope.community_in_scope(actor, capability, community_id)
        except NotFound:
            continue
    raise NotFound(COMMUNITY_NOT_FOUND, code=ChatError.COMMUNITY_NOT_FOUND)
