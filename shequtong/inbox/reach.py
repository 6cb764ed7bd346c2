"""Who may write a 信箱 letter to whom (PC-4 信箱).

Letters never leave a community: members (residents) write to the committee
staff and to other members of their community; committee staff write to the
members and staff of their community; subdistrict and district observers
write to committee staff inside their scope. A reply is allowed when either
person of the conversation may write to the other, so a staff member can
answer an observer's letter.

For one person or one conversation, pages, the API and services ask
inbox.policies (``access_recipient``, ``conversation_community``), which reads
these rules; the recipient picker lists ``reachable_users``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role, roles_with
from shequtong.places.models import Community

MEMBER_ROLES = roles_with("member")
STAFF_ROLES = roles_with("committee")


def _communities(user: User, capability: str) -> frozenset[int]:
    return scope.scope_for(user, capability).community_ids


# Further rules from apps above 信箱, registered in their AppConfig.ready() (charity: a resident
# writes to the lead of a service site serving their community). Each answers the community of
# the letter, or None.
EXTRA_RULES: list[Callable[[User, User], int | None]] = []


def register_rule(rule: Callable[[User, User], int | None]) -> None:
    if rule not in EXTRA_RULES:
        EXTRA_RULES.append(rule)


def letter_community_id(sender: User | None, recipient: User | None) -> int | None:
    """The community in which `sender` may write to `recipient`, or None if they may not."""
    if sender is None or recipient is None or sender.pk == recipient.pk or not recipient.is_active:
        return None
    mine = _communities(sender, "member") | _communities(sender, "committee")
    recipient_staff = _communities(recipient, "committee")
    shared = mine & (_communities(recipient, "member") | recipient_staff)
    if shared:
        return min(shared)
    observer = scope.scope_for(sender, "observer_letters")
    if not observer.is_empty and recipient_staff:
        covered = observer.communities().filter(pk__in=sorted(recipient_staff)).order_by("pk").values_list("pk", flat=True)
        return covered.first()
    for rule in EXTRA_RULES:
        community_id = rule(sender, recipient)
        if community_id is not None:
            return community_id
    return None


def may_converse(a: User, b: User) -> int | None:
    """The community of a conversation between a and b if either may write to the other."""
    return letter_community_id(a, b) or letter_community_id(b, a)


def sender_label(sender: User, community: Community) -> str:
    """How the sender appears on the letter: community and role, never a personal detail."""
    roles = {g.role for g in scope.grants_of(sender) if g.community_id == community.pk}
    if Role.COMMITTEE_SECRETARY in roles:
        return f"{community.name} · {Role.COMMITTEE_SECRETARY.label}"
    if Role.COMMITTEE_STAFF in roles:
        return f"{community.name} · {Role.COMMITTEE_STAFF.label}"
    if Role.RESIDENT in roles:
        return f"{community.name} · {'村民' if community.is_rural else '居民'}"
    for g in scope.grants_of(sender):
        if g.role in roles_with("observer_letters"):
            place = g.subdistrict.name if g.subdistrict_id else "宝山区"
            return f"{place} · {Role(g.role).label}"
    return ""


def reachable_grants(user: User) -> QuerySet[RoleGrant]:
    """The role grants that make a person someone `user` may write to."""
    mine = sorted(_communities(user, "member") | _communities(user, "committee"))
    q = Q(role__in=sorted(MEMBER_ROLES | STAFF_ROLES), community_id__in=mine) if mine else Q(pk__in=[])
    observer = scope.scope_for(user, "observer_letters")
    if not observer.is_empty:
        q |= Q(role__in=sorted(STAFF_ROLES)) & observer.q("community")
    return RoleGrant.objects.filter(q)


def reachable_users(user: User) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, pk__in=reachable_grants(user).values("user_id"))
        .exclude(pk=user.pk)
    )
