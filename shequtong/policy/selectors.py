"""Scoped reads of 政策找人: policy lists, match results with evidence, review lists, care tags, a resident's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from shequtong.accounts import names, scope
from shequtong.accounts.models import User
from shequtong.common import clock, masking

from . import store
from .conditions import age_on
from .models import BehaviourEvent, DemandProfile, Entry, Policy

EVIDENCE_POSTS = 3
MATCH_TOP = 200


def policies_for(user: User) -> QuerySet[Policy]:
    """Policies of the communities the user works on as officer or reviewer."""
    q = scope.scope_for(user, "policy_officer").q() | scope.scope_for(user, "policy_reviewer").q()
    return Policy.objects.filter(q).select_related("community", "created_by").order_by("-id")


def scoped_profiles(user: User) -> QuerySet[DemandProfile]:
    """The residents an officer may match over: profiles of platform users in their scope."""
    return scope.scope_for(user, "policy_officer").filter(DemandProfile.objects.filter(user__isnull=False))


@dataclass
class MatchRow:
    profile: DemandProfile
    score: float
    age: int | None
    terms: list[str]
    words: list[str]
    met: list[str]
    posts: list[str] = field(default_factory=list)
    demoted: str = ""   # an attribute ranked lower by attribute feedback (户籍：外省市): a condition the text may leave implied


def match_rows(user: User, policy: Policy, conditions: list[Any], limit: int = MATCH_TOP) -> tuple[list[MatchRow], Any]:
    """Match the policy over the officer's scope; each row carries its evidence (terms, masked posts, attributes)."""
    analysis, matches = store.match(policy.title, policy.text, conditions, scoped_profiles(user), top=limit)
    ids = [int(m.resident) for m in matches]
    profiles = {p.pk: p for p in DemandProfile.objects.filter(pk__in=ids).select_related("user", "community")}
    lex = store.current_lexicon()
    today = clock.now().date()
    shown: dict[int, list[str]] = {}
    # Terms, words and character n-grams (g:, a phrase jieba cut into single characters) are all evidence.
    wanted = {int(m.resident): {f[2:] for f in m.evidence if f.startswith(("c:", "w:", "g:"))} for m in matches}
    for pid, text in BehaviourEvent.objects.filter(profile_id__in=ids, kind__in=["post", "reply", "letter", "case"]) \
            .order_by("-occurred_at").values_list("profile_id", "text").iterator(chunk_size=2000):
        if len(shown.setdefault(pid, [])) >= EVIDENCE_POSTS:
            continue
        hits = set(lex.scan(text)) | {w for w in wanted[pid] if w in text}
        if hits & wanted[pid]:
            shown[pid].append(masking.mask_text(text)[:120])
    rows = []
    for m in matches:
        pid = int(m.resident)
        p = profiles.get(pid)
        if p is None:
            continue
        order = sorted(m.evidence, key=lambda f: -m.evidence[f])
        rows.append(MatchRow(profile=p, score=round(m.score, 2), age=age_on(p.birth_date, today),
                             terms=[f[2:] for f in order if f.startswith("c:")][:6],
                             words=[f[2:] for f in order if f.startswith(("w:", "g:"))][:6],
                             met=[c.describe() for c in m.met], posts=shown.get(pid, []), demoted=m.demoted))
    return rows, analysis


def entries_of(policy: Policy) -> QuerySet[Entry]:
    return policy.entries.select_related("profile__user", "reviewed_by").order_by("-score", "id")


def received_by(user: User, policy_id: int) -> Entry | None:
    """The policy as a resident received it (only if it was sent to them)."""
    return Entry.objects.select_related("policy").filter(policy_id=policy_id, profile__user=user,
                                                         sent_at__isnull=False).first()


def care_profiles(user: User, q: str = "") -> QuerySet[DemandProfile]:
    qs = scope.scope_for(user, "committee").filter(DemandProfile.objects.filter(user__isnull=False))
    if q:
        # Real names are encrypted (accounts/names.py): matched through their keyed index, then confirmed.
        users = User.objects.filter(pk__in=qs.values("user_id"))
        named = names.matching_ids(users, q, limit=names.SCAN_LIMIT)
        qs = qs.filter(Q(user_id__in=named) | Q(user__username__contains=q))
    return qs.select_related("user", "community").order_by("community_id", "id")
