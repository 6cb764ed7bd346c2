"""policy.conditions: eligibility conditions read from a policy's text (ages, ranges, hukou, tags, negations)."""

from __future__ import annotations

import pytest

from shequtong.policy.conditions import (
    Attributes,
    Condition,
    cn_number,
    extract,
    qualifies,
    validate,
)


def conds(text: str) -> set[tuple[str, str, str, bool]]:
    return {(c.field, c.op, repr(c.value), c.soft) for c in extract(text)}


def test_age_thresholds_in_digits_and_chinese_numerals():
    assert conds("年满60周岁的老人") == {("age", "gte", "60", False)}
    assert conds("八十周岁以上老人") == {("age", "gte", "80", False)}
    assert conds("70岁及以上") == {("age", "gte", "70", False)}
    assert conds("不满十八周岁的") == {("age", "lt", "18", False)}
    assert conds("超过65岁") == {("age", "gt", "65", False)}
    assert cn_number("八十五") == 85 and cn_number("一百") == 100 and cn_number("六十") == 60


def test_age_ranges():
    assert conds("18至35周岁的青年") == {("age", "between", "[18, 35]", False)}
    assert conds("年龄在16-59岁") == {("age", "between", "[16, 59]", False)}
    assert conds("法定劳动年龄内的失业人员") >= {("age", "between", "[16, 59]", False)}


def test_a_childs_age_is_the_household_tag_not_the_residents_age():
    found = conds("为3周岁以下婴幼儿家庭提供托育服务")
    assert ("tags", "any", "['婴幼儿家庭']", False) in found
    assert not any(f[0] == "age" for f in found)


def test_sex_specific_ages():
    (c,) = [c for c in extract("男性年满60周岁、女性年满55周岁的居民") if c.field == "age"]
    assert (c.op, c.value) == ("gte_by_sex", {"M": 60, "F": 55})
    assert qualifies([c], Attributes(age=56, sex="F")) and not qualifies([c], Attributes(age=56, sex="M"))


def test_household_registration():
    assert conds("本区户籍居民") == {("hukou", "in", "['本区']", False)}
    assert conds("本市户籍家庭") == {("hukou", "in", "['本区', '外区']", False)}
    assert conds("非本市户籍的来沪人员") == {("hukou", "in", "['外省市']", False)}
    assert conds("本市户籍或持有居住证的家庭") == set()


def test_tags_in_one_clause_are_alternatives():
    assert conds("独居、空巢或孤寡老人") == {("tags", "any", "['独居', '空巢', '孤寡']", False)}
    assert conds("低保、低收入家庭") == {("tags", "any", "['低保', '低收入']", False)}


def test_tags_in_separate_clauses_or_joined_by_tong_shi_must_all_hold():
    found = extract("对象为持证残疾人。家庭须为低保家庭。")
    assert [(c.op, c.value) for c in found if c.field == "tags"] == [("any", ["残疾"]), ("any", ["低保"])]
    a_only = Attributes(age=40, tags=frozenset({"残疾"}))
    both = Attributes(age=40, tags=frozenset({"残疾", "低保"}))
    assert not qualifies(found, a_only) and qualifies(found, both)
    assert conds("同时为低保家庭的残疾人") == {("tags", "all", "['残疾', '低保']", False)}


def test_negations():
    assert conds("非低保家庭") == {("tags", "none", "['低保']", False)}
    assert conds("未享受低保的困难家庭") == {("tags", "none", "['低保']", False)}
    assert conds("低保对象除外") == {("tags", "none", "['低保']", False)}
    assert conds("不属于失业人员的") == {("tags", "none", "['失业']", False)}
    c = extract("非低保的独居老人")
    assert qualifies(c, Attributes(age=70, tags=frozenset({"独居"})))
    assert not qualifies(c, Attributes(age=70, tags=frozenset({"独居", "低保"})))


def test_an_exclusion_clause_states_the_opposite():
    found = conds("低保、低收入家庭可申请。非低保、非低收入家庭不在本政策范围。")
    assert found == {("tags", "any", "['低保', '低收入']", False)}
    assert conds("不满18周岁的不予受理") == {("age", "gte", "18", False)}


def test_what_the_policy_offers_is_not_a_condition():
    assert conds("符合条件的可申请最低生活保障") == set()
    assert conds("已享受低保的家庭") == {("tags", "any", "['低保']", False)}


def test_a_registration_after_banli_is_a_condition_not_an_offer():
    assert conds("办理失业登记的本区户籍人员") == {("tags", "any", "['失业']", False), ("hukou", "in", "['本区']", False)}
    assert conds("16周岁以上、不满60周岁、办理失业登记的人员") == {
        ("tags", "any", "['失业']", False), ("age", "gte", "16", False), ("age", "lt", "60", False)}
    # 申请 + the tag itself is still what the policy offers.
    assert conds("困难家庭可申请低保") == set()


def test_a_tag_that_narrows_a_part_of_the_service_is_not_a_condition():
    text = "年满60周岁的独居、空巢或孤寡老人，在社区助餐点用餐可享受补贴，失能或行动不便者提供送餐服务。"
    assert conds(text) == {("age", "gte", "60", False), ("tags", "any", "['独居', '空巢', '孤寡']", False)}
    # Before anything is offered, a tag in a later comma part is still a condition …
    assert conds("本区户籍、年满60周岁，独居或空巢的老人可申请") == {
        ("hukou", "in", "['本区']", False), ("age", "gte", "60", False), ("tags", "any", "['独居', '空巢']", False)}
    # … and so is one when the clause named no tag before it.
    assert conds("本区户籍老人可享受补贴，失能者由护理员上门") >= {("tags", "any", "['失能']", False)}


def test_soft_conditions_rank_but_exclude_nobody():
    found = extract("本区户籍居民均可申请，低保家庭优先。")
    soft = [c for c in found if c.soft]
    assert [(c.field, c.value) for c in soft] == [("tags", ["低保"])]
    assert qualifies(found, Attributes(age=30, hukou="本区"))


def test_a_combination_filters_residents():
    c = extract("本区户籍、年满60周岁的独居、空巢或孤寡老人，非低保。")
    ok = Attributes(age=72, sex="F", hukou="本区", tags=frozenset({"空巢"}))
    assert qualifies(c, ok)
    assert not qualifies(c, Attributes(age=59, hukou="本区", tags=frozenset({"空巢"})))
    assert not qualifies(c, Attributes(age=72, hukou="外区", tags=frozenset({"空巢"})))
    assert not qualifies(c, Attributes(age=72, hukou="本区", tags=frozenset()))
    assert not qualifies(c, Attributes(age=72, hukou="本区", tags=frozenset({"空巢", "低保"})))
    assert not qualifies(c, Attributes(age=None, hukou="本区", tags=frozenset({"空巢"})))


def test_officer_edits_are_validated_with_chinese_messages():
    good = validate([{"field": "age", "op": "gte", "value": 60}, {"field": "tags", "op": "none", "value": ["低保"]}])
    assert good == [Condition("age", "gte", 60), Condition("tags", "none", ["低保"])]
    for bad, message in (({"field": "tags", "op": "any", "value": ["富豪"]}, "标签条件不正确"),
                         ({"field": "age", "op": "gte", "value": 400}, "年龄须为0–150的整数"),
                         ({"field": "hukou", "op": "in", "value": ["火星"]}, "户籍条件不正确"),
                         ({"field": "x", "op": "eq", "value": 1}, "未知的条件")):
        with pytest.raises(ValueError, match=message):
            validate([bad])
    with pytest.raises(ValueError, match="条件须为列表"):
        validate({"field": "age"})
