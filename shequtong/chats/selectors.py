"""The scoped reads behind the chat pages (who may open a group: chats.policies)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from shequtong.accounts import audit, names, scope
from shequtong.accounts.models import PRIVATE_FIELDS, RoleGrant, User
from shequtong.accounts.roles import roles_with
from shequtong.common import versioned
from shequtong.places.models import Community
from shequtong.points.models import level_expression

from .models import GroupChat, GroupHistory, GroupMember, GroupMention, GroupMessage, GroupReadState
from .policies import GroupAccess, access_group, resident_community_ids, resident_estate_ids

PAGE_SIZE = 30

def my_groups_q(user: User) -> Q:
    """The groups a person belongs to as a member or as committee staff (not as observer)."""
    estates = sorted(resident_estate_ids(user))
    q = Q(kind=GroupChat.Kind.ESTATE, estate_id__in=estates)
    if estates:
        q |= Q(
            kind=GroupChat.Kind.RESIDENT, estate_id__in=estates,
            pk__in=GroupMember.objects.filter(user_id=user.pk).values("group_id"),
        )
    communities = resident_community_ids(user)
    if communities:
        q |= Q(
            kind=GroupChat.Kind.CUSTOM, community_id__in=sorted(communities),
            pk__in=GroupMember.objects.filter(user_id=user.pk).values("group_id"),
        )
    staff = scope.scope_for(user, "committee")
    if not staff.is_empty:
        q |= staff.q("community")
    return q


def _with_list_data(qs: QuerySet[GroupChat], user: User) -> QuerySet[GroupChat]:
    """Annotate what a group list shows: last message preview and the user's unread count."""
    last = GroupMessage.objects.filter(pk=OuterRef("last_message_id"))
    read = GroupReadState.objects.filter(group_id=OuterRef("pk"), user_id=user.pk).values("last_read_id")[:1]
    unread = (
        GroupMessage.objects.filter(group_id=OuterRef("pk"), id__gt=OuterRef("last_read"))
        .order_by().values("group_id").annotate(n=Count("id")).values("n")[:1]
    )
    return (
        qs.select_related("community", "estate")
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_hidden=Subquery(last.values("hidden_at")[:1]),
            last_read=Coalesce(Subquery(read), Value(0)),
        )
        .annotate(unread=Coalesce(Subquery(unread), Value(0)))
        .order_by(F("last_message_at").desc(nulls_last=True), "kind", "id")
    )


def groups_for(user: User) -> QuerySet[GroupChat]:
    return _with_list_data(GroupChat.objects.filter(my_groups_q(user)), user)


def unread_groups(user: User) -> int:
    """How many of the person's groups have messages they have not read: the home's tile badge, on every
    visit, so kept (common/versioned.py) until one of their groups gets a message or they read, join or
    leave one (the touches: services `_post`, `mark_read`, `add_members`, `remove_member`; operations' merges).

    Which groups are "theirs" follows from their grants (estates, communities, committee places), which
    come with the identity: the kept value's name carries them, so a grant given or taken (a move, a new
    role) reads under a new name and is computed afresh.
    """
    estates = sorted(resident_estate_ids(user))
    communities = sorted(resident_community_ids(user))
    staff = scope.scope_for(user, "committee")
    if staff.everything or staff.subdistrict_ids:  # staff over whole subdistricts: no narrow dependency, computed
        return _unread_groups(user)
    staff_communities = sorted(staff.community_ids)
    deps = [user_dep(user.pk), *(estate_dep(e) for e in estates), *(custom_dep(c) for c in communities),
            *(community_dep(c) for c in staff_communities)]
    name = f"chats-unread:{user.pk}:{_ids(estates)}:{_ids(communities)}:{_ids(staff_communities)}"
    return versioned.remember(name, deps, lambda: _unread_groups(user))


def _ids(ids: list[int]) -> str:
    return ",".join(map(str, ids))


def user_dep(user_id: int) -> str:
    """Touched when the person's read markers or group memberships change."""
    return f"chats-user:{user_id}"


def estate_dep(estate_id: int) -> str:
    """Touched by a message in an estate group or a residents' group of the estate."""
    return f"chats-estate:{estate_id}"


def custom_dep(community_id: int) -> str:
    """Touched by a message in a committee-made group of the community (its members are its residents)."""
    return f"chats-custom:{community_id}"


def community_dep(community_id: int) -> str:
    """Touched by a message in any group of the community (its committee staff belong to all of them)."""
    return f"chats-community:{community_id}"


def group_deps(group: GroupChat) -> list[str]:
    """What a new message in ``group`` (or the group moving) changes: its residents' and its staff's counts."""
    place = estate_dep(group.estate_id) if group.estate_id else custom_dep(group.community_id)
    return [place, community_dep(group.community_id)]


def touch_places(*, community_ids: Iterable[int] = (), estate_ids: Iterable[int] = ()) -> None:
    """Groups moved between places (operations' merges): every count over them is computed again."""
    versioned.touch(*(d for c in sorted(set(community_ids)) for d in (custom_dep(c), community_dep(c))),
                    *(estate_dep(e) for e in sorted(set(estate_ids))))


