"""Every state change of 小区群: estate groups, messages, @居委, moderation, committee groups, announcements.

Each service fetches and authorises its group or message through
chats.policies (``access_group`` / ``access_message``) and takes ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import roles_with
from shequtong.common import clock, hooks, versioned
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox.services import send_system_message
from shequtong.places.models import Community, Estate

from . import live, policies, selectors
from .errors import ChatError
from .models import GroupChat, GroupHistory, GroupMember, GroupMention, GroupMessage, GroupReadState

BODY_MAX = 1000
ANNOUNCEMENT_MAX = 1000
NAME_MAX = 50
# A brake on flooding a group, far above what people type.
MESSAGES_PER_MINUTE = 30
MENTION_PREFIXES = ("@居委", "@村委")


# --- estate groups ------------------------------------------------------------

def estate_group_name(estate: Estate, community: Community) -> str:
    if community.is_rural:
        return f"{community.name.removesuffix('村委')}{estate.name}群"
    return f"{estate.name}群" if estate.name.endswith("小区") else f"{estate.name}小区群"


def ensure_estate_groups(*, estate_ids: Iterable[int] = (), community_ids: Iterable[int] = ()) -> int:
    """Create the estate group of every given estate (or every estate of the communities) that has none.

    Called when memberships change (on_membership_changed) and by loaders that
    create estates in bulk; migration 0002 created the groups of the estates
    that existed before. Pages never call it: a GET writes nothing. Safe to
    call concurrently: the unique constraint on estate settles races.
    """
    q = Q()
    estate_ids, community_ids = sorted(set(estate_ids)), sorted(set(community_ids))
    if not estate_ids and not community_ids:
        return 0
    if estate_ids:
        q |= Q(pk__in=estate_ids)
    if community_ids:
        q |= Q(community_id__in=community_ids)
    return _create_missing_groups(Estate.objects.filter(q))


def ensure_every_estate_group() -> int:
    """Give every estate that has none its group: for loaders that create estates in bulk (the demo seed, imports)."""
    return _create_missing_groups(Estate.objects.all())


def _create_missing_groups(estates: QuerySet[Estate]) -> int:
    missing = list(
        estates.filter(~Exists(GroupChat.objects.filter(estate_id=OuterRef("pk"), kind=GroupChat.Kind.ESTATE)))
        .select_related("community")
    )
    if not missing:
        return 0
    now = clock.now()
    GroupChat.objects.bulk_create(
        [GroupChat(community=e.community, estate=e, kind=GroupChat.Kind.ESTATE, name=estate_group_name(e, e.community),
                   created_at=now) for e in missing],
        batch_size=1000, ignore_conflicts=True,
    )
    return len(missing)


def on_membership_changed(event: hooks.MembershipEvent) -> None:
    """hooks.membership_changed: a person joined a community or got a role on one; its estate groups must exist.

    Runs inside the accounts transaction, so the groups commit with the grant.
    Staff see every estate group of their community, so the whole community's
    groups are ensured, not only the resident's estate.
    """
    if event.community_id is None:
        return  # subdistrict and district roles observe groups that exist already
    ensure_estate_groups(community_ids=[event.community_id])


# --- messages -------------------------------------------------------------------

def _clean_body(body: str, *, limit: int = BODY_MAX, what: str = "消息") -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(f"请输入{what}内容", field="body")
    if len(body) > limit:
        raise ValidationFailed(f"{what}不能超过{limit}字", field="body")
    return body


def _post(group: GroupChat, *, author: User, body: str, kind: str = GroupMessage.Kind.TEXT, author_role: str = "") -> GroupMessage:
    now = clock.now()
    message = GroupMessage.objects.create(
        group=group, community_id=group.community_id, author=author, author_role=author_role,
        kind=kind, body=body, created_at=now,
    )
    GroupChat.objects.filter(pk=group.pk, last_message_id__lt=message.pk).update(last_message_id=message.pk, last_message_at=now)
    versioned.touch(*selectors.group_deps(group))  # a new unread message for everyone in the group (unread_groups)
    transaction.on_commit(lambda: live.publish(group.pk, message.pk))
    return message


def send_message(*, actor: User, group_id: int, body: str) -> GroupMessage:
    """Send a text message. Typing @居委/@村委 first also records the message for the committee (CT-1)."""
    body = _clean_body(body)
    with transaction.atomic():
        group, access = policies.access_group(actor, group_id, for_update=True)
        if not access.can_send:
            raise PermissionRefused("观察模式下只能查看群聊，不能发言")
        since = clock.now() - timedelta(minutes=1)
        if GroupMessage.objects.filter(group=group, author=actor, created_at__gte=since).count() >= MESSAGES_PER_MINUTE:
            raise ValidationFailed("发言过于频繁，请稍后再试", code=ChatError.MESSAGES_THROTTLED)
        role = group.community.committee_label if access.can_moderate else ""
        message = _post(group, author=actor, body=body, author_role=role)
        if body.startswith(MENTION_PREFIXES):
            _record_mention(actor=actor, message=message, group=group)
    mark_read(actor=actor, group_id=group.pk, last_id=message.pk)
    return message


def mark_read(*, actor: User, group_id: int, last_id: int) -> None:
    """Move the person's read marker forward (never back).

    The one write a group page makes when opened, like a read receipt: the
    caller has just shown these messages through policies.access_group (the
    poller runs every few seconds, so the check is not repeated here). A
    marker only ever concerns the actor's own reading.
    """
    if last_id <= 0:
        return
    # The person's unread-groups badge (selectors.unread_groups) is computed again; the insert below
    # cannot tell a new row from an existing one, so it touches too.
    if GroupReadState.objects.filter(group_id=group_id, user_id=actor.pk, last_read_id__lt=last_id).update(last_read_id=last_id):
        versioned.touch(selectors.user_dep(actor.pk))
        return
    # No row yet, or already at/after last_id: insert, and let an existing row win.
    GroupReadState.objects.bulk_create([GroupReadState(group_id=group_id, user_id=actor.pk, last_read_id=last_id)],
                                       ignore_conflicts=True)
    versioned.touch(selectors.user_dep(actor.pk))


# --- @居委 ------------------------------------------------------------------------

def _record_mention(*, actor: User, message: GroupMessage, group: GroupChat) -> GroupMention:
    community = group.community
    try:
        with transaction.atomic():
            mention = GroupMention.objects.create(
                message=message, community=community, actor=actor,
                patrol_level=scope.patrol_level(actor, community), created_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(f"您已@{community.committee_label}过这条消息", code=ChatError.ALREADY_MENTIONED) from None
    hooks.mention_recorded.publish(hooks.MentionEvent(
        mention_id=mention.pk,
        community_id=community.pk,
        actor_id=actor.pk,
        author_id=message.author_id,
        source_type="group_message",
        source_id=message.pk,
        board="group_chat",
        text=message.body[:2000],
        url=message.get_absolute_url(),
        patrol_level=mention.patrol_level,
        created_at=mention.created_at,
        context_title=group.name,
    ))
    return mention


def mention_message(*, actor: User, message_id: int) -> GroupMention:
    """Press @居委/@村委 beside a message: record it so the committee tracks it as a case (CT-1, CT-5).

    Residents, committee staff and patrol observers may press it; staff and
    observers carry their patrol level.
    """
    message, access = policies.access_message(actor, message_id)
    if not access.can_mention:
        raise PermissionRefused()
    if message.is_hidden:
        raise ValidationFailed("该消息已被隐藏", code=ChatError.MESSAGE_HIDDEN)
    if message.kind != GroupMessage.Kind.TEXT:
        raise ValidationFailed("群公告无需提醒", code=ChatError.NOT_A_MESSAGE)
    with transaction.atomic():
        return _record_mention(actor=actor, message=message, group=message.group)


# --- moderation -----------------------------------------------------------------

def _moderated(actor: User, message_id: int) -> tuple[GroupMessage, GroupChat]:
    message, access = policies.access_message(actor, message_id)
    if not access.can_moderate:
        raise PermissionRefused("只有居村委工作人员可以管理群消息")
    return message, message.group


def hide_message(*, actor: User, message_id: int, reason: str) -> GroupMessage:
    """Hide a message from the group; it stays in the database and history, and the author is told in 信箱."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写隐藏原因", field="reason")
    message, group = _moderated(actor, message_id)
    with transaction.atomic():
        locked = GroupMessage.objects.select_for_update().get(pk=message.pk)
        if locked.hidden_at is not None:
            raise Conflict("该消息已被隐藏", code=ChatError.ALREADY_HIDDEN)
        locked.hidden_at = clock.now()
        locked.hidden_by = actor
        locked.hidden_reason = reason[:200]
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        GroupHistory.objects.create(group=group, message=locked, actor=actor, action=GroupHistory.Action.HIDDEN,
                                    detail={"reason": locked.hidden_reason}, created_at=locked.hidden_at)
        if locked.author_id and locked.author_id != actor.pk:
            send_system_message(
                recipient=locked.author,
                subject=f"您在“{group.name}”的一条消息已被隐藏",
                body=f"隐藏原因：{locked.hidden_reason}\n原消息：{locked.body[:200]}\n如有疑问，请联系{group.community.committee_label}。",
                link=group.get_absolute_url(),
            )
    locked.group = group
    return locked


