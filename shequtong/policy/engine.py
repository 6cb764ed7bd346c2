"""Demand profiles (PF-2) and matching (PF-3), in plain Python over plain data.

Features. A text gives two kinds of feature:
- `c:<term>`: a lexicon term it names through any surface form (term,
  synonym or colloquial phrasing: 揭不开锅 → c:临时救助);
- `w:<word>`: a content word of jieba's cut (the lexicon loaded as a user
  dictionary), at least two characters, not a stop word.

Profile. A resident's profile is the weighted sum over their events of the
features of each event's text: weight by event type (what one writes says
more than what one reads) times an exponential time decay (half-life
`HALF_LIFE_DAYS` before the newest event). Each feature counts once per
event.

Policy. A policy's query is its terms (c:, from title and text) plus its
TF-IDF keywords (w:, IDF over the platform's profiles); TextRank phrases
are shown to officers.

Score. Among residents who meet the hard conditions, score =
Σ_f q_f · idf_f · p_f / (p_f + K) (saturated like BM25, so one resident's
hundred reads do not outweigh another's three posts). Then pseudo-relevance
feedback: the features that the top-scored residents share far more often
than the eligible population (lift) are added to the query, which picks up
the district's own words for the need that no lexicon lists, and the
residents are scored again. Soft conditions add a small bonus.

`overlap_rank` is the baseline the issue measures against: conditions,
then the count of the policy's words found in the resident's texts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .conditions import Attributes, Condition, extract, met, qualifies
from .lexicon import Lexicon

TYPE_WEIGHTS: dict[str, float] = {
    "post": 1.0, "letter": 1.2, "case": 1.2, "reply": 0.8, "like": 0.35, "read": 0.1,
}
HALF_LIFE_DAYS = 365.0
K_SAT = 0.6
WORD_WEIGHT = 0.35       # keywords count less than lexicon terms
SOFT_BONUS = 0.15
CONDITION_TERM_WEIGHT = 0.1
DOMAIN_WEIGHT = 0.4      # a term of the policy's domain that the policy does not name
PRF_TOP = 60             # feedback from at most this many top residents
PRF_MIN_SHARE = 0.05     # a feature must be in this share of them
PRF_MIN_COUNT = 3
PRF_MIN_LIFT = 4.0       # and this many times more common than in the district
PRF_MAX_FEATURES = 30
PRF_MAX_SET = 2000
PRF_WEIGHT = 1.0
PRF_RAISE = True         # feedback may also raise a weak query word (a TF-IDF keyword) the residents stress
# Feedback learns from residents who name a policy term with more than one read's weight: a single read of an
# on-topic article is what many residents without the need do (browsing), and they dilute the shares.
PRF_CORE_MIN = 0.1
# Feedback counts a feature of a resident only when it weighs more than one read: the words of an article read
# once (指南 and 材料 of 临时救助申请指南) are what browsing residents share, not how the needy say the need.
PRF_FEATURE_MIN = 0.1
# Attribute feedback: a household registration that the residents voicing the need (the feedback set) have far
# less often than the eligible do is a condition the text left unstated (本市户籍 is often implied, not written).
# Residents with it are ranked lower (score × ATTR_PENALTY), not excluded.
ATTR_FEEDBACK = True
ATTR_MIN_SET = 30          # feedback set at least this large
ATTR_MIN_EXPECTED = 8.0    # and the value expected at least this many times in it
ATTR_MAX_RATIO = 0.35      # observed / expected at most this
# and this far below chance (binomial z). -3 (third session) missed a fresh 长护险 text without 本市户籍 whose
# 116 voicing residents had 6 of 外省市 against 17.4 expected (z -2.96, ratio 0.34; P@50 0.94); the ratio and the
# expected count are the guards against chance.
ATTR_MAX_Z = -2.5
ATTR_PENALTY = 0.5
PRF_ROUNDS = 1           # a second round feeds back from the residents the first expansion found
PROFILE_MAX_FEATURES = 80
# A content word that lies wholly inside the lexicon terms a text names (临时 and 救助申请 in 临时救助申请指南)
# is the same evidence again: it is not a feature of its own.
DROP_COVERED_WORDS = True
# Expand the query only with the domains of the terms the title names (when it names any): a term the text
# mentions as a cause (重大疾病 in a relief policy) must not pull in its whole domain (medical care).
TITLE_DOMAINS_ONLY = True
TITLE_CONDITION_DOMAINS = True
# Feedback learns from residents who name a core term of the policy. The core agrees with the domains the
# title chose: a text's service items from another domain (紧急呼叫 in 独居老人关爱, 职业培训 in 退役军人服务保障)
# would otherwise feed back another need (适老化改造, 失业) of the same eligible residents. "title": core terms
# outside the title's domains are dropped; when none is left (a title naming only a condition term), the
# title domains' own terms (the condition term and the domain's other terms) are the core. "off": every term
# of weight 1 or more, as before.
CORE_DOMAIN_AGREEMENT = "fallback"
# Character n-grams (`g:` features) where jieba found no word: a colloquial phrase that no dictionary lists
# (家里遭了难, 锅都端不动了) is cut into single characters, so it gives no `w:` feature and feedback could never
# learn it. The bigrams of each run of two or more single-character tokens are features of their own; those
# made only of function characters (了吗, 都不) are not. Profiles keep them like words (top
# PROFILE_MAX_FEATURES together); IDF and feedback's lift decide which of them mean anything.
NGRAMS = True
NGRAM_SIZES: tuple[int, ...] = (2,)
FUNCTION_CHARS = frozenset("的了是在和与及或等对为把被从向于以之其这那有也都就还又很太更最不没吗呢吧啊呀哦嗯哈"
                           "我你他她它们个着过得地要会能让给跟再才只")

STOP_WORDS = frozenset("""
的 了 是 在 和 与 及 或 等 对 为 将 把 被 从 向 于 以 之 其 这 那 有 也 都 就 还 又 很 太 更 最 不 没 吗 呢 吧 啊 呀 哦 嗯
我们 你们 他们 她们 我 你 他 她 它 自己 大家 什么 怎么 怎么办 可以 能够 能不能 可能 应该 需要 希望 想要 一下 一个 一些
这个 那个 这些 那些 这里 那里 哪里 时候 现在 今天 昨天 明天 已经 还是 但是 因为 所以 如果 然后 而且 并且 以及 或者 还有
进行 开展 提供 实施 落实 做好 加强 推进 相关 有关 工作 情况 问题 方面 规定 要求 办法 通知 本区 本市 社区 居民 群众 人员
对象 条件 符合 申请 办理 标准 按照 根据 通过 其中 每月 每年 每人 元 周岁 以上 以下 户籍 政策 服务 街道 镇 居委 居委会
年满 一起 大家好 谢谢 请问 有没有 是不是 好像 真的 觉得 知道 感觉 比较 非常 特别 一直 经常 有点 我家 家里 我们家
""".split())

_WORD_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Event:
    resident: str
    type: str
    text: str
    time: dt.datetime


@dataclass
class ResidentAttrs:
    id: str
    attrs: Attributes
    subdistrict: str = ""
    community: str = ""


class TextFeatures:
    """Memoised text → features for one lexicon (bulk builds repeat texts)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._tok = lexicon.tokenizer()
        self.features = lru_cache(maxsize=200_000)(self._features)

    def words(self, text: str, tokens: Sequence[str] | None = None) -> list[str]:
        out = []
        for w in (self._tok.cut(text, HMM=False) if tokens is None else tokens):
            w = w.strip().lower()
            if len(w) >= 2 and w not in STOP_WORDS and _WORD_RE.search(w):
                out.append(w)
        return out

    def _features(self, text: str) -> tuple[str, ...]:
        found = self.lexicon.scan(text)
        feats = {f"c:{k}" for k in found}
        tokens = list(self._tok.cut(text, HMM=False))
        words = self.words(text, tokens)
        grams = char_ngrams(tokens) if NGRAMS else []
        if DROP_COVERED_WORDS and found and (words or grams):
            covered = self.lexicon.covered(text)
            words = [w for w in words if not _inside(w, covered)]
            grams = [g for g in grams if not _inside(g, covered)]
        feats.update(f"w:{w}" for w in words)
        feats.update(f"g:{g}" for g in grams)
        return tuple(sorted(feats))


