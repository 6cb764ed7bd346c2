"""The database side of the engine: the lexicon from its tables, profiles in and out, matching a policy.

Profiles are rebuilt incrementally: `rebuild_profiles` folds the behaviour
events not yet processed into their residents' profiles (the `policy_profiles`
command runs it as the background task, in batches) and rewrites those
profiles' `ProfileTerm` rows, the inverted index that matching reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet

from shequtong.common import clock

from . import engine
from .conditions import Attributes, Condition, age_on
from .lexicon import FIXTURE, Entry, Lexicon
from .models import BehaviourEvent, DemandProfile, Domain, ProfileTerm, Term, tag_bits


def load_lexicon_fixture(domain_model: Any = Domain, term_model: Any = Term, path: Any = FIXTURE) -> int:
    """Create or update the fixture's domains and terms (an officer's later edits to other terms are kept)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    version = int(data.get("version", 0))
    n = 0
    for d in data["domains"]:
        domain, _ = domain_model.objects.update_or_create(
            code=d["code"], defaults={"name": d["name"], "tags": d.get("tags", []), "fixture_version": version})
        for t in d["terms"]:
            term_model.objects.update_or_create(term=t["term"], defaults={
                "domain": domain, "synonyms": t.get("synonyms", []), "colloquial": t.get("colloquial", [])})
            n += 1
    return n


_cache: dict[str, Lexicon] = {}


def current_lexicon() -> Lexicon:
    """The lexicon as the tables hold it now (cached until a term is edited)."""
    stamp = Term.objects.aggregate(m=Max("updated_at"))["m"]
    key = f"{Term.objects.count()}|{stamp}"
    lex = _cache.get(key)
    if lex is None:
        entries = [Entry(key=t.term, term=t.term, domain=t.domain.code, domain_name=t.domain.name,
                         synonyms=tuple(t.synonyms), colloquial=tuple(t.colloquial))
                   for t in Term.objects.select_related("domain")]
        tags = {d.code: list(d.tags) for d in Domain.objects.all()}
        lex = Lexicon(entries, version=len(entries), domain_tags=tags)
        _cache.clear()
        _cache[key] = lex
    return lex


_features: dict[int, engine.TextFeatures] = {}


def text_features(lex: Lexicon | None = None) -> engine.TextFeatures:
    lex = lex or current_lexicon()
    tf = _features.get(id(lex))
    if tf is None:
        _features.clear()
        tf = engine.TextFeatures(lex)
        _features[id(lex)] = tf
    return tf


def write_index(profiles: dict[int, dict[str, float]], batch: int = 20_000) -> None:
    """Replace the ProfileTerm rows of these profiles (profile id -> features)."""
    ids = list(profiles)
    for i in range(0, len(ids), 5000):
        ProfileTerm.objects.filter(profile_id__in=ids[i:i + 5000]).delete()
    rows: list[ProfileTerm] = []
    for pid, feats in profiles.items():
        for f, w in feats.items():
            rows.append(ProfileTerm(profile_id=pid, feature=f[:64], weight=w))
            if len(rows) >= batch:
                ProfileTerm.objects.bulk_create(rows)
                rows = []
    if rows:
        ProfileTerm.objects.bulk_create(rows)


