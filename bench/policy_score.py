"""Score a 政策找人 ranking against a synthetic district's truth: precision@50 and R-precision per policy.

    python bench/policy_score.py --truth var/policy/test/truth.json --result result.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def score(result: dict[str, list[str]], truth: dict[str, list[str]], k: int = 50) -> dict[str, Any]:
    rows = {}
    for pid, true in truth.items():
        t = set(true)
        got = result.get(pid, [])
        r = len(t)
        p_at_k = sum(1 for x in got[:k] if x in t) / min(k, r) if r else 1.0
        r_prec = sum(1 for x in got[:r] if x in t) / r if r else 1.0
        rows[pid] = {"R": r, "p@50": round(p_at_k, 3), "r_precision": round(r_prec, 3)}
    n = max(1, len(rows))
    return {"policies": rows,
            "mean_p@50": round(sum(v["p@50"] for v in rows.values()) / n, 3),
            "mean_r_precision": round(sum(v["r_precision"] for v in rows.values()) / n, 3),
            "min_r_precision": min((v["r_precision"] for v in rows.values()), default=1.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--result", required=True)
    args = ap.parse_args()
    with open(args.truth, encoding="utf-8") as fh:
        truth = json.load(fh)
    with open(args.result, encoding="utf-8") as fh:
        result = json.load(fh)
    print(json.dumps(score(result, truth), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