def char_ngrams(tokens: Iterable[str], sizes: Sequence[int] | None = None) -> list[str]:
    """Character n-grams of the runs of single Chinese characters in a cut (`NGRAM_SIZES`), except those made
    only of function characters: 家里/遭/了/难 -> 遭了, 了难."""
    sizes = NGRAM_SIZES if sizes is None else sizes
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        t = tok.strip()
        if len(t) == 1 and _HAN_RE.match(t):
            run.append(t)
            continue
        if len(run) >= 2:
            for n in sizes:
                for i in range(len(run) - n + 1):
                    gram = run[i:i + n]
                    if not all(ch in FUNCTION_CHARS for ch in gram):
                        out.append("".join(gram))
        run = []
    return out


def _inside(word: str, covered: tuple[str, list[bool]]) -> bool:
    """Is every occurrence of `word` in the cleaned text wholly inside lexicon surface forms?"""
    s, mask = covered
    start = s.find(word)
    if start < 0:
        return False
    while start >= 0:
        if not all(mask[start:start + len(word)]):
            return False
        start = s.find(word, start + 1)
    return True


def decay(time: dt.datetime, ref: dt.datetime) -> float:
    days = max(0.0, (ref - time).total_seconds() / 86400.0)
    return 0.5 ** (days / HALF_LIFE_DAYS)