def rebuild_profiles(*, limit: int = 50_000, ref: dt.datetime | None = None, full: bool = False) -> int:
    """Fold unprocessed events into profiles (all events when `full`); returns how many events were folded.

    A profile is recomputed from all its events (decay depends on `ref`), so
    the result does not depend on the order events arrived in."""
    tf = text_features()
    pending = BehaviourEvent.objects.all() if full else BehaviourEvent.objects.filter(processed=False)
    profile_ids = set(pending.order_by("id").values_list("profile_id", flat=True)[:limit]) if not full else \
        set(DemandProfile.objects.values_list("id", flat=True))
    if not profile_ids:
        return 0
    ref = ref or clock.now()
    folded = 0
    ids = sorted(profile_ids)
    for i in range(0, len(ids), 2000):
        chunk = ids[i:i + 2000]
        events: list[engine.Event] = []
        for pid, kind, text, at in BehaviourEvent.objects.filter(profile_id__in=chunk).values_list(
                "profile_id", "kind", "text", "occurred_at").iterator(chunk_size=5000):
            events.append(engine.Event(str(pid), kind, text, at))
        built = engine.build_profiles(events, tf, ref)
        with transaction.atomic():
            profiles = {int(pid): feats for pid, feats in built.items()}
            for pid in chunk:
                profiles.setdefault(pid, {})
            write_index(profiles)
            DemandProfile.objects.bulk_update(
                [DemandProfile(id=pid, features=feats, events_seen=len(feats)) for pid, feats in profiles.items()],
                ["features", "events_seen"], batch_size=500)
            folded += BehaviourEvent.objects.filter(profile_id__in=chunk, processed=False).update(processed=True)
    return folded


class DbIndex(engine.Index):
    """The engine's Index over the ProfileTerm table, restricted to some profiles (the officer's scope)."""

    def __init__(self, profile_ids: Iterable[int], features: Iterable[str]) -> None:
        self.ids = set(profile_ids)
        self.n = max(1, DemandProfile.objects.count())
        self.postings = defaultdict(list)
        self._df: dict[str, int] = {}
        self.loaded: dict[str, dict[str, float]] = _LazyProfiles()
        self.profiles = self.loaded
        self.load(features)

    def load(self, features: Iterable[str]) -> None:
        want = [f for f in set(features) if f not in self.postings]
        for i in range(0, len(want), 200):
            part = want[i:i + 200]
            for f, pid, w in ProfileTerm.objects.filter(feature__in=part).values_list("feature", "profile_id", "weight"):
                self._df[f] = self._df.get(f, 0) + 1
                if pid in self.ids:
                    self.postings[f].append((str(pid), w))
            for f in part:
                self.postings.setdefault(f, [])

    def df(self, feature: str) -> int:
        return self._df.get(feature, 0)


