"""policy.engine's character n-grams: colloquial phrases that jieba cuts into single characters still become
features (`g:`), and feedback can learn them as the district's words for a need."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

import pytest

from shequtong.policy import engine
from shequtong.policy.conditions import Attributes
from shequtong.policy.lexicon import Lexicon, fixture_lexicon


@cache
def _plain_lexicon() -> Lexicon:
    """The fixture without its colloquial forms: residents' phrasings unknown to the lexicon (an unseen district)."""
    lex = fixture_lexicon()
    return Lexicon([dataclasses.replace(e, colloquial=()) for e in lex.entries], version=lex.version,
                   domain_tags=lex.domain_tags)


def test_bigrams_come_from_runs_of_single_characters_only():
    assert engine.char_ngrams(["家里", "遭", "了", "难"]) == ["遭了", "了难"]
    # a word of two or more characters, punctuation or a space ends a run; a lone character makes no n-gram
    assert engine.char_ngrams(["锅", "都", "端", "，", "不", "动", "了", "啊"]) == ["锅都", "都端", "不动", "动了"]
    assert engine.char_ngrams(["下个月", "饭钱", "都", "没", "了"]) == []          # 都没, 没了: function characters only
    assert engine.char_ngrams(["老公", "查出", "重病", "家里", "没", "钱", "了"]) == ["没钱", "钱了"]
    assert engine.char_ngrams(["遭", " ", "难"]) == [] and engine.char_ngrams(["难"]) == []
    assert engine.char_ngrams(["a", "b", "遭", "了"]) == ["遭了"]                   # Latin letters are not joined
    assert engine.char_ngrams(["遭", "了", "难"], sizes=(2, 3)) == ["遭了", "了难", "遭了难"]


def test_a_phrase_jieba_splits_gives_ngram_features_unless_a_lexicon_form_covers_it():
    plain = engine.TextFeatures(_plain_lexicon())
    assert list(plain._tok.cut("家里遭了难", HMM=False)) == ["家里", "遭", "了", "难"]
    feats = plain.features("家里遭了难，怎么办")
    assert {"g:遭了", "g:了难"} <= set(feats) and not any(f.startswith("c:") for f in feats)
    # With the colloquial form in the lexicon the phrase names the term, and its characters are not counted again.
    full = engine.TextFeatures(fixture_lexicon())
    feats = full.features("家里遭了难，怎么办")
    assert "c:临时救助" in feats and not any(f.startswith("g:") for f in feats)
    # Texts jieba cuts into words give no n-grams; a lone character between words gives none either.
    assert not any(f.startswith("g:") for f in plain.features("想申请临时救助，需要什么材料"))
    assert set(plain.features("楼道灯坏了")) == {"w:楼道", "g:灯坏", "g:坏了"}


def test_ngram_features_can_be_switched_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engine, "NGRAMS", False)
    feats = engine.TextFeatures(_plain_lexicon()).features("家里遭了难")
    assert not any(f.startswith("g:") for f in feats)


def _relief_district(tf: engine.TextFeatures):  # type: ignore[no-untyped-def]
    """12 residents ask for 临时救助 and some of them also say 家里遭了难; 12 say only 家里遭了难; 200 others write
    about the estate (30 of them about a neighbour's trouble in words of their own)."""
    t = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    evs = []
    for i in range(12):
        evs.append(engine.Event(f"a{i}", "post", "想申请临时救助，需要什么材料", t))
        if i % 2:
            evs.append(engine.Event(f"a{i}", "letter", "家里遭了难，日子过不下去", t))
    evs += [engine.Event(f"b{i}", "post", "唉，家里遭了难", t) for i in range(12)]
    evs += [engine.Event(f"o{i}", "post", "小区停车位太少了" if i % 2 else "楼道灯坏了", t) for i in range(200)]
    evs += [engine.Event(f"o{i}", "reply", "帮邻居捐了点钱", t) for i in range(30)]
    profiles = engine.build_profiles(evs, tf, t)
    res = {rid: engine.ResidentAttrs(rid, Attributes(45, "F", "本区", frozenset())) for rid in profiles}
    idx = engine.Index(profiles)
    a = engine.analyse("临时救助", "本区户籍家庭因突发事件导致基本生活暂时困难的，可申请临时救助。", tf, idx.idf)
    return a, idx, res


def test_feedback_learns_a_split_phrase_and_finds_who_said_only_that():
    a, idx, res = _relief_district(engine.TextFeatures(_plain_lexicon()))
    ranked = engine.rank(a, idx, res)
    order = [m.resident for m in ranked]
    only_colloquial = {f"b{i}" for i in range(12)}
    # Every resident who said only 家里遭了难 is found, after the residents who asked in the policy's words and
    # before everyone who did not voice the need.
    assert set(order[12:24]) == only_colloquial
    assert all(m.score > 0 and any(f.startswith("g:") for f in m.evidence) for m in ranked if m.resident in only_colloquial)
    assert all(m.score == 0 for m in ranked[24:])


def test_without_ngrams_the_split_phrase_is_never_learnt(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engine, "NGRAMS", False)
    a, idx, res = _relief_district(engine.TextFeatures(_plain_lexicon()))
    scores = {m.resident: m.score for m in engine.rank(a, idx, res)}
    assert all(scores[f"b{i}"] == 0 for i in range(12))
