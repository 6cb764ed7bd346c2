"""政策找人 end to end through the services: scope, matching with evidence, review rule, delivery, opt-out, care tags."""

from __future__ import annotations

import pytest

from shequtong.common.errors import NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox.models import Message
from shequtong.notifications import outbox
from shequtong.notifications.models import ChannelPreference, Outbox
from shequtong.notifications.preferences import fan_out
from shequtong.policy import selectors, services
from shequtong.policy.models import (
    CareTagChange,
    DemandProfile,
    Entry,
    EntryDecision,
    OptOut,
    PolicyEvent,
    PolicyStatus,
)
from shequtong.policy.policies import access_policy

from .conftest import ELEVATOR, District, say

pytestmark = pytest.mark.django_db


def ranked(cast, policy):  # type: ignore[no-untyped-def]
    rows, _ = selectors.match_rows(cast.policy_officer, policy, services.conditions_of(policy))
    return rows


def test_a_policy_is_decomposed_into_terms_keywords_phrases_and_conditions(cast):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    assert p.community_id == cast.a.pk and p.status == PolicyStatus.DRAFT
    assert "加装电梯" in p.analysis["terms"] and p.analysis["domains"][0] == "elevator"
    assert p.analysis["keywords"] and p.analysis["phrases"]
    assert p.conditions == [{"field": "hukou", "op": "in", "value": ["本区"], "text": "本区户籍", "soft": False}]


def test_a_resident_found_by_character_ngrams_shows_them_and_the_post_that_says_them(cast, district: District,
                                                                                    monkeypatch):
    # A resident whose only evidence is a phrase jieba cut into single characters (g: features learnt by feedback).
    from shequtong.policy import engine, store

    say(district.plain_a[0], "唉，老公查出重病家里没钱了，电话13912345678")
    store.rebuild_profiles()
    pid = str(district.profile(district.plain_a[0]).pk)
    assert {"g:没钱", "g:钱了"} <= set(district.profile(district.plain_a[0]).features)
    real_match = store.match

    def match(*args, **kwargs):  # type: ignore[no-untyped-def]
        analysis, _ = real_match(*args, **kwargs)
        return analysis, [engine.Match(pid, 0.8, {"g:没钱": 0.5, "g:钱了": 0.3}, [])]

    monkeypatch.setattr(store, "match", match)
    p = services.create_policy(actor=cast.policy_officer, title="临时救助", text="本区户籍家庭遭遇突发困难的，可申请临时救助。")
    (row,) = ranked(cast, p)
    assert row.profile.user == district.plain_a[0] and row.words == ["没钱", "钱了"]
    assert row.posts == ["唉，老公查出重病家里没钱了，电话139****5678"]