class _LazyProfiles(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> dict[str, float]:
        feats = DemandProfile.objects.filter(id=int(key)).values_list("features", flat=True).first() or {}
        self[key] = feats
        return feats


def residents_of(qs: QuerySet[DemandProfile], today: dt.date) -> dict[str, engine.ResidentAttrs]:
    out = {}
    for pid, birth, sex, hukou, tags in qs.values_list("id", "birth_date", "sex", "hukou", "tags").iterator(chunk_size=5000):
        out[str(pid)] = engine.ResidentAttrs(str(pid), Attributes(age_on(birth, today), sex, hukou, frozenset(tags)))
    return out


def match(title: str, text: str, conditions: list[Condition] | None, qs: QuerySet[DemandProfile], *,
          today: dt.date | None = None, top: int = 200, prf: bool = True) -> tuple[engine.Analysis, list[engine.Match]]:
    """Analyse a policy and rank the profiles of `qs` (already scoped) for it."""
    tf = text_features()
    today = today or clock.now().date()
    residents = residents_of(qs, today)
    probe = engine.analyse(title, text, tf, lambda f: 1.0, conditions)
    index = DbIndex((int(r) for r in residents), engine.query_of(probe))
    analysis = engine.analyse(title, text, tf, index.idf, conditions)
    index.load(engine.query_of(analysis))
    orig_feedback = engine.feedback

    def feedback(query: Any, ranked: list[str], idx: engine.Index, eligible: set[str]) -> dict[str, float]:
        # Feedback features are looked up in the table only once they are proposed.
        missing = [int(r) for r in ranked if r not in index.loaded]
        for i in range(0, len(missing), 500):
            for pid, feats in DemandProfile.objects.filter(pk__in=missing[i:i + 500]).values_list("id", "features"):
                index.loaded[str(pid)] = feats or {}
        counts: dict[str, int] = {}
        for rid in ranked:
            for f, w in idx.profiles[rid].items():
                if w > engine.PRF_FEATURE_MIN:
                    counts[f] = counts.get(f, 0) + 1
        # Only features common enough among them can be fed back: look those up.
        least = max(int(engine.PRF_MIN_COUNT), int(engine.PRF_MIN_SHARE * len(ranked)))
        index.load(f for f, c in counts.items() if c >= least and f not in query)
        return orig_feedback(query, ranked, idx, eligible)

    matches = engine.rank(analysis, index, residents, prf=prf, top=top, feedback_fn=feedback)
    return analysis, matches


def bulk_attrs(tags: list[str]) -> dict[str, Any]:
    return {"tags": sorted(set(tags)), "tag_bits": tag_bits(tags)}


# --- matching in SQL (the first pass over a whole district: no feedback) ---------------------------


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def conditions_sql(conditions: list[Condition], today: dt.date) -> tuple[str, list[Any]]:
    """The hard conditions as a WHERE clause over policy_demandprofile p (portable SQL, %s placeholders)."""
    from .models import TAG_BITS

    parts: list[str] = []
    params: list[Any] = []
    for c in conditions:
        if c.soft:
            continue
        v = c.value
        if c.field == "age":
            # age >= n  <=>  born on or before today - n years; age <= n  <=>  born after today - (n+1) years.
            if c.op in ("gte", "gt"):
                parts.append("p.birth_date <= %s")
                params.append(_years_ago(today, int(v) + (1 if c.op == "gt" else 0)))
            elif c.op in ("lte", "lt"):
                parts.append("p.birth_date > %s")
                params.append(_years_ago(today, int(v) + (1 if c.op == "lte" else 0)))
            elif c.op == "between":
                parts.append("p.birth_date <= %s AND p.birth_date > %s")
                params += [_years_ago(today, int(v[0])), _years_ago(today, int(v[1]) + 1)]
            elif c.op == "gte_by_sex":
                parts.append("((p.sex = 'M' AND p.birth_date <= %s) OR (p.sex = 'F' AND p.birth_date <= %s))")
                params += [_years_ago(today, int(v.get("M", 0))), _years_ago(today, int(v.get("F", 0)))]
        elif c.field == "hukou":
            parts.append("p.hukou IN (" + ", ".join(["%s"] * len(v)) + ")")
            params += list(v)
        elif c.field == "sex":
            parts.append("p.sex = %s")
            params.append(v)
        elif c.field == "tags":
            mask = sum(TAG_BITS[t] for t in v)
            op = {"any": "!= 0", "none": "= 0", "all": f"= {mask}"}[c.op]
            parts.append(f"(p.tag_bits & {mask}) {op}")
    return (" AND ".join(parts) or "1 = 1"), params


def score_sql(cursor: Any, query: dict[str, float], conditions: list[Condition], today: dt.date, *,
              limit: int = 200, extra_where: str = "", extra_params: list[Any] | None = None,
              ) -> list[tuple[int, float]]:
    """One policy over every stored profile in one statement: the index on (feature, profile) reads only the
    rows of the query's features. `query` already carries the IDF (feature -> q·idf). Returns (profile id, score)."""
    if not query:
        return []
    where, params = conditions_sql(conditions, today)
    if extra_where:
        where += " AND " + extra_where
        params += list(extra_params or [])
    values = ", ".join(["(%s, %s)"] * len(query))
    qparams: list[Any] = [x for f, w in query.items() for x in (f, float(w))]
    # Only placeholders and integer tag masks are formatted in; every value is a parameter.
    sql = (f"WITH q(feature, w) AS (VALUES {values}) "  # noqa: S608
           "SELECT t.profile_id, SUM(q.w * t.weight / (t.weight + %s)) AS s "
           "FROM policy_profileterm t JOIN q ON q.feature = t.feature "
           "JOIN policy_demandprofile p ON p.id = t.profile_id "
           f"WHERE {where} GROUP BY t.profile_id ORDER BY s DESC, t.profile_id LIMIT %s")
    cursor.execute(sql, [*qparams, engine.K_SAT, *params, limit])
    return [(int(pid), float(s)) for pid, s in cursor.fetchall()]
