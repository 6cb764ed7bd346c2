"""policy.lexicon and policy.engine: the lexicon's size and shape, expansion of colloquial words, ranking quality."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from shequtong.policy import engine
from shequtong.policy.conditions import Attributes, age_on
from shequtong.policy.lexicon import FIXTURE, fixture_lexicon

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import policy_district  # noqa: E402
import policy_score  # noqa: E402


def test_the_lexicon_fixture_has_300_terms_over_15_domains_with_synonyms_and_colloquial_words():
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert data["version"] >= 1
    terms = [t for d in data["domains"] for t in d["terms"]]
    assert len(terms) >= 300 and len(data["domains"]) >= 15
    for name in ("养老", "助餐", "适老化改造", "残疾", "低保", "就业", "托育", "独居", "加装电梯", "垃圾分类", "医疗", "住房",
                 "教育", "退役军人", "安全"):
        assert any(name in d["name"] for d in data["domains"]), name
    assert sum(1 for t in terms if t["synonyms"]) >= 300
    assert sum(1 for t in terms if t["colloquial"]) >= 280


def test_colloquial_words_name_the_policys_term_and_jieba_knows_them():
    lex = fixture_lexicon()
    assert "临时救助" in lex.scan("家里揭不开锅了，怎么办")
    assert "加装电梯" in lex.scan("住六楼爬不动楼了")
    assert "加装电梯" not in lex.scan("电梯又坏了，物业快来修")  # a confounder names 电梯维修 instead
    assert "吃了上顿没下顿" in list(lex.tokenizer().cut("最近吃了上顿没下顿", HMM=False))


def _district(kind: str, n: int):  # type: ignore[no-untyped-def]
    people, events, policies, truth = policy_district.generate(kind, n, n * 10, 11 if kind == "tuning" else 2027)
    evs = [engine.Event(e["resident"], e["type"], e["text"], dt.datetime.fromisoformat(e["time"])) for e in events]
    ref = max(e.time for e in evs)
    res = {r["id"]: engine.ResidentAttrs(r["id"], Attributes(age_on(dt.date.fromisoformat(r["birth_date"]), ref.date()),
                                                             r["sex"], r["hukou"], frozenset(r["tags"]))) for r in people}
    return evs, events, res, policies, truth, ref


def test_on_an_unseen_district_matching_beats_the_word_overlap_baseline():
    evs, events, res, policies, truth, ref = _district("test", 800)
    tf = engine.TextFeatures(fixture_lexicon())
    idx = engine.Index(engine.build_profiles(evs, tf, ref))
    ours, base = {}, {}
    texts: dict[str, list[str]] = {}
    for e in events:
        texts.setdefault(e["resident"], []).append(e["text"])
    for p in policies:
        a = engine.analyse(p["title"], p["text"], tf, idx.idf)
        ours[p["id"]] = [m.resident for m in engine.rank(a, idx, res, top=1000)]
        base[p["id"]] = engine.overlap_rank(p["title"], p["text"], tf, texts, res, 1000)
    s_ours, s_base = policy_score.score(ours, truth), policy_score.score(base, truth)
    assert s_ours["mean_r_precision"] >= 0.85 and s_ours["mean_p@50"] >= 0.9
    assert s_ours["mean_r_precision"] > s_base["mean_r_precision"] + 0.1


def test_evidence_names_the_features_and_the_conditions_met():
    tf = engine.TextFeatures(fixture_lexicon())
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    evs = [engine.Event("old", "post", "年纪大了烧不动饭", now), engine.Event("young", "post", "年纪大了烧不动饭", now),
           engine.Event("quiet", "read", "社区活动通知", now)]
    idx = engine.Index(engine.build_profiles(evs, tf, now))
    res = {"old": engine.ResidentAttrs("old", Attributes(age=70, hukou="本区")),
           "young": engine.ResidentAttrs("young", Attributes(age=30, hukou="本区")),
           "quiet": engine.ResidentAttrs("quiet", Attributes(age=80, hukou="本区"))}
    a = engine.analyse("老年助餐", "本区户籍、年满60周岁的老人可享受助餐服务。", tf, idx.idf)
    matches = engine.rank(a, idx, res, prf=False)
    assert [m.resident for m in matches] == ["old", "quiet"]  # the young resident fails 年满60周岁
    assert "c:助餐服务" in matches[0].evidence and matches[1].score == 0
    assert [c.describe() for c in matches[0].met] == ["年龄≥60", "户籍：本区"]


def _voicing_district(outsiders_voice: int, registered: int = 300, registered_voice: int = 120):  # type: ignore[no-untyped-def]
    """`registered` + 60 eligible residents (70, 失能): `registered` 本区, 60 外省市; `registered_voice` 本区 say the
    need, and `outsiders_voice` 外省市."""
    t = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    res, evs = {}, []
    for i in range(registered + 60):
        rid = f"r{i:03d}"
        hukou = "本区" if i < registered else "外省市"
        res[rid] = engine.ResidentAttrs(rid, Attributes(70, "F", hukou, frozenset({"失能"})))
        voices = i < registered_voice or registered <= i < registered + outsiders_voice
        evs.append(engine.Event(rid, "post", "长护险怎么申请，老人瘫在床上" if voices else "小区停车位太少了", t))
    tf = engine.TextFeatures(fixture_lexicon())
    idx = engine.Index(engine.build_profiles(evs, tf, t))
    a = engine.analyse("长期护理保险", "年满60周岁的失能老人，可享受长期护理保险居家护理。", tf, idx.idf)
    return a, idx, res


def test_attribute_feedback_ranks_lower_a_registration_the_residents_voicing_the_need_rarely_have():
    assert engine.ATTR_FEEDBACK
    # 1 of 60 outsiders voices the need against 120 of 300 registered: the text left 本市户籍 unstated.
    a, idx, res = _voicing_district(outsiders_voice=1)
    assert not any(c.field == "hukou" for c in a.conditions)
    ranked = engine.rank(a, idx, res)
    outsider = next(m for m in ranked if m.resident == "r300")
    assert outsider.demoted == "户籍：外省市"
    assert [m.resident for m in ranked].index("r300") >= 120  # below every registered resident who said it
    assert outsider.score > 0 and len(ranked) == 360          # ranked lower, not excluded
    # When outsiders voice it as often as the others, nothing is demoted.
    a, idx, res = _voicing_district(outsiders_voice=24)
    assert not any(m.demoted for m in engine.rank(a, idx, res))


def test_attribute_feedback_fires_below_chance_at_z_minus_2_5_with_the_ratio_guard():
    # 116 residents voice the need, 6 of them 外省市 where 17.4 are expected (15 % of the eligible): ratio 0.34,
    # binomial z -2.96 (the fresh 长护险 text without 本市户籍 that z <= -3 missed).
    a, idx, res = _voicing_district(outsiders_voice=6, registered=340, registered_voice=110)
    expected = 116 * 60 / 400
    z = (6 - expected) / (expected * (1 - 60 / 400)) ** 0.5
    assert -3.0 < z <= engine.ATTR_MAX_Z and 6 / expected <= engine.ATTR_MAX_RATIO
    ranked = engine.rank(a, idx, res)
    assert all(m.demoted == "户籍：外省市" for m in ranked if m.resident >= "r340")
    assert not any(m.demoted for m in ranked if m.resident < "r340")
    # Twice as many outsiders voicing it (ratio 0.67) is not clearly missing: nothing is demoted.
    a, idx, res = _voicing_district(outsiders_voice=12, registered=340, registered_voice=110)
    assert not any(m.demoted for m in engine.rank(a, idx, res))


def test_a_title_that_names_only_a_condition_term_still_chooses_the_domain():
    tf = engine.TextFeatures(fixture_lexicon())
    a = engine.analyse("独居老人关爱", "为年满65周岁独居老人提供每周上门看望、电话问候和紧急呼叫服务。", tf, lambda f: 1.0)
    assert a.terms.get("独居老人") == engine.CONDITION_TERM_WEIGHT      # 独居 restates the condition …
    assert "living_alone" in a.domains and "精神慰藉" in a.expansion     # … but the policy is about living alone,
    assert "防滑改造" not in a.expansion                                # not about 紧急呼叫's home adaptations


def test_feedback_learns_from_the_titles_domain_when_the_text_only_lists_services_of_another():
    tf = engine.TextFeatures(fixture_lexicon())
    # 退役军人 restates the condition; the text's 技能培训 and 创业扶持 are services of 就业, which the same
    # eligible residents also need for another reason (失业). Feedback must learn the veterans' need.
    a = engine.analyse("退役军人服务保障", "退役军人可享受就业推荐、技能培训和创业扶持。", tf, lambda f: 1.0)
    assert a.terms["职业培训"] >= 1.0 and "veterans" in a.domains
    assert "职业培训" not in a.core and "创业扶持" not in a.core
    assert "退役军人就业" in a.core and "退役军人" in a.core
    # A title naming a need term keeps every strong term of the text as the core (老年食堂 sits in 养老).
    b = engine.analyse("老年人助餐补贴", "60周岁及以上的独居老人，在社区长者食堂用餐可享受用餐补贴，行动不便的可送餐上门。",
                       tf, lambda f: 1.0)
    assert {"助餐补贴", "老年食堂", "送餐上门"} <= set(b.core)
    # In ranking: residents who only ask for 职业培训 are not what feedback learns from.
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    events = [engine.Event(f"v{i}", "post", "退役军人就业有什么渠道 退伍以后找工作难", t0) for i in range(20)]
    events += [engine.Event(f"u{i}", "post", "想参加职业培训 厂子裁人了", t0) for i in range(20)]
    profiles = engine.build_profiles(events, tf)
    idx = engine.Index(profiles)
    res = {rid: engine.ResidentAttrs(rid, Attributes(45, "M", "本区", frozenset({"退役军人"}))) for rid in profiles}
    a = engine.analyse("退役军人服务保障", "退役军人可享受就业推荐、技能培训和创业扶持。", tf, idx.idf)
    learned: list[list[str]] = []

    def spy(query, ranked, index, eligible):
        learned.append(list(ranked))
        return engine.feedback(query, ranked, index, eligible)

    engine.rank(a, idx, res, feedback_fn=spy)
    assert learned and set(learned[0]) == {f"v{i}" for i in range(20)}


def test_feedback_does_not_learn_the_words_of_an_article_read_once():
    assert engine.PRF_FEATURE_MIN >= engine.TYPE_WEIGHTS["read"]
    # 30 residents voicing the need: all read 临时救助申请指南 once, half wrote 揭不开锅; 400 others wrote neither.
    profiles: dict[str, dict[str, float]] = {
        f"n{i}": {"c:临时救助": 0.1, "w:指南": 0.1, **({"w:揭不开锅": 1.0} if i % 2 else {})} for i in range(30)}
    profiles.update({f"o{i}": {"w:停车": 1.0} for i in range(400)})
    idx = engine.Index(profiles)
    extra = engine.feedback({"c:临时救助": 1.5}, [f"n{i}" for i in range(30)], idx, set(profiles))
    assert "w:揭不开锅" in extra and "w:指南" not in extra


def test_the_match_list_says_when_a_row_was_ranked_lower_and_why():
    from types import SimpleNamespace

    from django.template import engines

    from shequtong.policy.selectors import MatchRow

    def row(demoted: str) -> MatchRow:
        profile = SimpleNamespace(pk=7, user=SimpleNamespace(display_name="李*英"), hukou="外省市", community=None,
                                  get_sex_display=lambda: "女")
        return MatchRow(profile=profile, score=1.2, age=70, terms=["长期护理保险"], words=[], met=["年龄≥60"],
                        demoted=demoted)  # type: ignore[arg-type]

    tpl = engines["jinja2"].get_template("policy/match_rows.jinja")
    html = tpl.render({"rows": [row("户籍：外省市")]})
    assert 'data-testid="match-demoted"' in html and "排序降低" in html and "户籍：外省市" in html
    assert "match-demoted" not in tpl.render({"rows": [row("")]})
