"""Tune 政策找人's matching in memory on the TUNING district only (no database, same engine as the harness).

    python bench/policy_tune.py --dir var/policy/tuning8k [--no-colloquial] [--no-feedback] [--set engine.K=V ...]

Prints P@50 and R-precision per policy. `--no-colloquial` drops every
colloquial form from the lexicon, which simulates a district whose residents
say their needs in words no one wrote into the lexicon (the situation of an
unseen district). `--set PRF_MIN_LIFT=4` overrides an engine constant for
the run. Never point it at the test district: its figures must come from one
run of the harness after tuning is finished (docs/policy.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
os.environ.setdefault("SHEQUTONG_SCRATCH", "1")

import django  # noqa: E402

django.setup()

import policy_score  # noqa: E402

from shequtong.policy import engine  # noqa: E402
from shequtong.policy.conditions import Attributes, age_on  # noqa: E402
from shequtong.policy.lexicon import Lexicon  # noqa: E402


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--no-colloquial", action="store_true")
    ap.add_argument("--no-feedback", action="store_true")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--method", choices=["match", "overlap"], default="match")
    ap.add_argument("--explain", default="",
                    help="tuning or fresh: list each policy's false hits in its first 50 and why (never a test district)")
    ap.add_argument("--verbose", action="store_true", help="with --explain: also the texts of false hits and misses in the first R")
    ap.add_argument("--cache", action="store_true",
                    help="keep the built profiles in DIR/profiles[-nocolloquial].json and reuse them (profile "
                         "building does not depend on the matching constants; delete the file after changing it)")
    ap.add_argument("--final", action="store_true",
                    help="the one scoring run on a test district, after tuning (no --set, no --no-colloquial)")
    args = ap.parse_args()
    if "test" in Path(args.dir).name and not args.final:
        raise SystemExit("policy_tune tunes on the tuning district only (--final for the one test run)")
    if args.final and (args.set or args.no_colloquial or args.explain):
        raise SystemExit("--final runs the method as committed")
    for item in args.set:
        name, value = item.split("=", 1)
        if "." in name:      # TYPE_WEIGHTS.read=0.1
            table, key = name.split(".", 1)
            getattr(engine, table)[key] = float(value)
        elif isinstance(getattr(engine, name), bool):
            setattr(engine, name, value.lower() in {"1", "true", "yes"})
        else:
            setattr(engine, name, type(getattr(engine, name))(value))
    d = Path(args.dir)
    people, events, policies = _rows(d / "residents.jsonl"), _rows(d / "events.jsonl"), _rows(d / "policies.jsonl")
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    lex = Lexicon.from_fixture()
    if args.no_colloquial:
        lex = Lexicon([dataclasses.replace(e, colloquial=()) for e in lex.entries], version=lex.version,
                      domain_tags=getattr(lex, "domain_tags", None))
    tf = engine.TextFeatures(lex)
    evs = [engine.Event(str(e["resident"]), e["type"], e["text"],
                        dt.datetime.fromisoformat(e["time"])) for e in events if e.get("text")]
    ref = max(e.time for e in evs)
    cache = d / (("profiles-nocolloquial" if args.no_colloquial else "profiles")
                 + ("" if not engine.NGRAMS else "-ngrams" + "".join(map(str, engine.NGRAM_SIZES))) + ".json")
    if args.cache and cache.exists():
        profiles = json.loads(cache.read_text(encoding="utf-8"))
    else:
        profiles = engine.build_profiles(evs, tf, ref)
        if args.cache:
            cache.write_text(json.dumps(profiles), encoding="utf-8")
    for p in people:
        profiles.setdefault(str(p["id"]), {})
    index = engine.Index(profiles)
    today = ref.date()
    residents = {str(p["id"]): engine.ResidentAttrs(str(p["id"]), Attributes(
        age_on(dt.date.fromisoformat(p["birth_date"]), today), p["sex"], p["hukou"], frozenset(p["tags"])))
        for p in people}
    result: dict[str, list[str]] = {}
    analyses: dict[str, engine.Analysis] = {}
    if args.method == "overlap":
        texts: dict[str, list[str]] = {}
        for e in events:
            if e.get("text"):
                texts.setdefault(str(e["resident"]), []).append(e["text"])
        result = {p["id"]: engine.overlap_rank(p["title"], p["text"], tf, texts, residents, 2000) for p in policies}
        policies = []
    for p in policies:
        analysis = engine.analyse(p["title"], p["text"], tf, index.idf)
        analyses[p["id"]] = analysis
        result[p["id"]] = [m.resident for m in engine.rank(analysis, index, residents, prf=not args.no_feedback,
                                                            top=2000)]
    s = policy_score.score(result, truth)
    print(" ".join(f"{k}:{v['r_precision']:.3f}" for k, v in s["policies"].items()))
    print(" ".join(f"{k}:{v['p@50']:.3f}" for k, v in s["policies"].items()) + "  (P@50)")
    print(f"mean P@50 {s['mean_p@50']:.3f}  mean R-prec {s['mean_r_precision']:.3f}  min R-prec {s['min_r_precision']:.3f}")
    if args.explain:
        explain(args.explain, args.verbose, people, events, policies, truth, result, analyses, profiles, index)


def explain(kind: str, verbose: bool, people: list[dict], events: list[dict], policies: list[dict],
            truth: dict[str, list[str]], result: dict[str, list[str]], analyses: dict[str, engine.Analysis],
            profiles: dict[str, dict[str, float]], index: engine.Index) -> None:
    """Each false hit in a policy's first 50: does it fail a true condition the text did not yield, or does it
    meet them all without the need (confounders, reads)? With its strongest evidence and its texts."""
    import policy_district as gen

    if kind not in ("tuning", "fresh"):
        raise SystemExit("--explain tuning|fresh (never a test district)")
    nd = gen.fresh_needs() if kind == "fresh" else gen.needs("tuning")
    keys = list(nd)
    today = dt.date(2026, 12, 1)
    by_id = {str(p["id"]): p for p in people}
    texts: dict[str, list[str]] = {}
    for e in events:
        if e.get("text"):
            texts.setdefault(str(e["resident"]), []).append(f"{e['type']}:{e['text']}")
    for i, p in enumerate(policies):
        pid = p["id"]
        need = nd[keys[i]]
        t = set(truth[pid])
        top = result[pid][:50]
        bad = [r for r in top if r not in t]
        r_n = len(t)
        in_r = result[pid][:r_n]
        false_r = [r for r in in_r if r not in t]
        fails = sum(1 for r in false_r if not need.eligible(by_id[r], gen._age(by_id[r], today)))
        print(f"\n{pid} {p['title']}: {len(bad)} false in the first 50; conditions "
              + "; ".join(c.describe() for c in analyses[pid].conditions))
        print(f"  first R={r_n}: {len(false_r)} false ({fails} fail a true condition, {len(false_r) - fails} "
              f"meet them without the need)")
        if verbose:
            for r in false_r[-6:] + [x for x in t if x not in set(in_r)][:6]:
                tag = "false hit" if r in false_r else "missed"
                print(f"   {tag} {r}: " + " / ".join(x for x in texts.get(r, [])[:10]))
        for r in bad:
            person = by_id[r]
            ok = need.eligible(person, gen._age(person, today))
            why = "meets the true conditions, no need" if ok else "FAILS a true condition"
            q = engine.query_of(analyses[pid])
            ev = sorted(((f, q.get(f, 0) * index.idf(f) * w / (w + engine.K_SAT)) for f, w in profiles[r].items()
                         if f in q), key=lambda x: -x[1])[:5]
            print(f"  #{top.index(r) + 1} {r} {why}: age {gen._age(person, today)} {person['hukou']} "
                  f"{','.join(person['tags'])} | {' '.join(f'{f}={v:.2f}' for f, v in ev)}")
            for line in texts.get(r, [])[:12]:
                print("      ", line)


if __name__ == "__main__":
    main()
