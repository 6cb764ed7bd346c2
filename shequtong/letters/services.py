"""Every state change of 人民信箱: submitting a letter, the sub-category list, the rollup."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from shequtong.accounts import scope
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import roles_with
from shequtong.boards import images
from shequtong.cases import services as case_services
from shequtong.cases.models import Source
from shequtong.common import clock, counters, hooks, prepared
from shequtong.common.categories import Category
from shequtong.common.errors import NotFound, PermissionRefused, ValidationFailed
from shequtong.places.models import Community

from . import selectors
from .errors import LetterError
from .models import Letter, LetterPhoto, LetterStat, SubCategory

CONTENT_MIN, CONTENT_MAX = 5, 2000
TITLE_MAX = 60


def submit_letter(
    *,
    actor: User,
    community: Community,
    category: str,
    subcategory_ids: list[int],
    content: str,
    title: str = "",
    kind: str = Letter.Kind.PROBLEM,
    by_committee: bool = False,
    photos: list[Any] | None = None,
) -> Letter:
    """Submit one problem or suggestion; it becomes a case in the community's 问题提醒 (LB-1, LB-2, LB-4).

    Residents choose exactly one sub-category; a committee (`by_committee`)
    one or more. Observers cannot submit (LB-5): they are neither members
    nor committee staff of a community. ``photos`` (up to 9 uploaded files) are
    checked by their content, not their names, and stored without metadata
    (boards.images.check_images, the posts' rule).
    """
    capability = "committee" if by_committee else "member"
    if not scope.can(actor, capability, community=community):
        raise PermissionRefused("您不能向该居村委提交问题/建议" if not by_committee else "您不是该居村委的工作人员")
    if category not in Category.values:
        raise ValidationFailed("请选择问题大类", field="category")
    if kind not in Letter.Kind.values:
        raise ValidationFailed("请选择问题或建议", field="kind")
    ids = sorted({int(i) for i in subcategory_ids})
    if not ids:
        raise ValidationFailed("请选择问题小类", field="subcategories")
    if not by_committee and len(ids) > 1:
        raise ValidationFailed("小类只能选择一个", field="subcategories")
    subs = [(pk, name) for pk, cat, name in selectors.active_subcategories() if pk in ids and cat == category]
    if len(subs) != len(ids):
        raise ValidationFailed("所选小类不属于该大类", field="subcategories")
    content = (content or "").strip()
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        raise ValidationFailed(f"内容请填写{CONTENT_MIN}到{CONTENT_MAX}个字", field="content")
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"标题不能超过{TITLE_MAX}个字", field="title")
    if not title:
        first = content.splitlines()[0]
        title = first[:30] + ("…" if len(first) > 30 else "")
    checked = images.check_images(list(photos or []))
    now = clock.now()
    estate_id = None if by_committee else writer_estate_id(actor, community)
    with transaction.atomic():
        letter = prepared.create(
            Letter, community=community, subdistrict_id=community.subdistrict_id, author=actor, by_committee=by_committee,
            estate_id=estate_id,
            kind=kind, category=category, title=title, content=content, created_at=now,
        )
        letter.subcategories.add(*(pk for pk, _name in subs))  # a new letter has none: add() skips set()'s read
        for position, (clean, ext) in enumerate(checked):
            photo = LetterPhoto(letter=letter, community=community, position=position)
            photo.image.save(f"{uuid.uuid4().hex}.{ext}", clean, save=False)
            photo.save()
        names = "、".join(name for _pk, name in subs)
        case = case_services.create_case(
            actor=actor, community=community, source=Source.LETTER, category=category, title=title,
            content=f"【{Letter.Kind(kind).label}·{names}】{content}", raised_by=actor,
            origin_type="letter", origin_id=letter.pk, origin_url=letter.get_absolute_url(), new_origin=True,
        )
        letter.case = case
        _link_case(letter.pk, case.pk)
        _bump(letter)
        if not by_committee:
            # 政策找人 queues it for the writer's demand profile (the text is read later, in the background).
            hooks.activity_recorded.publish(hooks.ActivityEvent(
                user_id=actor.pk, action="letter", community_id=community.pk, source_type="letter", source_id=letter.pk))
    return letter


@prepared.update
def _link_case(letter_id: int, case_id: int) -> tuple[QuerySet[Letter], dict[str, int]]:
    return Letter.objects.filter(pk=letter_id), {"case_id": case_id}


def writer_estate_id(user: User, community: Community) -> int | None:
    """The estate (or village group) the writer lives in: the resident grant their approved membership gave them,
    else the approved membership itself."""
    grant = _granted_estate(user.pk, community.pk, sorted(roles_with("member")))
    if grant:
        return grant[0]  # type: ignore[no-any-return]
    member = _member_estate(user.pk, community.pk, Membership.Status.APPROVED.value)
    return member[0] if member else None


@prepared.query
def _granted_estate(user_id: int, community_id: int, roles: list[str]) -> QuerySet[RoleGrant, int]:
    return (RoleGrant.objects.filter(user_id=user_id, community_id=community_id, role__in=roles)
            .exclude(estate=None).order_by("-id").values_list("estate_id", flat=True)[:1])


@prepared.query
def _member_estate(user_id: int, community_id: int, status: str) -> QuerySet[Membership, int]:
    return (Membership.objects.filter(user_id=user_id, community_id=community_id, status=status)
            .exclude(estate=None).order_by("-id").values_list("estate_id", flat=True)[:1])


def _bump(letter: Letter) -> None:
    day = timezone.localdate(letter.created_at)
    counters.increment(
        LetterStat, keys={"day": day, "community_id": letter.community_id, "category": letter.category},
        deltas={"letters": 1}, defaults={"subdistrict_id": letter.subdistrict_id},
    )


def rebuild_stats() -> int:
    """Recompute the whole rollup from the letters (after a bulk load or a repair); returns rows written."""
    rows = (
        Letter.objects.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "community_id", "subdistrict_id", "category")
        .annotate(n=Count("id"))
    )
    with transaction.atomic():
        LetterStat.objects.all().delete()
        stats = [LetterStat(day=r["day"], community_id=r["community_id"], subdistrict_id=r["subdistrict_id"],
                            category=r["category"], letters=r["n"]) for r in rows]
        LetterStat.objects.bulk_create(stats, batch_size=1000)
    return len(stats)


# --- Sub-categories (administrators) ------------------------------------------------

def _require_admin(actor: User) -> None:
    if not scope.has_capability(actor, "sysadmin"):
        raise PermissionRefused("只有系统管理员可以维护问题小类")


def save_subcategory(*, actor: User, category: str, name: str, sort_order: int = 0, is_active: bool = True,
                     subcategory_id: int | None = None) -> SubCategory:
    _require_admin(actor)
    name = (name or "").strip()
    if category not in Category.values:
        raise ValidationFailed("请选择大类", field="category")
    if not name or len(name) > 40:
        raise ValidationFailed("请填写小类名称（最多40字）", field="name")
    with transaction.atomic():
        clash = SubCategory.objects.filter(category=category, name=name)
        if subcategory_id is not None:
            sub = SubCategory.objects.select_for_update().filter(pk=subcategory_id).first()
            if sub is None:
                raise NotFound("该小类不存在", code=LetterError.NOT_FOUND)
            clash = clash.exclude(pk=sub.pk)
        else:
            sub = SubCategory()
        if sub.pk and sub.category != category and sub.letters.exists():
            raise ValidationFailed("已有来信使用该小类，不能改到其他大类；可停用后新建", field="category")
        if clash.exists():
            raise ValidationFailed("该大类下已有同名小类", field="name")
        sub.category, sub.name, sub.sort_order, sub.is_active = category, name, sort_order, is_active
        sub.save()
    return sub