def test_matching_finds_colloquial_needs_in_scope_with_evidence_and_skips_the_rest(cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    rows = ranked(cast, p)
    users = [r.profile.user for r in rows]
    # The three who need it come first (two never say 电梯 the way the policy does) ...
    assert set(users[:3]) == set(district.needy_a)
    # ... the confounder ranks below them, B's resident and the 外省市 one are not listed at all.
    assert users.index(district.confounder_a) >= 3
    assert district.needy_b not in users and district.outsider_hukou_a not in users
    top = rows[0]
    assert top.met == ["户籍：本区"] and top.terms
    evidence = [post for r in rows for post in r.posts]
    assert any("爬不动楼" in e for e in evidence)
    assert all("13912345678" not in e for e in evidence) and any("139****5678" in e for e in evidence)


def test_the_officer_edits_conditions_and_matches_again(cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    services.update_policy(actor=cast.policy_officer, policy_id=p.pk, title=p.title, text=p.text,
                           conditions=[{"field": "hukou", "op": "in", "value": ["外省市"]}])
    p.refresh_from_db()
    assert [r.profile.user for r in ranked(cast, p)] == [district.outsider_hukou_a]
    with pytest.raises(ValidationFailed) as exc:
        services.update_policy(actor=cast.policy_officer, policy_id=p.pk, title=p.title, text=p.text,
                               conditions=[{"field": "tags", "op": "any", "value": ["富豪"]}])
    assert exc.value.message == "标签条件不正确"
    p.refresh_from_db()
    assert p.conditions[0]["value"] == ["外省市"]


def test_outside_the_scope_nobody_sees_or_changes_a_policy(cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    for outsider in (cast.staff_b, cast.resident_a, cast.subdistrict_observer_other, cast.secretary_a):
        with pytest.raises(NotFound):
            access_policy(outsider, p.pk)
        with pytest.raises((NotFound, PermissionRefused)):
            services.update_policy(actor=outsider, policy_id=p.pk, title="x", text="y")
    assert selectors.policies_for(cast.staff_b).count() == 0
    assert selectors.policies_for(cast.policy_reviewer).count() == 1
    # An officer may not submit a resident outside the scope.
    with pytest.raises(ValidationFailed) as exc:
        services.submit_list(actor=cast.policy_officer, policy_id=p.pk,
                             profile_ids=[district.profile(district.needy_b).pk])
    assert exc.value.message == "所选居民不在您的管辖范围内"
    assert not Entry.objects.exists()


def _submitted(cast, district):  # type: ignore[no-untyped-def]
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    ids = [district.profile(u).pk for u in district.needy_a]
    assert services.submit_list(actor=cast.policy_officer, policy_id=p.pk, profile_ids=ids) == 3
    return p


def test_review_rule_the_author_never_reviews_and_a_strike_needs_a_reason(cast, district: District):
    p = _submitted(cast, district)
    entry = Entry.objects.filter(policy=p).first()
    assert entry.evidence["met"] == ["户籍：本区"]
    with pytest.raises(PermissionRefused):
        services.update_policy(actor=cast.policy_officer, policy_id=p.pk, title="改", text="改")
    with pytest.raises(PermissionRefused):
        services.review_entry(actor=cast.policy_officer, policy_id=p.pk, entry_id=entry.pk, confirm=True)
    # A reviewer who wrote the policy is refused too (author ≠ reviewer), even with the reviewer role.
    from shequtong.accounts.models import RoleGrant

    RoleGrant.objects.create(user=cast.policy_officer, role="policy_reviewer", subdistrict=cast.tree.sub_a)
    from shequtong.accounts import scope

    scope.forget(cast.policy_officer)
    with pytest.raises(PermissionRefused) as exc:
        services.review_entry(actor=cast.policy_officer, policy_id=p.pk, entry_id=entry.pk, confirm=True)
    assert exc.value.message == "不能审核自己录入的政策"
    with pytest.raises(ValidationFailed) as exc:
        services.review_entry(actor=cast.policy_reviewer, policy_id=p.pk, entry_id=entry.pk, confirm=False)
    assert exc.value.message == "剔除须填写理由"
    services.review_entry(actor=cast.policy_reviewer, policy_id=p.pk, entry_id=entry.pk, confirm=False,
                          reason="已享受同类补贴")
    assert services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk) == 2
    entry.refresh_from_db()
    assert (entry.decision, entry.reason, entry.reviewed_by) == (EntryDecision.STRUCK, "已享受同类补贴",
                                                                 cast.policy_reviewer)
    assert list(PolicyEvent.objects.filter(policy=p).values_list("action", flat=True)) == [
        "created", "submitted", "struck", "reviewed"]


def test_delivery_by_inbox_and_every_channel_through_the_outbox_skipping_opted_out(cast, district: District):
    p = _submitted(cast, district)
    services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk)
    first, second, third = district.needy_a
    ChannelPreference.objects.create(user=first, email=True, sms=True, wechat=True, wechat_openid="oX1")
    first.email = "a@example.com"
    first.save(update_fields=["email"])
    OptOut.objects.create(user=third, domain="elevator")
    with pytest.raises(PermissionRefused):
        services.send_policy(actor=cast.policy_officer, policy_id=p.pk, channels=["inbox"])
    with pytest.raises(ValidationFailed):
        services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["pigeon"])
    sent = services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["inbox", "reminder"])
    assert sent == 2
    assert set(Message.objects.filter(subject="政策推送：加装电梯补贴").values_list("recipient", flat=True)) == {
        first.pk, second.pk}
    pushes = Outbox.objects.filter(kind="push")
    assert pushes.count() == 2
    # The reminder fans out to each channel the resident accepts (e-mail, SMS, WeChat for the first).
    row = pushes.get(payload__user_id=first.pk)
    assert sorted(r.kind for r in fan_out(row)) == ["email", "sms", "wechat"]
    assert [r.kind for r in fan_out(pushes.get(payload__user_id=second.pk))] == []  # no address on file
    p.refresh_from_db()
    assert p.status == PolicyStatus.SENT
    # Sending again sends nothing twice (idempotent per entry).
    assert outbox.enqueue(kind="push", payload={}, idempotency_key=f"policy:{p.pk}:entry:"
                          f"{Entry.objects.get(policy=p, profile__user=first).pk}").pk == row.pk