def restore_message(*, actor: User, message_id: int) -> GroupMessage:
    message, group = _moderated(actor, message_id)
    with transaction.atomic():
        locked = GroupMessage.objects.select_for_update().get(pk=message.pk)
        if locked.hidden_at is None:
            raise Conflict("该消息未被隐藏", code=ChatError.NOT_HIDDEN)
        old_reason = locked.hidden_reason
        locked.hidden_at = None
        locked.hidden_by = None
        locked.hidden_reason = ""
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        GroupHistory.objects.create(group=group, message=locked, actor=actor, action=GroupHistory.Action.RESTORED,
                                    detail={"previous_reason": old_reason}, created_at=clock.now())
        if locked.author_id and locked.author_id != actor.pk:
            send_system_message(
                recipient=locked.author,
                subject=f"您在“{group.name}”的消息已恢复显示",
                body=f"您的消息已恢复显示：{locked.body[:200]}",
                link=locked.get_absolute_url(),
            )
    locked.group = group
    return locked


# --- committee groups and announcements ----------------------------------------------

def _check_residents(community: Community, user_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return []
    residents = set(
        RoleGrant.objects.filter(role__in=sorted(roles_with("member")), community=community, user_id__in=ids)
        .values_list("user_id", flat=True)
    )
    if set(ids) - residents:
        raise ValidationFailed("只能添加本社区的居民", field="members")
    return ids


def create_group(*, actor: User, community_id: int, name: str, member_ids: Iterable[int] = ()) -> GroupChat:
    """The committee creates a group and chooses its members among the community's residents."""
    community = scope.community_in_scope(actor, "committee", community_id)
    name = (name or "").strip()
    if not (2 <= len(name) <= NAME_MAX):
        raise ValidationFailed(f"群名称为2到{NAME_MAX}个字", field="name")
    ids = _check_residents(community, member_ids)
    now = clock.now()
    with transaction.atomic():
        group = GroupChat.objects.create(community=community, kind=GroupChat.Kind.CUSTOM, name=name, created_by=actor, created_at=now)
        GroupMember.objects.bulk_create([GroupMember(group=group, user_id=u, added_by=actor, added_at=now) for u in ids])
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.CREATED,
                                    detail={"name": name, "members": ids}, created_at=now)
    return group


