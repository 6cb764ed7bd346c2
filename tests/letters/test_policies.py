"""access_letter: who may read a letter and what they may do, per role, inside and outside the jurisdiction."""

from __future__ import annotations

import pytest
from django.db import transaction

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.common.errors import NotFound
from shequtong.letters.errors import LetterError
from shequtong.letters.policies import LetterAccess, access_letter, letter_access

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db

NOT_FOUND = "该问题/建议不存在或您无权查看"


@pytest.fixture
def cast(tree):  # type: ignore[no-untyped-def]
    class C:
        author = resident_of(tree.comm_a1)
        neighbour = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        admin = make_with_role(Role.SYSADMIN)  # observes letters, patrols no cases
        rural = make_with_role(Role.RURAL_ADMIN)  # 农委: reads no letter (issue 12 item 15)
    C.letter = helpers.letter(C.author)
    return C


def _flags(a: LetterAccess) -> tuple[bool, bool, bool, bool, bool]:
    return a.is_author, a.can_observe, a.can_view, a.can_handle, a.can_rate


@pytest.mark.parametrize(("who", "expected"), [
    # (is_author, can_observe, can_view, can_handle, can_rate) while the letter's case is new
    ("author", (True, False, True, False, False)),
    ("staff", (False, False, True, True, False)),
    ("sub_a", (False, True, True, False, False)),
    ("district", (False, True, True, False, False)),
    ("admin", (False, True, True, False, False)),
])
def test_inside_the_scope_the_letter_comes_with_what_the_role_may_do(cast, who, expected):
    letter, access = access_letter(getattr(cast, who), cast.letter.pk)
    assert letter.pk == cast.letter.pk and _flags(access) == expected
    assert access == letter_access(getattr(cast, who), letter)


def test_the_letters_case_rules_come_from_the_case_policy(cast):
    _, access = access_letter(cast.sub_a, cast.letter.pk)
    assert access.case is not None and access.case.can_patrol and not access.case.can_handle
    _, access = access_letter(cast.admin, cast.letter.pk)
    assert access.case is not None and not access.case.can_view  # reads the letter, not the case list


@pytest.mark.parametrize("who", ["neighbour", "staff_b", "sub_b", "rural"])
def test_outside_the_scope_is_not_found(cast, who):
    with pytest.raises(NotFound) as err:
        access_letter(getattr(cast, who), cast.letter.pk)
    assert err.value.message == NOT_FOUND and err.value.code == LetterError.NOT_FOUND


def test_a_missing_letter_answers_exactly_like_a_forbidden_one(cast):
    with pytest.raises(NotFound) as missing:
        access_letter(cast.district, cast.letter.pk + 10_000)
    with pytest.raises(NotFound) as forbidden:
        access_letter(cast.neighbour, cast.letter.pk)
    assert (missing.value.message, missing.value.code, missing.value.status) == (
        forbidden.value.message, forbidden.value.code, forbidden.value.status)


def test_the_author_rates_once_the_case_is_resolved(cast):
    helpers.handle(cast.staff, cast.letter.case, "accept", "resolve")
    assert access_letter(cast.author, cast.letter.pk)[1].can_rate
    assert not access_letter(cast.staff, cast.letter.pk)[1].can_rate
    case_services.rate_case(actor=cast.author, case_id=cast.letter.case.pk, stars=4)
    assert not access_letter(cast.author, cast.letter.pk)[1].can_rate


def test_for_update_locks_and_answers_the_same(cast):
    with transaction.atomic():
        letter, access = access_letter(cast.author, cast.letter.pk, for_update=True)
        assert letter.pk == cast.letter.pk and access.is_author
        with pytest.raises(NotFound):
            access_letter(cast.neighbour, cast.letter.pk, for_update=True)
