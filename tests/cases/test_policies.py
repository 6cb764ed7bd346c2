"""access_case: who may see and do what to one case, per role, inside and outside the jurisdiction."""

from __future__ import annotations

import pytest
from django.db import transaction

from shequtong.accounts.roles import Role
from shequtong.cases import services
from shequtong.cases.errors import CaseError
from shequtong.cases.policies import CaseAccess, access_case, case_access
from shequtong.common.errors import NotFound

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db

NOT_FOUND = "该问题不存在或您无权查看"


@pytest.fixture
def cast(tree):  # type: ignore[no-untyped-def]
    class C:
        raiser = resident_of(tree.comm_a1)
        neighbour = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
        staff_a2 = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2)
        staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        rural = make_with_role(Role.RURAL_ADMIN)  # an observer without patrol: sees no cases
    C.case = helpers.letter(C.raiser).case
    return C


def _flags(a: CaseAccess) -> tuple[bool, bool, bool, bool, bool, bool]:
    return a.is_raiser, a.can_handle, a.can_patrol, a.can_view, a.can_rate, a.sees_delivery


@pytest.mark.parametrize(("who", "expected"), [
    # (is_raiser, can_handle, can_patrol, can_view, can_rate, sees_delivery) while the case is new
    ("raiser", (True, False, False, True, False, False)),
    ("staff", (False, True, False, True, False, True)),
    ("secretary", (False, True, False, True, False, True)),
    ("sub_a", (False, False, True, True, False, True)),
    ("district", (False, False, True, True, False, True)),
])
def test_inside_the_scope_the_case_comes_with_what_the_role_may_do(cast, who, expected):
    case, access = access_case(getattr(cast, who), cast.case.pk)
    assert case.pk == cast.case.pk and _flags(access) == expected
    assert access == case_access(getattr(cast, who), case)  # the same answer for a case already in hand


@pytest.mark.parametrize("who", ["neighbour", "staff_a2", "staff_b", "sub_b", "rural"])
def test_outside_the_scope_is_not_found(cast, who):
    with pytest.raises(NotFound) as err:
        access_case(getattr(cast, who), cast.case.pk)
    assert err.value.message == NOT_FOUND and err.value.code == CaseError.NOT_FOUND


def test_a_missing_case_answers_exactly_like_a_forbidden_one(cast):
    with pytest.raises(NotFound) as missing:
        access_case(cast.district, cast.case.pk + 10_000)
    with pytest.raises(NotFound) as forbidden:
        access_case(cast.staff_b, cast.case.pk)
    assert (missing.value.message, missing.value.code, missing.value.status) == (
        forbidden.value.message, forbidden.value.code, forbidden.value.status)
    assert missing.value.code == "not_found"  # the wire value API clients have always had


def test_only_the_raiser_may_rate_and_only_once_resolved(cast):
    helpers.handle(cast.staff, cast.case, "accept", "resolve")
    assert access_case(cast.raiser, cast.case.pk)[1].can_rate
    assert not any(access_case(u, cast.case.pk)[1].can_rate for u in (cast.staff, cast.sub_a, cast.district))
    services.rate_case(actor=cast.raiser, case_id=cast.case.pk, stars=5)
    _, access = access_case(cast.raiser, cast.case.pk)
    assert access.has_rating and not access.can_rate and access.can_view


def test_for_update_locks_and_answers_the_same(cast):
    with transaction.atomic():
        case, access = access_case(cast.staff, cast.case.pk, for_update=True)
        assert case.pk == cast.case.pk and access.can_handle
        with pytest.raises(NotFound):
            access_case(cast.staff_b, cast.case.pk, for_update=True)


def test_services_act_only_where_the_policy_says(cast):
    """Seeing a case is not handling it: patrol staff and the raiser get NotFound from the services, as before."""
    for actor in (cast.sub_a, cast.district, cast.raiser):
        with pytest.raises(NotFound) as err:
            services.handle_case(actor=actor, case_id=cast.case.pk, action="accept")
        assert err.value.code == CaseError.NOT_FOUND
    helpers.handle(cast.staff, cast.case, "accept", "resolve")
    for actor in (cast.staff, cast.sub_a):
        with pytest.raises(NotFound):
            services.rate_case(actor=actor, case_id=cast.case.pk, stars=3)
    assert services.rate_case(actor=cast.raiser, case_id=cast.case.pk, stars=3).stars == 3
