"""人民信箱 submission rules (LB-1, LB-2, LB-4, LB-5) and the sub-category list."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case, Source
from shequtong.common.errors import PermissionRefused, ValidationFailed
from shequtong.letters import services
from shequtong.letters.defaults import SUBCATEGORIES
from shequtong.letters.forms import LetterForm
from shequtong.letters.models import Letter, LetterStat, SubCategory

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db


def test_every_category_has_at_least_five_subcategories_from_the_migration():
    for category in ("economy", "construction", "social", "safety", "community"):
        assert SubCategory.objects.filter(category=category, is_active=True).count() >= 5
    assert set(SUBCATEGORIES) == {"economy", "construction", "social", "safety", "community"}


def test_a_resident_submits_one_problem_with_one_subcategory(tree):
    resident = resident_of(tree.comm_a1)
    sub = helpers.subcategory("construction", 2)
    letter = services.submit_letter(actor=resident, community=tree.comm_a1, category="construction",
                                    subcategory_ids=[sub.pk], content="12号楼前绿化带被占用停车。")
    assert list(letter.subcategories.all()) == [sub] and not letter.by_committee
    assert letter.title == "12号楼前绿化带被占用停车。"
    assert letter.case.source == Source.LETTER and letter.case.community == tree.comm_a1
    assert sub.name in letter.case.content


def test_residents_may_choose_only_one_subcategory(tree):
    resident = resident_of(tree.comm_a1)
    two = [helpers.subcategory("construction", 0).pk, helpers.subcategory("construction", 1).pk]
    with pytest.raises(ValidationFailed) as err:
        helpers.letter(resident, subs=two)
    assert err.value.field == "subcategories"
    assert not Letter.objects.exists() and not Case.objects.exists()


def test_committees_may_choose_several_subcategories(tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    two = [helpers.subcategory("social", 0).pk, helpers.subcategory("social", 1).pk]
    letter = helpers.letter(staff, category="social", subs=two, by_committee=True)
    assert letter.by_committee and letter.subcategories.count() == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"category": "weather", "subs": [1]}, "category"),
    ({"subs": []}, "subcategories"),
    ({"content": "短"}, "content"),
    ({"content": "长" * 2001}, "content"),
    ({"title": "题" * 61}, "title"),
    ({"kind": "complaint"}, "kind"),
])
def test_bad_input_is_refused_and_nothing_is_written(tree, kwargs, field):
    resident = resident_of(tree.comm_a1)
    with pytest.raises(ValidationFailed) as err:
        helpers.letter(resident, **kwargs)
    assert err.value.field == field
    assert not Letter.objects.exists() and not LetterStat.objects.exists()


def test_a_subcategory_must_belong_to_the_category_and_be_active(tree):
    resident = resident_of(tree.comm_a1)
    with pytest.raises(ValidationFailed):
        helpers.letter(resident, category="economy", subs=[helpers.subcategory("safety").pk])
    sub = helpers.subcategory("economy")
    helpers.letter(resident, category="economy", subs=[sub.pk])  # the list of active ones is kept now
    # Switched off as the sub-category page saves it: the kept list is dropped (letters/apps.py).
    sub.is_active = False
    sub.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        helpers.letter(resident, category="economy", subs=[sub.pk])
    assert sub.pk not in dict(LetterForm().fields["subcategories"].choices)


def test_observers_and_outsiders_cannot_submit(tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    district = make_with_role(Role.DISTRICT_OBSERVER)
    outsider = resident_of(tree.comm_b1)
    for actor in (observer, district, outsider):
        with pytest.raises(PermissionRefused):
            helpers.letter(actor, community=tree.comm_a1)
    # A resident cannot write as the committee.
    with pytest.raises(PermissionRefused):
        helpers.letter(resident_of(tree.comm_a1), community=tree.comm_a1, by_committee=True)
    assert not Letter.objects.exists()


def test_the_rollup_counts_each_letter_once_per_day_community_and_category(tree):
    resident = resident_of(tree.comm_a1)
    for category in ("construction", "construction", "safety"):
        helpers.letter(resident, category=category)
    rows = {(r.category, r.letters) for r in LetterStat.objects.filter(community=tree.comm_a1)}
    assert rows == {("construction", 2), ("safety", 1)}
    services.rebuild_stats()
    assert {(r.category, r.letters) for r in LetterStat.objects.filter(community=tree.comm_a1)} == rows


def test_only_a_sysadmin_edits_subcategories(tree):
    admin = make_with_role(Role.SYSADMIN)
    sub = services.save_subcategory(actor=admin, category="safety", name="电动车充电安全", sort_order=5)
    assert sub.pk and SubCategory.objects.filter(name="电动车充电安全").exists()
    with pytest.raises(ValidationFailed):
        services.save_subcategory(actor=admin, category="safety", name="电动车充电安全")
    with pytest.raises(PermissionRefused):
        services.save_subcategory(actor=make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1), category="safety", name="x")
    used = helpers.subcategory("construction")
    helpers.letter(resident_of(tree.comm_a1), subs=[used.pk])
    with pytest.raises(ValidationFailed):
        services.save_subcategory(actor=admin, category="safety", name=used.name, subcategory_id=used.pk)
    services.save_subcategory(actor=admin, category="construction", name=used.name, is_active=False, subcategory_id=used.pk)
    used.refresh_from_db()
    assert not used.is_active


def test_a_submission_reads_no_subcategory_and_looks_up_no_case(tree, django_assert_num_queries):
    """Issue 11: the form's choices and the service's check read the kept list of sub-categories; the new
    letter's case is created without looking for one of that letter first."""
    resident = resident_of(tree.comm_a1)
    sub = helpers.subcategory("construction", 2)
    data = {"kind": "problem", "category": "construction", "subcategories": [sub.pk], "content": "12号楼前绿化带被占用停车。"}
    helpers.letter(resident, category="construction", subs=[sub.pk])  # the list is kept, today's LetterStat row exists
    # The writer's estate (grant, then membership); the letter, its sub-category, the case and its first
    # event, the letter's case, the day's count, 政策找人's queue; the transaction's two.
    with django_assert_num_queries(11):
        form = LetterForm(data)
        assert form.is_valid(), form.errors
        d = form.cleaned_data
        letter = services.submit_letter(actor=resident, community=tree.comm_a1, category=d["category"],
                                        subcategory_ids=d["subcategories"], content=d["content"], kind=d["kind"])
    assert list(letter.subcategories.all()) == [sub]
    assert letter.case is not None and letter.case.origin_id == letter.pk and f"·{sub.name}】" in letter.case.content
    assert LetterStat.objects.get(community=tree.comm_a1, category="construction").letters == 2
