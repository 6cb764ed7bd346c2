"""/api/v1/letters: submit, 我的问题/建议, detail, sub-categories, the observers' drill-down counts."""

from __future__ import annotations

from ninja import Router

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.categories import Category
from shequtong.common.errors import NotFound, PermissionRefused

from . import selectors, services
from .errors import LetterError
from .models import Letter, SubCategory
from .policies import OBSERVE, access_letter
from .schemas import CountRow, DrillDownOut, LetterIn, LetterOut, SubCategoryOut

router = Router(tags=["letters"])


def _out(letter: Letter) -> LetterOut:
    case = letter.case
    return LetterOut(
        id=letter.pk, kind=letter.kind, category=letter.category, category_label=str(letter.get_category_display()),
        subcategories=[s.name for s in letter.subcategories.all()], title=letter.title, content=letter.content,
        community=letter.community.name, subdistrict=letter.subdistrict.name, author=letter.author.display_name,
        by_committee=letter.by_committee, case_id=case.pk if case else None,
        status=case.status if case else "", status_label=str(case.get_status_display()) if case else "",
        created_at=letter.created_at,
    )


@router.get("/subcategories", response=list[SubCategoryOut])
@access.login
def subcategories(request: AuthedRequest, category: str = "") -> list[SubCategory]:
    qs = SubCategory.objects.filter(is_active=True)
    if category:
        qs = qs.filter(category=category)
    return list(qs.order_by("category", "sort_order", "id"))


@router.post("/mine", response={201: LetterOut})
@access.capability("member", "committee")
def submit(request: AuthedRequest, payload: LetterIn) -> tuple[int, LetterOut]:
    community, by_committee = selectors.writer_for(request.user)
    if community is None:
        raise PermissionRefused("观察版不能在人民信箱提出问题")
    letter = services.submit_letter(actor=request.user, community=community, category=payload.category,
                                    subcategory_ids=payload.subcategory_ids, content=payload.content, title=payload.title,
                                    kind=payload.kind, by_committee=by_committee)
    return 201, _out(access_letter(request.user, letter.pk)[0])


@router.get("/mine", response=list[LetterOut])
@access.login
def mine(request: AuthedRequest, q: str = "", limit: int = 50, offset: int = 0) -> list[LetterOut]:
    limit = max(1, min(limit, 200))
    return [_out(x) for x in selectors.my_letters(request.user, q)[offset : offset + limit]]


@router.get("/stats/subdistricts", response=DrillDownOut)
@access.capability("observe")
def stats_subdistricts(request: AuthedRequest) -> DrillDownOut:
    rows, total = selectors.subdistrict_rows(request.user)
    return DrillDownOut(total=total, rows=[CountRow(id=r["subdistrict"].pk, name=r["subdistrict"].name, letters=r["letters"],
                                                     share=round(r["share"], 2)) for r in rows])


@router.get("/stats/subdistricts/{subdistrict_id}", response=DrillDownOut)
@access.capability("observe")
def stats_communities(request: AuthedRequest, subdistrict_id: int) -> DrillDownOut:
    rows, total = selectors.community_rows(request.user, scope.subdistrict_in_scope(request.user, OBSERVE, subdistrict_id))
    return DrillDownOut(total=total, rows=[CountRow(id=r["community"].pk, name=r["community"].name, letters=r["letters"],
                                                     share=round(r["share"], 2)) for r in rows])


@router.get("/stats/categories", response=DrillDownOut)
@access.capability("observe")
def stats_categories(request: AuthedRequest, subdistrict_id: int | None = None) -> DrillDownOut:
    sub = scope.subdistrict_in_scope(request.user, OBSERVE, subdistrict_id) if subdistrict_id else None
    rows, total = selectors.category_rows(request.user, subdistrict=sub)
    return DrillDownOut(total=total, rows=[CountRow(id=r["category"].value, name=str(r["label"]), letters=r["letters"],
                                                     share=round(r["share"], 2)) for r in rows])


@router.get("/stats/categories/{category}", response=DrillDownOut)
@access.capability("observe")
def stats_category_subdistricts(request: AuthedRequest, category: str) -> DrillDownOut:
    if category not in Category.values:
        raise NotFound("该分类不存在", code=LetterError.NOT_FOUND)
    rows, total = selectors.category_subdistrict_rows(request.user, category)
    return DrillDownOut(total=total, rows=[CountRow(id=r["subdistrict"].pk, name=r["subdistrict"].name, letters=r["letters"],
                                                     share=round(r["share"], 2)) for r in rows])


@router.get("/{letter_id}", response=LetterOut)
@access.login
def detail(request: AuthedRequest, letter_id: int) -> LetterOut:
    return _out(selectors.read_letter(request.user, letter_id, request=request)[0])
