"""API shapes of 我与群众面对面 (the person visited: masked name, partial address only)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class ProblemIn(Schema):
    category: str
    content: str


class VisitIn(Schema):
    """A record's fields. `community_id` may be left out by staff who work for one committee only."""

    community_id: int | None = None
    visit_type: str
    title: str
    content: str
    visited_on: dt.date
    # The person visited: a member of the community (person_id), or a name and an address.
    person_id: int | None = None
    person_name: str = ""
    person_address: str = ""
    tags: list[str] = []
    problems: list[ProblemIn] = []


class ReturnIn(Schema):
    reason: str


class SendIn(Schema):
    problem_ids: list[int]


class ProblemOut(Schema):
    id: int
    category: str
    category_label: str
    content: str
    case_id: int | None
    sent_at: dt.datetime | None


class VisitEventOut(Schema):
    kind: str
    kind_label: str
    actor: str
    note: str
    created_at: dt.datetime


class VisitOut(Schema):
    id: int
    title: str
    visit_type: str
    visit_type_label: str
    status: str
    status_label: str
    community_id: int
    community: str
    person: str
    is_member: bool
    tags: list[str]
    tag_labels: list[str]
    visited_on: dt.date
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None


class VisitDetailOut(VisitOut):
    content: str
    masked_address: str
    return_reason: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    archived_at: dt.datetime | None
    has_audio: bool
    problems: list[ProblemOut]
    events: list[VisitEventOut]
    # What the caller may do next (the same rules as the page's buttons).
    can_edit: bool
    can_delete: bool
    can_submit: bool
    can_review: bool
    can_archive: bool
    can_send: bool
