"""API shapes of 人民信箱."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class SubCategoryOut(Schema):
    id: int
    category: str
    name: str


class LetterIn(Schema):
    kind: str = "problem"
    category: str
    subcategory_ids: list[int]
    title: str = ""
    content: str


class LetterOut(Schema):
    id: int
    kind: str
    category: str
    category_label: str
    subcategories: list[str]
    title: str
    content: str
    community: str
    subdistrict: str
    author: str
    by_committee: bool
    case_id: int | None
    status: str
    status_label: str
    created_at: dt.datetime


class CountRow(Schema):
    id: int | str
    name: str
    letters: int
    share: float


class DrillDownOut(Schema):
    total: int
    rows: list[CountRow]
