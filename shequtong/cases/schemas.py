"""API shapes of cases (personal data masked: display names only)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class CaseEventOut(Schema):
    kind: str
    kind_label: str
    actor: str
    status_from: str
    status_to: str
    note: str
    created_at: dt.datetime


class RatingOut(Schema):
    stars: int
    feedback: str
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    title: str
    source: str
    source_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    send_state: str
    send_state_label: str
    overdue: list[str]
    community_id: int
    community: str
    subdistrict: str
    raised_by: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    rating: RatingOut | None


class CaseDetailOut(CaseOut):
    content: str
    origin_url: str
    external_id: str
    grid_result: str
    allowed_actions: list[str]
    events: list[CaseEventOut]


class CategoryIn(Schema):
    category: str


class ActionIn(Schema):
    action: str
    note: str = ""


class RatingIn(Schema):
    stars: int
    feedback: str = ""


class AverageOut(Schema):
    id: int
    name: str
    ratings: int
    average: float | None