def open_group_with_announcement(*, actor: User, community_id: int, name: str, member_ids: Iterable[int],
                                 announcement: str, author_role: str) -> GroupChat | None:
    """A new group of chosen residents with its 群公告, opened on behalf of another service that has already
    authorised `actor` (政策找人: a reviewer sends a policy to the residents it confirmed).

    The group is an ordinary committee group of the community afterwards (its
    staff manage it). People who are no longer residents of the community
    are left out; with nobody left, no group is made (None). Call it inside
    the caller's transaction."""
    community = Community.objects.get(pk=community_id)
    wanted = sorted({int(u) for u in member_ids})
    ids = sorted(RoleGrant.objects.filter(role__in=sorted(roles_with("member")), community=community,
                                          user_id__in=wanted).values_list("user_id", flat=True).distinct())
    if not ids:
        return None
    name = (name or "").strip()[:NAME_MAX]
    text = (announcement or "").strip()[:ANNOUNCEMENT_MAX]
    if len(name) < 2 or not text:
        raise ValidationFailed("群名称和群公告不能为空", field="announcement")
    now = clock.now()
    with transaction.atomic():
        group = GroupChat.objects.create(community=community, kind=GroupChat.Kind.CUSTOM, name=name, created_by=actor,
                                         created_at=now, announcement=text, announcement_at=now, announcement_by=actor)
        GroupMember.objects.bulk_create([GroupMember(group=group, user_id=u, added_by=actor, added_at=now) for u in ids])
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.CREATED,
                                    detail={"name": name, "members": ids, "by": author_role}, created_at=now)
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.ANNOUNCEMENT,
                                    detail={"text": text}, created_at=now)
        _post(group, author=actor, body=text, kind=GroupMessage.Kind.ANNOUNCEMENT, author_role=author_role[:10])
    return group


# --- groups residents create among neighbours of their estate (§3.4.1 item 2.11, PC-10) ---------------