def build_profiles(events: Iterable[Event], tf: TextFeatures, ref: dt.datetime | None = None,
                   ) -> dict[str, dict[str, float]]:
    """Every resident's weighted features (at most PROFILE_MAX_FEATURES words, all terms kept)."""
    evs = list(events)
    if ref is None:
        ref = max((e.time for e in evs), default=dt.datetime.now(dt.UTC))
    profiles: dict[str, dict[str, float]] = defaultdict(dict)
    for e in evs:
        w = TYPE_WEIGHTS.get(e.type, 0.2) * decay(e.time, ref)
        if w <= 0 or not e.text:
            continue
        prof = profiles[e.resident]
        for f in tf.features(e.text):
            prof[f] = prof.get(f, 0.0) + w
    return {rid: trim(p) for rid, p in profiles.items()}


def trim(profile: dict[str, float]) -> dict[str, float]:
    terms = {f: w for f, w in profile.items() if f.startswith("c:")}
    words = sorted(((f, w) for f, w in profile.items() if not f.startswith("c:")), key=lambda x: -x[1])
    terms.update(words[:PROFILE_MAX_FEATURES])
    return {f: round(w, 4) for f, w in terms.items()}


# --- the policy side ---------------------------------------------------------------------------


@dataclass
class Analysis:
    terms: dict[str, float]          # lexicon term -> weight (how prominent in the policy)
    keywords: dict[str, float]       # word -> TF-IDF weight
    phrases: list[str]               # TextRank phrases
    conditions: list[Condition]
    domains: list[str] = field(default_factory=list)
    expansion: dict[str, float] = field(default_factory=dict)  # other terms of the policy's domains
    core: list[str] = field(default_factory=list)  # the terms feedback learns from (see CORE_DOMAIN_AGREEMENT)

    def as_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "keywords": self.keywords, "phrases": self.phrases,
                "conditions": [c.as_dict() for c in self.conditions], "domains": self.domains,
                "expansion": self.expansion, "core": self.core}


