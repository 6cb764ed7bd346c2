"""What can be followed or favourited, and who may: each kind reads its owning app's policy.

A person may follow or favourite only what they may view, answered by the
owning app's ``access_<thing>`` (cases.policies.access_case,
letters.policies.access_letter, boards.policies.access_post). Lists check a
batch at once with the same rules applied to objects in hand
(``case_access``, ``letter_access``, ``post_access``), so nothing is queried
per row, and what a person may no longer view drops out of their lists and
stops reaching their 信箱.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequtong.accounts.models import User
from shequtong.boards import policies as board_policies
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Post
from shequtong.cases.models import Case
from shequtong.cases.policies import access_case, case_access
from shequtong.common.errors import NotFound
from shequtong.letters.models import Letter
from shequtong.letters.policies import access_letter, letter_access

from .errors import FollowError

NOT_FOUND = "该内容不存在或您无权查看"


@dataclass(frozen=True)
class Entry:
    """One followed or favourited thing as a list shows it (to one person)."""

    target_type: str
    target_id: int
    kind_label: str
    title: str
    status: str
    place: str
    url: str
    at: dt.datetime                          # when followed/favourited
    last_step_at: dt.datetime | None = None  # 关注: the latest step since
    new_steps: int = 0                       # 关注: unread 信箱 notices about it


@dataclass(frozen=True)
class Kind:
    code: str
    label: Any
    access: Callable[[User, int], Any]                 # the object; NotFound when missing or not theirs to view
    load: Callable[[list[int]], dict[int, Any]]        # objects by id, with what can_view and describe read
    can_view: Callable[[User, Any, dict[Any, Any]], bool]  # the policy on an object in hand (a per-batch cache)
    describe: Callable[[User, Any], tuple[str, str, str, str]]  # title, status, place, url


# --- cases ---------------------------------------------------------------------------------

def _load_cases(ids: list[int]) -> dict[int, Any]:
    return Case.objects.select_related("community", "rating").only(
        "id", "title", "content", "status", "source", "category", "community_id", "subdistrict_id", "raised_by_id",
        "community__name", "rating__id").in_bulk(ids)


def _case_can_view(user: User, case: Case, cache: dict[Any, Any]) -> bool:
    return case_access(user, case).can_view


def _case_describe(user: User, case: Case) -> tuple[str, str, str, str]:
    title = case.resident_title if case_access(user, case).resident_view else case.title
    return title, str(case.get_status_display()), case.community.name, case.get_absolute_url()


# --- letters -------------------------------------------------------------------------------

def _load_letters(ids: list[int]) -> dict[int, Any]:
    return Letter.objects.select_related("community", "case", "case__rating").in_bulk(ids)


def _letter_can_view(user: User, letter: Letter, cache: dict[Any, Any]) -> bool:
    return letter_access(user, letter).can_view


def _letter_describe(user: User, letter: Letter) -> tuple[str, str, str, str]:
    status = str(letter.case.get_status_display()) if letter.case is not None else ""
    return letter.title, status, letter.community.name, letter.get_absolute_url()


# --- posts and 议事厅 topics ------------------------------------------------------------------

def _load_posts(ids: list[int]) -> dict[int, Any]:
    return Post.objects.select_related("community__subdistrict").only(
        "id", "title", "board", "stage", "visibility", "category", "author_id", "community_id",
        "community__name", "community__kind", "community__subdistrict_id", "community__subdistrict__name",
    ).in_bulk(ids)


def _load_topics(ids: list[int]) -> dict[int, Any]:
    return {pk: p for pk, p in _load_posts(ids).items() if p.board == Board.COUNCIL}


def _post_can_view(user: User, post: Post, cache: dict[Any, Any]) -> bool:
    key = ("board", user.pk, post.community_id)
    if key not in cache:  # one community's boards are resolved once per person and batch
        cache[key] = board_policies.board_access(user, post.community)
    return board_policies.post_access(user, post, board=cache[key]).can_view


def _post_describe(user: User, post: Post) -> tuple[str, str, str, str]:
    status = str(post.get_stage_display()) if post.stage else str(post.get_board_display())
    return post.title, status, post.community.name, post.get_absolute_url()


def _access_post(user: User, post_id: int) -> Post:
    return board_policies.access_post(user, post_id)[0]


def _access_topic(user: User, post_id: int) -> Post:
    post = _access_post(user, post_id)
    if post.board != Board.COUNCIL:
        raise NotFound(board_policies.POST_NOT_FOUND, code=FollowError.NOT_FOUND)
    return post


CASE = Kind("case", _("问题"), lambda u, i: access_case(u, i)[0], _load_cases, _case_can_view, _case_describe)
LETTER = Kind("letter", _("来信"), lambda u, i: access_letter(u, i)[0], _load_letters, _letter_can_view, _letter_describe)
TOPIC = Kind("topic", _("议题"), _access_topic, _load_topics, _post_can_view, _post_describe)
POST = Kind("post", _("主题"), _access_post, _load_posts, _post_can_view, _post_describe)

FOLLOWABLE: dict[str, Kind] = {k.code: k for k in (CASE, LETTER, TOPIC)}
FAVOURITABLE: dict[str, Kind] = {k.code: k for k in (POST, CASE, LETTER)}


def follow_kind(target_type: str, board: str = "") -> str | None:
    """What a detail page's thing is followed as: a 议事厅 post as a topic (its steps reach followers),
    a case or a letter as itself; other posts are only favourited (None)."""
    if target_type == "post":
        return TOPIC.code if board == Board.COUNCIL else None
    return target_type if target_type in (CASE.code, LETTER.code) else None


def followable(target_type: str) -> Kind:
    kind = FOLLOWABLE.get(target_type)
    if kind is None:
        raise NotFound(NOT_FOUND, code=FollowError.NOT_FOUND)
    return kind


def favouritable(target_type: str) -> Kind:
    kind = FAVOURITABLE.get(target_type)
    if kind is None:
        raise NotFound(NOT_FOUND, code=FollowError.NOT_FOUND)
    return kind
