"""Who may do what to one policy or one resident's care tags (docs/adr/0001, cases/policies.py is the model).

A policy belongs to the community of the 政策专员 who wrote it. Officers with
the `policy_officer` capability covering that community edit it, match and
submit its list while it is a draft; reviewers (`policy_reviewer`, granted
on a subdistrict or the district) covering it confirm or strike names and
send it, but never a policy they wrote themselves (author ≠ reviewer).
Missing and out-of-scope objects raise the same NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common.errors import NotFound

from .errors import PolicyError
from .models import DemandProfile, Policy, PolicyStatus


@dataclass(frozen=True)
class PolicyAccess:
    is_officer: bool      # policy_officer covering the policy's community
    is_reviewer: bool     # policy_reviewer covering it
    is_author: bool
    status: str

    @property
    def can_view(self) -> bool:
        return self.is_officer or self.is_reviewer

    @property
    def can_edit(self) -> bool:
        """Edit the text or conditions, match again, tick and submit: the officer, before review."""
        return self.is_officer and self.status == PolicyStatus.DRAFT

    @property
    def can_review(self) -> bool:
        """Confirm or strike names: a reviewer who is not the policy's author, once submitted."""
        return self.is_reviewer and not self.is_author and self.status == PolicyStatus.SUBMITTED

    @property
    def can_send(self) -> bool:
        return self.is_reviewer and not self.is_author and self.status == PolicyStatus.REVIEWED


def policy_access(actor: User, policy: Policy) -> PolicyAccess:
    where = {"community_id": policy.community_id}
    return PolicyAccess(
        is_officer=policy.community_id is not None and scope.scope_for(actor, "policy_officer").covers(**where),
        is_reviewer=policy.community_id is not None and scope.scope_for(actor, "policy_reviewer").covers(**where),
        is_author=policy.created_by_id == getattr(actor, "pk", None),
        status=policy.status,
    )


def access_policy(actor: User, policy_id: int, *, for_update: bool = False) -> tuple[Policy, PolicyAccess]:
    qs: QuerySet[Policy] = Policy.objects.select_related("community")
    if for_update:
        qs = Policy.objects.select_for_update(of=("self",)).select_related("community")
    policy = qs.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound("该政策不存在或您无权查看", code=PolicyError.NOT_FOUND)
    access = policy_access(actor, policy)
    if not access.can_view:
        raise NotFound("该政策不存在或您无权查看", code=PolicyError.NOT_FOUND)
    return policy, access


def access_care_tags(actor: User, profile_id: int, *, for_update: bool = False) -> DemandProfile:
    """A resident's profile whose care tags the committee of their community keeps."""
    qs = DemandProfile.objects.select_for_update() if for_update else DemandProfile.objects.all()
    profile = qs.filter(pk=profile_id, user__isnull=False).first()
    if profile is None or profile.community_id is None or \
            not scope.scope_for(actor, "committee").covers(community_id=profile.community_id):
        raise NotFound("该居民不存在或您无权查看", code=PolicyError.PROFILE_NOT_FOUND)
    return profile