def textrank(words: Sequence[str], window: int = 4, iterations: int = 20, top: int = 8,
             tokens: Sequence[str] | None = None) -> list[str]:
    """TextRank over the content words; phrases are pairs of top-ranked words next to each other in the
    text (`tokens`: the full cut, so words a stop word separated are not joined), else single words."""
    graph: dict[str, Counter[str]] = defaultdict(Counter)
    for i, w in enumerate(words):
        for v in words[i + 1:i + window]:
            if v != w:
                graph[w][v] += 1
                graph[v][w] += 1
    if not graph:
        return []
    score = dict.fromkeys(graph, 1.0)
    for _ in range(iterations):
        new = {}
        for w in graph:
            s = 0.0
            for v, c in graph[w].items():
                s += c / sum(graph[v].values()) * score[v]
            new[w] = 0.15 + 0.85 * s
        score = new
    ranked = sorted(score, key=lambda w: -score[w])
    best = set(ranked[:top * 2])
    phrases: list[str] = []
    seq = [t.strip().lower() for t in tokens] if tokens is not None else list(words)
    for a, b in zip(seq, seq[1:], strict=False):
        if a in best and b in best and a != b:
            p = a + b
            if p not in phrases:
                phrases.append(p)
    for w in ranked:
        if len(phrases) >= top:
            break
        if not any(w in p for p in phrases):
            phrases.append(w)
    return phrases[:top]


def analyse(title: str, text: str, tf: TextFeatures, idf: Callable[[str], float],
            conditions: list[Condition] | None = None) -> Analysis:
    lex = tf.lexicon
    conds = extract(title + "。" + text) if conditions is None else conditions
    # Words that state a hard condition (独居、空巢 in 独居、空巢或孤寡老人) are filters, not the need.
    cond_words = [w for c in conds if not c.soft and c.field == "tags" for w in c.text.split("、") if w]
    terms: dict[str, float] = {}
    filtered: set[str] = set()
    for part, weight in ((title, 1.5), (text, 1.0)):
        for k, surface in lex.scan(part).items():
            if any(w in surface or surface in w for w in cond_words):
                filtered.add(k)
                continue
            terms[k] = max(terms.get(k, 0.0), weight)
    for k in filtered:
        if k not in terms:
            terms[k] = CONDITION_TERM_WEIGHT
    words = tf.words(title) * 2 + tf.words(text)
    counts = Counter(words)
    scored = {w: (c / len(words)) * idf("w:" + w) for w, c in counts.items()} if words else {}
    top = sorted(scored.items(), key=lambda x: -x[1])[:20]
    mx = top[0][1] if top else 1.0
    keywords = {w: round(s / mx, 3) for w, s in top}
    per_domain = Counter(lex.by_key[k].domain for k in terms if k not in filtered)
    title_terms = lex.scan(title)
    title_domains = {lex.by_key[k].domain for k in title_terms if k not in filtered}
    if TITLE_CONDITION_DOMAINS and not title_domains:
        # 独居老人关爱: a title that names only a term restating a condition still says what the policy is
        # about; without this, a service item of the text (紧急呼叫, 适老化改造) would choose the domain.
        title_domains = {lex.by_key[k].domain for k in title_terms}
        for d in title_domains:
            per_domain[d] = max(per_domain[d], 1)
    if TITLE_DOMAINS_ONLY and title_domains:
        expand = Counter({d: c for d, c in per_domain.items() if d in title_domains})
    else:
        expand = per_domain
    domains = [d for d, _ in per_domain.most_common()]
    top_count = expand.most_common(1)[0][1] if expand else 1
    expansion: dict[str, float] = {}
    for e in lex.entries:
        if e.key not in terms and e.domain in expand:
            expansion[e.key] = round(DOMAIN_WEIGHT * expand[e.domain] / top_count, 3)
    core = core_terms(terms, expansion, title_domains, lex)
    return Analysis(terms=terms, keywords=keywords, phrases=textrank(tf.words(title + "。" + text), tokens=list(tf._tok.cut(title + "。" + text, HMM=False))),
                    conditions=conds, domains=domains,
                    expansion=expansion, core=core)