def test_one_resident_can_be_sent_alone(cast, district: District):
    p = _submitted(cast, district)
    services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk)
    one = Entry.objects.filter(policy=p).first()
    assert services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["inbox"], entry_id=one.pk) == 1
    p.refresh_from_db()
    assert p.status == PolicyStatus.REVIEWED
    assert Message.objects.filter(recipient=one.profile.user).count() == 1


def test_a_resident_opts_out_of_the_policys_domain(cast, district: District):
    p = _submitted(cast, district)
    services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk)
    services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["inbox"])
    user = district.needy_a[0]
    with pytest.raises(NotFound):
        services.opt_out(actor=district.plain_a[0], policy_id=p.pk)
    assert services.opt_out(actor=user, policy_id=p.pk) == ["elevator"]
    # A later elevator policy skips them.
    p2 = services.create_policy(actor=cast.policy_officer, title="加梯二期", text=ELEVATOR)
    services.submit_list(actor=cast.policy_officer, policy_id=p2.pk,
                         profile_ids=[district.profile(u).pk for u in district.needy_a])
    services.complete_review(actor=cast.policy_reviewer, policy_id=p2.pk)
    assert services.send_policy(actor=cast.policy_reviewer, policy_id=p2.pk, channels=["inbox"]) == 2
    assert not Message.objects.filter(recipient=user, subject="政策推送：加梯二期").exists()


def test_care_tags_are_kept_by_the_committee_in_scope_and_every_change_is_recorded(cast, district: District):
    profile = district.profile(district.needy_a[0])
    services.set_care_tags(actor=cast.staff_a, profile_id=profile.pk, tags=["独居", "慢性病"], hukou="本区")
    profile.refresh_from_db()
    assert profile.tags == ["独居", "慢性病"] and profile.tag_bits
    change = CareTagChange.objects.filter(profile=profile).first()
    assert (change.actor, change.after["tags"]) == (cast.staff_a, ["独居", "慢性病"])
    with pytest.raises(NotFound):
        services.set_care_tags(actor=cast.staff_b, profile_id=profile.pk, tags=[], hukou="")
    with pytest.raises(ValidationFailed):
        services.set_care_tags(actor=cast.staff_a, profile_id=profile.pk, tags=["富豪"], hukou="本区")
    profile.refresh_from_db()
    assert profile.tags == ["独居", "慢性病"]
    assert selectors.care_profiles(cast.staff_b).filter(pk=profile.pk).count() == 0


def test_profiles_are_rebuilt_incrementally(cast, district: District):
    from shequtong.policy import store

    user = district.plain_a[0]
    before = district.profile(user).features
    assert "c:加装电梯" not in before
    from .conftest import say

    say(user, "爬不动楼了")
    assert store.rebuild_profiles() == 1
    assert "c:加装电梯" in DemandProfile.objects.get(user=user).features
    assert store.rebuild_profiles() == 0


def test_sql_scoring_agrees_with_the_engine_without_feedback(cast, district: District):
    from django.db import connection

    from shequtong.common import clock
    from shequtong.policy import engine, store

    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    conds = services.conditions_of(p)
    analysis, matches = store.match(p.title, p.text, conds, DemandProfile.objects.all(), prf=False)
    index = store.DbIndex(DemandProfile.objects.values_list("id", flat=True), engine.query_of(analysis))
    query = {f: q * index.idf(f) for f, q in engine.query_of(analysis).items()}
    with connection.cursor() as cur:
        rows = store.score_sql(cur, query, conds, clock.now().date())
    expected = [(int(m.resident), round(m.score, 6)) for m in matches if m.score > 0]
    assert [(pid, round(s, 6)) for pid, s in rows] == expected
    assert district.profile(district.needy_b).pk in {pid for pid, _ in rows}  # no scope here: B is there too
    assert district.profile(district.outsider_hukou_a).pk not in {pid for pid, _ in rows}


def test_care_tags_page_finds_residents_by_their_encrypted_real_name(cast) -> None:
    from shequtong.policy import selectors
    from shequtong.policy.models import DemandProfile

    profile = DemandProfile.objects.filter(user=cast.resident_a).first() or DemandProfile.objects.create(
        user=cast.resident_a, community=cast.a)
    name = cast.resident_a.real_name
    found = selectors.care_profiles(cast.staff_a, name[1:])
    assert profile in found
    assert profile not in selectors.care_profiles(cast.staff_a, name[1:] + "不在名中")
