"""Building letters and cases for tests through the real services and hooks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from shequtong.accounts.models import User
from shequtong.cases import services as case_services
from shequtong.cases.models import Case
from shequtong.common import hooks
from shequtong.letters import services as letter_services
from shequtong.letters.defaults import ensure_defaults
from shequtong.letters.models import Letter, SubCategory
from shequtong.places.models import Community

_ids = itertools.count(1000)


def subcategory(category: str = "construction", index: int = 0) -> SubCategory:
    ensure_defaults()
    return SubCategory.objects.filter(category=category, is_active=True).order_by("sort_order", "id")[index]


def letter(author: User, community: Community | None = None, *, category: str = "construction", content: str = "小区门口道路破损，雨天积水严重，请尽快修复。",
           title: str = "", by_committee: bool = False, subs: list[int] | None = None, kind: str = "problem") -> Letter:
    from shequtong.accounts import scope

    community = community or (scope.work_community(author) if by_committee else scope.home_community(author))
    assert community is not None
    return letter_services.submit_letter(
        actor=author, community=community, category=category,
        subcategory_ids=subs if subs is not None else [subcategory(category).pk], content=content, title=title,
        kind=kind, by_committee=by_committee,
    )


def now() -> dt.datetime:
    from shequtong.common import clock

    return clock.now()


def mention(*, actor: User, community: Community, author: User | None = None, patrol_level: str | None = None,
            text: str = "@居委 楼下垃圾桶满了好几天没人清运", mention_id: int | None = None,
            source_type: str = "reply") -> Case:
    """Publish a mention the way boards/chats do, and return the case our subscriber made."""
    mid = mention_id if mention_id is not None else next(_ids)
    hooks.mention_recorded.publish(hooks.MentionEvent(
        mention_id=mid, community_id=community.pk, actor_id=actor.pk, author_id=(author or actor).pk,
        source_type=source_type, source_id=mid, board="group_chat" if source_type == "group_message" else "neighbours", text=text, url=f"/boards/replies/{mid}/",
        patrol_level=patrol_level, created_at=now(),
    ))
    return Case.objects.get(origin_type=f"{source_type}_mention", origin_id=mid)


def tagged_post(*, actor: User, community: Community, author: User | None = None, patrol_level: str | None = None,
                category: str = "safety", post_id: int | None = None) -> Case:
    pid = post_id if post_id is not None else next(_ids)
    hooks.post_tagged.publish(hooks.PostTaggedEvent(
        post_id=pid, community_id=community.pk, actor_id=actor.pk, author_id=(author or actor).pk, category=category,
        title="小区北门晚上没有路灯", text="北门一带晚上很黑，老人出行不安全。", url=f"/boards/posts/{pid}/",
        patrol_level=patrol_level, created_at=now(),
    ))
    return Case.objects.get(origin_type="post", origin_id=pid)


def case(actor: User, community: Community, **kw: Any) -> Case:
    """A committee-recorded (visit) case with a category, ready to handle."""
    kw.setdefault("source", "visit")
    kw.setdefault("category", "construction")
    kw.setdefault("title", "加装电梯协调")
    kw.setdefault("content", "5号楼居民反映加装电梯意见不统一，需要居委协调。")
    return case_services.create_case(actor=actor, community=community, **kw)


def handle(actor: User, c: Case, *actions: str, note: str = "已联系相关部门处理") -> Case:
    for a in actions:
        c = case_services.handle_case(actor=actor, case_id=c.pk, action=a, note=note)
    return c