def core_terms(terms: Mapping[str, float], expansion: Mapping[str, float], title_domains: set[str],
               lex: Lexicon) -> list[str]:
    """The policy terms whose namers feedback learns from (CORE_DOMAIN_AGREEMENT)."""
    strong = sorted(k for k, w in terms.items() if w >= 1.0)
    if CORE_DOMAIN_AGREEMENT == "off" or not title_domains:
        return strong
    agreeing = [k for k in strong if lex.by_key[k].domain in title_domains]
    if agreeing:
        return agreeing if CORE_DOMAIN_AGREEMENT != "fallback" else strong
    if CORE_DOMAIN_AGREEMENT == "strong":
        return strong
    return sorted(k for k in {*terms, *expansion} if lex.by_key[k].domain in title_domains) or strong


def query_of(analysis: Analysis) -> dict[str, float]:
    q = {f"c:{k}": w for k, w in analysis.expansion.items()}
    q.update({f"c:{k}": w for k, w in analysis.terms.items()})
    for w, s in analysis.keywords.items():
        q[f"w:{w}"] = max(q.get(f"w:{w}", 0.0), WORD_WEIGHT * s)
    return q


# --- matching ----------------------------------------------------------------------------------


class Index:
    """Profiles of one district, inverted: feature -> [(resident, weight)], and document frequencies."""

    def __init__(self, profiles: Mapping[str, Mapping[str, float]]):
        self.profiles = profiles
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for rid, prof in profiles.items():
            for f, w in prof.items():
                self.postings[f].append((rid, w))
        self.n = max(1, len(profiles))

    def df(self, feature: str) -> int:
        return len(self.postings.get(feature, ()))

    def idf(self, feature: str) -> float:
        return math.log((self.n + 1) / (self.df(feature) + 1)) + 1.0


@dataclass
class Match:
    resident: str
    score: float
    evidence: dict[str, float]       # feature -> contribution
    met: list[Condition]
    demoted: str = ""                # the attribute value attribute feedback ranked lower (户籍：外省市)


def _score(query: Mapping[str, float], index: Index, eligible: set[str]) -> dict[str, dict[str, float]]:
    contrib: dict[str, dict[str, float]] = defaultdict(dict)
    for f, q in query.items():
        if q <= 0:
            continue
        weight = q * index.idf(f)
        for rid, p in index.postings.get(f, ()):
            if rid in eligible:
                contrib[rid][f] = weight * p / (p + K_SAT)
    return contrib


def feedback(query: Mapping[str, float], ranked: list[str], index: Index, eligible: set[str]) -> dict[str, float]:
    """Features shared by the top residents far more than by the district (pseudo-relevance feedback).

    Lift is measured against the whole district, not the eligible: when most
    of the eligible have the need, a need word cannot be much commoner among
    the top than among them, but it is among the top than in the district.
    """
    top = ranked
    if len(top) < 5:
        return {}
    counts: Counter[str] = Counter()
    for rid in top:
        counts.update(f for f, w in index.profiles[rid].items() if w > PRF_FEATURE_MIN)
    n_top = len(top)
    added: list[tuple[float, str]] = []
    for f, c in counts.items():
        if (f in query and not (PRF_RAISE and f.startswith("w:"))) or c < PRF_MIN_COUNT:
            continue
        share = c / n_top
        if share < PRF_MIN_SHARE:
            continue
        lift = share / ((index.df(f) + 1) / index.n)
        if lift >= PRF_MIN_LIFT:
            added.append((share * min(1.0, lift / (2 * PRF_MIN_LIFT)), f))
    added.sort(reverse=True)
    out = {f: round(PRF_WEIGHT * min(1.0, 3 * w), 3) for w, f in added[:int(PRF_MAX_FEATURES)]}
    return {f: w for f, w in out.items() if w > query.get(f, 0.0)}