def _unread_groups(user: User) -> int:
    read = GroupReadState.objects.filter(group_id=OuterRef("pk"), user_id=user.pk).values("last_read_id")[:1]
    return (
        GroupChat.objects.filter(my_groups_q(user))
        .annotate(last_read=Coalesce(Subquery(read), Value(0)))
        .filter(last_message_id__gt=F("last_read"))
        .count()
    )


def managed_groups(user: User) -> QuerySet[GroupChat]:
    """Every group of the communities where the user is committee staff."""
    return _with_list_data(scope.scope_for(user, "committee").filter(GroupChat.objects.all()), user)


def _page_qs(group: GroupChat, *, with_mentions: bool) -> QuerySet[GroupMessage]:
    qs = GroupMessage.objects.filter(group=group).select_related("author").annotate(author_level=level_expression("author"))
    if with_mentions:
        qs = qs.annotate(mention_count=Count("mentions"))
    return qs


def messages_before(group: GroupChat, *, before: int | None = None, limit: int = PAGE_SIZE,
                    with_mentions: bool = False) -> tuple[list[GroupMessage], bool]:
    """The newest `limit` messages older than `before` (or the newest overall), oldest first; and whether more exist."""
    qs = _page_qs(group, with_mentions=with_mentions)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, has_more


def messages_after(group: GroupChat, *, after: int, limit: int = 100, with_mentions: bool = False) -> list[GroupMessage]:
    """Messages newer than `after`, oldest first (the `since` cursor of live updates)."""
    return list(_page_qs(group, with_mentions=with_mentions).filter(id__gt=after).order_by("id")[:limit])


def mentioned_by(user: User, messages: list[GroupMessage]) -> set[int]:
    if not messages:
        return set()
    return set(
        GroupMention.objects.filter(actor_id=user.pk, message_id__in=[m.pk for m in messages])
        .values_list("message_id", flat=True)
    )


def staff_of(community: Community) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.filter(role__in=sorted(roles_with("committee")), community=community).values("user_id"),
    ).order_by("id")


def residents_of_estate(group: GroupChat) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.filter(role__in=sorted(roles_with("member")), estate_id=group.estate_id or 0).values("user_id"),
    ).order_by("id")


def members_of(group: GroupChat) -> QuerySet[User]:
    """Resident members (staff are listed apart: they belong to every group of their community)."""
    if group.is_estate:
        return residents_of_estate(group)
    if group.is_residents:
        return User.objects.filter(
            pk__in=GroupMember.objects.filter(group=group).values("user_id"),
            role_grants__role__in=sorted(roles_with("member")), role_grants__estate_id=group.estate_id,
        ).distinct().order_by("id")
    return User.objects.filter(
        pk__in=GroupMember.objects.filter(group=group).values("user_id"),
        role_grants__role__in=sorted(roles_with("member")), role_grants__community_id=group.community_id,
    ).distinct().order_by("id")


def member_candidates(group: GroupChat, q: str = "", *, limit: int = 20) -> list[User]:
    """Residents of the group's community (of its estate, for a residents' group) not yet in it, matched by name."""
    residents = RoleGrant.objects.filter(role__in=sorted(roles_with("member")), community_id=group.community_id)
    if group.is_residents:
        residents = residents.filter(estate_id=group.estate_id or 0)
    users = (
        User.objects.filter(is_active=True, pk__in=residents.values("user_id"))
        .exclude(pk__in=GroupMember.objects.filter(group=group).values("user_id"))
    )
    q = (q or "").strip()
    if q:
        users = users.filter(pk__in=names.matching_ids(users, q, limit=limit))
    return list(users.defer(*PRIVATE_FIELDS).order_by("masked_name", "id")[:limit])


def hidden_messages_for(user: User) -> QuerySet[GroupMessage]:
    """Hidden messages in the communities the user moderates (管理 → 已隐藏)."""
    return (
        scope.scope_for(user, "committee")
        .filter(GroupMessage.objects.filter(hidden_at__isnull=False))
        .select_related("author", "hidden_by", "group")
        .order_by("-hidden_at", "-id")
    )


def history_of(group: GroupChat) -> QuerySet[GroupHistory]:
    return GroupHistory.objects.filter(group=group).select_related("actor").order_by("-created_at", "-id")


def observable_communities(user: User, q: str = "") -> QuerySet[Community]:
    qs = scope.scope_for(user, "observe_chats").communities().select_related("subdistrict")
    q = (q or "").strip()
    if q:
        qs = qs.filter(name__icontains=q[:30])
    return qs.order_by("subdistrict__sort_order", "subdistrict_id", "id")


def community_groups(user: User, community: Community) -> QuerySet[GroupChat]:
    return _with_list_data(GroupChat.objects.filter(community=community), user)


def read_group(actor: User, group_id: int, *, request: HttpRequest | None = None) -> tuple[GroupChat, GroupAccess]:
    """Open a group chat: authorised by the policy, and the opening is audited (one INSERT).

    Live updates (`since=`) are not: they re-read what the opening already showed, every few seconds.
    """
    group, ga = access_group(actor, group_id)
    audit.record_read(actor=actor, target=group, request=request)
    return group, ga
