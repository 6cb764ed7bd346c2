"""人民信箱 pages: home, 我要提问题/建议, 我的问题/建议, detail, the observers' drill-down, sub-categories."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.cases import selectors as case_selectors
from shequtong.cases.forms import RatingForm
from shequtong.common import access, pages
from shequtong.common.categories import Category
from shequtong.common.errors import NotFound, PermissionRefused
from shequtong.common.pagination import paginate, query_without_page
from shequtong.common.perform import perform

from . import policies, selectors, services
from .errors import LetterError
from .forms import LetterForm, SubCategoryForm
from .policies import OBSERVE


@access.login
def home(request: AuthedRequest) -> HttpResponse:
    community, by_committee = selectors.writer_for(request.user)
    if community is None:
        if scope.has_capability(request.user, "observe"):
            return redirect("letters:observe")
        raise PermissionRefused("加入社区后才能使用人民信箱")
    return render(request, "letters/home.html", {
        "community": community, "by_committee": by_committee,
        "recent": selectors.my_letters(request.user)[:3],
    })


@access.capability("member", "committee")
def new(request: AuthedRequest) -> HttpResponse:
    community, by_committee = selectors.writer_for(request.user)
    if community is None:
        raise PermissionRefused("观察版不能在人民信箱提出问题")
    form = LetterForm(request.POST or None, request.FILES or None, multi=by_committee)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = perform(request, lambda: services.submit_letter(
            actor=request.user, community=community, category=d["category"], subcategory_ids=d["subcategories"],
            content=d["content"], title=d["title"], kind=d["kind"], by_committee=by_committee,
            photos=request.FILES.getlist("photos"),
        ), success="提交成功，居委将尽快处理", form=form, once="letters.submit")
        if done.value is not None:
            return redirect("letters:detail", done.value.pk)
    return render(request, "letters/new.html", {
        "form": form, "community": community, "by_committee": by_committee,
        "groups": [(c, c.label, subs) for c, subs in zip(Category, selectors.subcategories_by_category().values(), strict=True)],
        "chosen_category": form.data.get("category", "") if form.is_bound else "",
        "chosen_subs": {int(i) for i in request.POST.getlist("subcategories") if str(i).isdigit()},
    })


@access.login
def mine(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    community, _ = selectors.writer_for(request.user)
    return pages.render(request, "letters/mine.jinja", {
        "page_obj": paginate(request, selectors.my_letters(request.user, q), window=None if q else (
            lambda start, stop: selectors.my_letter_rows(request.user, start, stop))), "q": q,
        "keep_query": query_without_page(request), "can_write": community is not None,
    })


@access.login
def detail(request: AuthedRequest, letter_id: int) -> HttpResponse:
    letter, letter_access = selectors.read_letter(request.user, letter_id, request=request)
    case = letter.case
    if letter_access.is_author:
        back = reverse("letters:mine")
    elif letter_access.can_observe:
        back = reverse("letters:observe_community", args=[letter.community_id])
    else:
        back = reverse("cases:list")
    return render(request, "letters/detail.html", {
        "back": back, "letter": letter, "case": case, "access": letter_access,
        "rating": getattr(case, "rating", None) if case else None,
        "photos": list(letter.photos.all()),
        "events": ([e for e in case_selectors.history(case) if e.is_public or not letter_access.resident_view]
                   if case else []),
        "rating_form": RatingForm() if letter_access.can_rate else None,
    })


_IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@access.login
def photo(request: AuthedRequest, photo_id: int) -> FileResponse:
    """A letter's photo, served only to those who may read the letter (not from a public media URL)."""
    name = policies.access_letter_photo(request.user, photo_id)
    ext = name.rsplit(".", 1)[-1].lower()
    response = FileResponse(default_storage.open(name, "rb"), content_type=_IMAGE_TYPES.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Observers (LB-5) ---------------------------------------------------------------

def _dates(request: AuthedRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("date_from", "date_to"):
        try:
            out[key] = dt.date.fromisoformat(request.GET.get(key, ""))
        except ValueError:
            out[key] = None
    return out


def _with_urls(rows: list[dict[str, Any]], url: Any) -> list[dict[str, Any]]:
    for r in rows:
        r["url"] = url(r["category"].value)
    return rows


def _observe_ctx(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    dates = _dates(request)
    return {"dates": dates, "date_query": "&".join(f"{k}={v.isoformat()}" for k, v in dates.items() if v), **extra}


def _drill(level: str = "", pk: int | None = None) -> HttpResponse:
    """The drill-down lives in the observer room (observe.drills.letters); these addresses lead there."""
    return redirect(reverse("observe:letters") + (f"?{level}={pk}" if level else ""))


@access.capability("observe")
def observe(request: AuthedRequest) -> HttpResponse:
    return _drill()


@access.capability("observe")
def observe_subdistrict(request: AuthedRequest, subdistrict_id: int) -> HttpResponse:
    return _drill("subdistrict", scope.subdistrict_in_scope(request.user, OBSERVE, subdistrict_id).pk)


@access.capability("observe")
def observe_category(request: AuthedRequest, category: str) -> HttpResponse:
    if category not in Category.values:
        raise NotFound("该分类不存在", code=LetterError.NOT_FOUND)
    dates = _dates(request)
    sub_id = request.GET.get("subdistrict", "")
    sub = scope.subdistrict_in_scope(request.user, OBSERVE, int(sub_id)) if sub_id.isdigit() else None
    rows, total = selectors.category_subdistrict_rows(request.user, category, **dates)
    letters = selectors.observed_letters(request.user, category=category, subdistrict=sub, **dates)
    return render(request, "letters/observe_category.html", _observe_ctx(
        request, category=category, category_label=Category(category).label, rows=rows, total=total, subdistrict=sub,
        page_obj=paginate(request, letters), keep_query=query_without_page(request)))


@access.capability("observe")
def observe_community(request: AuthedRequest, community_id: int) -> HttpResponse:
    community = scope.community_in_scope(request.user, OBSERVE, community_id)
    dates = _dates(request)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    cats, total = selectors.category_rows(request.user, community=community, **dates)
    q = _observe_ctx(request)["date_query"]
    _with_urls(cats, lambda c: f"?category={c}" + (f"&{q}" if q else ""))
    estates, _ = selectors.estate_rows(request.user, community, **dates)
    for row in estates:
        row["url"] = f"?estate={row['estate_id']}" + (f"&{q}" if q else "")
    raw_estate = request.GET.get("estate", "")
    estate_id = int(raw_estate) if raw_estate.isdigit() else None
    chosen = next((r for r in estates if r["estate_id"] == estate_id), None)
    if chosen is None:
        estate_id = None
    letters = selectors.observed_letters(request.user, community=community, category=category, estate_id=estate_id,
                                         **dates)
    return render(request, "letters/observe_community.html", _observe_ctx(
        request, community=community, categories=cats, total=total, category=category,
        estates=estates, estate=chosen,
        page_obj=paginate(request, letters), keep_query=query_without_page(request)))


# --- Sub-categories (administrators) -------------------------------------------------

@access.capability("sysadmin")
def subcategories(request: AuthedRequest) -> HttpResponse:
    edit_id = request.GET.get("edit", "")
    instance = selectors.subcategory(int(edit_id)) if edit_id.isdigit() else None
    form = SubCategoryForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.save_subcategory(
                actor=request.user, category=d["category"], name=d["name"], sort_order=d["sort_order"] or 0,
                is_active=d["is_active"], subcategory_id=instance.pk if instance else None), success="已保存", form=form):
            return redirect("letters:subcategories")
    groups = selectors.subcategories_by_category(active_only=False)
    return render(request, "letters/subcategories.html", {
        "form": form, "editing": instance, "groups": [(c.label, groups[c.value]) for c in Category],
    })

