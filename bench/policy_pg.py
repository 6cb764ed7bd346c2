"""Matching one policy over 800,000 demand profiles on PostgreSQL (issue 16 target: < 2 s).

    python bench/policy_pg.py --db postgres://postgres@127.0.0.1:5432/policy_bench --profiles 800000

Builds, in a database of its own, the two tables matching reads
(policy_demandprofile with the attribute columns, policy_profileterm with
its (feature, profile) index) filled server-side with generate_series:
ages 0–99, 68 % 本区, care-tag bits at the district's rates, and per profile
`--terms` features drawn from a vocabulary of 3,000 lexicon terms and 20,000
words with a skewed (power-law) frequency, like the platform's. Then runs
shequtong.policy.store.score_sql — the statement the platform runs — for
policies of 40 features with conditions, and prints the timings as JSON.
The feature distribution is synthetic; the statement and the index are the
platform's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCHEMA = """
DROP TABLE IF EXISTS policy_profileterm; DROP TABLE IF EXISTS policy_demandprofile;
CREATE TABLE policy_demandprofile (id integer PRIMARY KEY, birth_date date, sex varchar(1), hukou varchar(4),
                                   tag_bits integer NOT NULL);
CREATE TABLE policy_profileterm (id bigserial PRIMARY KEY, profile_id integer NOT NULL, feature varchar(64) NOT NULL,
                                 weight double precision NOT NULL);
"""
FILL = """
INSERT INTO policy_demandprofile (id, birth_date, sex, hukou, tag_bits)
SELECT g, date '2026-12-01' - (floor(random() * 100 * 365))::int,
       CASE WHEN random() < 0.5 THEN 'M' ELSE 'F' END,
       CASE WHEN random() < 0.68 THEN '本区' WHEN random() < 0.45 THEN '外区' ELSE '外省市' END,
       (CASE WHEN random() < 0.08 THEN 1 ELSE 0 END) | (CASE WHEN random() < 0.04 THEN 8 ELSE 0 END)
       | (CASE WHEN random() < 0.03 THEN 32 ELSE 0 END) | (CASE WHEN random() < 0.1 THEN 2048 ELSE 0 END)
FROM generate_series(1, %(n)s) g;
INSERT INTO policy_profileterm (profile_id, feature, weight)
SELECT DISTINCT ON (p, f) p, f, w FROM (
  SELECT g AS p,
         CASE WHEN random() < 0.3 THEN 'c:term' || floor(power(random(), 3) * 3000)::int
              ELSE 'w:word' || floor(power(random(), 3) * 20000)::int END AS f,
         round((0.2 + random() * 2.5)::numeric, 3)::double precision AS w
  FROM generate_series(1, %(n)s) g, generate_series(1, %(k)s) j) x;
CREATE INDEX policy_profileterm_feat ON policy_profileterm (feature, profile_id);
ANALYZE policy_demandprofile; ANALYZE policy_profileterm;
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/policy_bench")
    ap.add_argument("--profiles", type=int, default=800_000)
    ap.add_argument("--terms", type=int, default=12, help="features drawn per profile")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep the tables of a previous run")
    args = ap.parse_args()

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
    os.environ.setdefault("SHEQUTONG_TESTING", "1")  # no secrets needed: the statement is all it uses
    django.setup()
    from shequtong.policy.conditions import extract
    from shequtong.policy.store import score_sql

    t0 = time.monotonic()
    with psycopg.connect(args.db, autocommit=True) as conn, conn.cursor() as cur:
        if not args.reuse:
            cur.execute(SCHEMA)
            for stmt in FILL.split(";\n"):
                if stmt.strip():
                    cur.execute(stmt, {"n": args.profiles, "k": args.terms})
        cur.execute("SELECT count(*) FROM policy_profileterm")
        rows = cur.fetchone()[0]  # type: ignore[index]
        built = time.monotonic() - t0
        rng = random.Random(7)
        policies = [
            ("本区户籍、年满60周岁的独居、空巢或孤寡老人可享受助餐补贴。", "gte60 hukou tags"),
            ("本区户籍业主可申请加装电梯补贴。", "hukou"),
            ("对全体居民开展垃圾分类宣传。", "none"),
        ]
        timings = {}
        for text, label in policies:
            conds = extract(text)
            runs = []
            for _ in range(args.runs):
                # 10 lexicon terms and 30 keywords, from rare to common, as a policy's query has.
                q = {f"c:term{int(rng.random() ** 0.7 * 3000)}": 2.0 for _ in range(10)}
                q.update({f"w:word{int(rng.random() ** 0.7 * 20000)}": 0.5 for _ in range(30)})
                s = time.monotonic()
                top = score_sql(cur, q, conds, dt.date(2026, 12, 1), limit=200)
                runs.append(time.monotonic() - s)
            timings[label] = {"median_s": round(statistics.median(runs), 3), "max_s": round(max(runs), 3),
                              "returned": len(top)}
    print(json.dumps({"profiles": args.profiles, "profile_terms": rows, "build_s": round(built, 1),
                      "match": timings}, ensure_ascii=False))


if __name__ == "__main__":
    main()