def attribute_skew(voicing: Sequence[str], eligible: set[str], residents: Mapping[str, ResidentAttrs],
                   ) -> dict[str, float]:
    """Household registrations that the residents voicing the need have far less often than the eligible:
    value -> observed / expected share (empty when nothing is clearly missing)."""
    if len(voicing) < ATTR_MIN_SET or not eligible:
        return {}
    base = Counter(residents[r].attrs.hukou for r in eligible)
    seen = Counter(residents[r].attrs.hukou for r in voicing)
    n_el, n_v = len(eligible), len(voicing)
    out: dict[str, float] = {}
    for value, count in base.items():
        p = count / n_el
        expected = p * n_v
        if not value or expected < ATTR_MIN_EXPECTED or p >= 1.0:
            continue
        observed = seen.get(value, 0)
        z = (observed - expected) / math.sqrt(expected * (1.0 - p))
        if observed / expected <= ATTR_MAX_RATIO and z <= ATTR_MAX_Z:
            out[value] = round(observed / expected, 3)
    return out


def rank(analysis: Analysis, index: Index, residents: Mapping[str, ResidentAttrs], *,
         prf: bool = True, top: int | None = None, feedback_fn: Callable[..., dict[str, float]] | None = None,
         ) -> list[Match]:
    conds = analysis.conditions
    eligible = {rid for rid, r in residents.items() if qualifies(conds, r.attrs)}
    query = query_of(analysis)
    contrib = _score(query, index, eligible)
    ranked = sorted(contrib, key=lambda r: -sum(contrib[r].values()))
    strong: list[str] = []
    if prf and ranked:
        # Feedback comes from every resident who names one of the policy's own terms, not only the very
        # top: the top are those who use the policy's words most, exactly the ones who least use others.
        core = {f"c:{k}" for k in analysis.core} if analysis.core else \
            {f"c:{k}" for k, w in analysis.terms.items() if w >= 1.0}
        # (weights from the postings: an index over the database loads whole profiles one by one)
        core_weight = {f: dict(index.postings.get(f, ())) for f in core}
        strong = [rid for rid in ranked
                  if any(core_weight[f].get(rid, 0.0) > PRF_CORE_MIN for f in core & contrib[rid].keys())
                  ][:int(PRF_MAX_SET)]
        extra = (feedback_fn or feedback)(query, strong if len(strong) >= 5 else ranked[:int(PRF_TOP)], index,
                                          eligible)
        if extra:
            q2 = dict(query)
            q2.update(extra)
            contrib = _score(q2, index, eligible)
            for _round in range(int(PRF_ROUNDS) - 1):
                ranked = sorted(contrib, key=lambda r: -sum(contrib[r].values()))
                extra = (feedback_fn or feedback)(q2, ranked[:max(len(strong), 5) * 2][:int(PRF_MAX_SET)], index,
                                                  eligible)
                if not extra:
                    break
                q2.update(extra)
                contrib = _score(q2, index, eligible)
    skew = attribute_skew(strong, eligible, residents) if prf and ranked and ATTR_FEEDBACK else {}
    soft = [c for c in conds if c.soft]
    results: list[Match] = []
    for rid in eligible:
        ev = contrib.get(rid, {})
        s = sum(ev.values())
        m = met(conds, residents[rid].attrs)
        if soft:
            s += SOFT_BONUS * sum(1 for c in m if c.soft)
        hukou = residents[rid].attrs.hukou
        if hukou in skew:
            s *= ATTR_PENALTY
        results.append(Match(rid, s, ev, m, demoted=f"户籍：{hukou}" if hukou in skew else ""))
    results.sort(key=lambda m: (-m.score, m.resident))
    return results[:top] if top else results


def overlap_rank(title: str, text: str, tf: TextFeatures, texts_by_resident: Mapping[str, list[str]],
                 residents: Mapping[str, ResidentAttrs], top: int) -> list[str]:
    """The baseline: regex conditions, then how many of the policy's words occur in the resident's texts."""
    conds = extract(title + "。" + text)
    words = set(tf.words(title) + tf.words(text))
    scores = []
    for rid, r in residents.items():
        if not qualifies(conds, r.attrs):
            continue
        blob = "".join(texts_by_resident.get(rid, ()))
        s = sum(1 for w in words if w in blob)
        scores.append((-s, rid))
    scores.sort()
    return [rid for _, rid in scores[:top]]