def _check_neighbours(estate_id: int, user_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return []
    neighbours = set(
        RoleGrant.objects.filter(role__in=sorted(roles_with("member")), estate_id=estate_id, user_id__in=ids)
        .values_list("user_id", flat=True)
    )
    if set(ids) - neighbours:
        raise ValidationFailed("只能邀请本小区的居民", field="members")
    return ids


def create_resident_group(*, actor: User, estate_id: int, name: str, member_ids: Iterable[int] = ()) -> GroupChat:
    """A resident creates a group of neighbours in their own estate; the committee sees and moderates it.

    The creator is its first member; others are invited by name among the
    estate's residents. It is invisible outside the estate (chats.policies).
    """
    if estate_id not in policies.resident_estate_ids(actor):
        raise NotFound("只能在您登记的小区建群", code=ChatError.ESTATE_NOT_FOUND)
    name = (name or "").strip()
    if not (2 <= len(name) <= NAME_MAX):
        raise ValidationFailed(f"群名称为2到{NAME_MAX}个字", field="name")
    ids = [u for u in _check_neighbours(estate_id, member_ids) if u != actor.pk]
    estate = Estate.objects.select_related("community").get(pk=estate_id)
    now = clock.now()
    with transaction.atomic():
        group = GroupChat.objects.create(community=estate.community, estate=estate, kind=GroupChat.Kind.RESIDENT,
                                         name=name, created_by=actor, created_at=now)
        GroupMember.objects.bulk_create([GroupMember(group=group, user_id=u, added_by=actor, added_at=now)
                                         for u in [actor.pk, *ids]])
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.CREATED,
                                    detail={"name": name, "members": ids, "by_resident": True}, created_at=now)
    return group


def _managed(actor: User, group_id: int) -> GroupChat:
    """The group, locked, if the actor may manage it; call inside the service's transaction."""
    group, access = policies.access_group(actor, group_id, for_update=True)
    if not access.can_moderate:
        raise PermissionRefused("只有居村委工作人员可以管理群聊")
    return group


def _require_custom(group: GroupChat) -> None:
    if group.is_estate:
        raise ValidationFailed("小区群成员由该小区的居民自动组成", code=ChatError.ESTATE_GROUP)


def add_members(*, actor: User, group_id: int, user_ids: Iterable[int]) -> int:
    """Add residents to a committee group, or invite neighbours to a residents' group (its creator or the committee)."""
    with transaction.atomic():
        group, access = policies.access_group(actor, group_id, for_update=True)
        if not (access.can_invite or access.can_moderate):
            raise PermissionRefused("只有居村委工作人员或建群人可以邀请成员")
        _require_custom(group)
        ids = (_check_neighbours(group.estate_id or 0, user_ids) if group.is_residents
               else _check_residents(group.community, user_ids))
        now = clock.now()
        existing = set(GroupMember.objects.filter(group=group, user_id__in=ids).values_list("user_id", flat=True))
        new = [u for u in ids if u not in existing]
        GroupMember.objects.bulk_create([GroupMember(group=group, user_id=u, added_by=actor, added_at=now) for u in new],
                                        ignore_conflicts=True)
        versioned.touch(*(selectors.user_dep(u) for u in new))  # the group's messages count for them now
        if new:
            GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.MEMBER_ADDED,
                                        detail={"members": new}, created_at=now)
    return len(new)


def remove_member(*, actor: User, group_id: int, user_id: int) -> None:
    with transaction.atomic():
        group = _managed(actor, group_id)
        _require_custom(group)
        deleted, _ = GroupMember.objects.filter(group=group, user_id=user_id).delete()
        if not deleted:
            raise NotFound("该成员不在群中", code=ChatError.MEMBER_NOT_FOUND)
        versioned.touch(selectors.user_dep(user_id))
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.MEMBER_REMOVED,
                                    detail={"members": [user_id]}, created_at=clock.now())


def set_announcement(*, actor: User, group_id: int, text: str) -> GroupChat:
    """Post (or, with empty text, withdraw) the 群公告; a new one also appears in the conversation."""
    text = (text or "").strip()
    with transaction.atomic():
        group = _managed(actor, group_id)
        if len(text) > ANNOUNCEMENT_MAX:
            raise ValidationFailed(f"群公告不能超过{ANNOUNCEMENT_MAX}字", field="announcement")
        now = clock.now()
        GroupChat.objects.filter(pk=group.pk).update(
            announcement=text, announcement_at=now if text else None, announcement_by=actor if text else None,
        )
        GroupHistory.objects.create(group=group, actor=actor, action=GroupHistory.Action.ANNOUNCEMENT,
                                    detail={"text": text}, created_at=now)
        if text:
            _post(group, author=actor, body=text, kind=GroupMessage.Kind.ANNOUNCEMENT,
                  author_role=group.community.committee_label)
    group.refresh_from_db()
    return group
