"""Statistics for benchmark results: percentiles, per-endpoint summaries, Markdown tables.

Pure Python (no Django, no HTTP client) so it is unit-tested in tests/bench.
Latencies are in seconds inside, milliseconds in reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between closest ranks (NumPy's default)."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100
    lo = math.floor(rank)
    hi = math.ceil(rank)
    if lo == hi:
        return float(ordered[lo])
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


@dataclass
class Sample:
    """One operation: which, when it finished (monotonic seconds), how long it took, whether it failed."""

    op: str
    kind: str  # read / insert / update
    latency: float
    ok: bool
    at: float = 0.0
    status: int = 0


@dataclass
class Summary:
    name: str
    count: int
    errors: int
    throughput: float  # successful operations per second over the window
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    error_statuses: dict[str, int] = field(default_factory=dict)
    # Load shedding: requests refused with 503 (counted among the errors too), how fast the
    # refusal came, and the slowest request that was served (nobody should wait > 2 s).
    shed: int = 0
    shed_p95_ms: float = math.nan
    served_max_ms: float = math.nan

    @property
    def shed_share(self) -> float:
        return self.shed / self.count if self.count else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(name: str, samples: Sequence[Sample], seconds: float) -> Summary:
    """Latency percentiles over every sample (errors included: a slow failure is still slow)."""
    lat = [s.latency for s in samples]
    errors = [s for s in samples if not s.ok]
    statuses: dict[str, int] = {}
    for s in errors:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    ok = len(samples) - len(errors)
    shed = [s.latency for s in errors if s.status == 503]
    served = [s.latency for s in samples if s.ok]
    return Summary(
        name=name, count=len(samples), errors=len(errors),
        throughput=ok / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(lat, 50) * 1000, p95_ms=percentile(lat, 95) * 1000, p99_ms=percentile(lat, 99) * 1000,
        max_ms=max(lat) * 1000 if lat else math.nan, mean_ms=(sum(lat) / len(lat) * 1000) if lat else math.nan,
        error_statuses=statuses,
        shed=len(shed), shed_p95_ms=percentile(shed, 95) * 1000 if shed else math.nan,
        served_max_ms=max(served) * 1000 if served else math.nan,
    )


def window(samples: Iterable[Sample], start: float, end: float) -> list[Sample]:
    """Samples that finished inside [start, end): warm-up and ramp-down are cut away."""
    return [s for s in samples if start <= s.at < end]


def by_endpoint(samples: Sequence[Sample], seconds: float) -> list[Summary]:
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        groups.setdefault(s.op, []).append(s)
    rows = [summarise(op, group, seconds) for op, group in sorted(groups.items())]
    rows.append(summarise("overall", samples, seconds))
    return rows


def mix_shares(samples: Sequence[Sample]) -> dict[str, float]:
    """Share of reads, inserts and updates among the operations done (the spec asks 20:15:5)."""
    total = len(samples)
    shares: dict[str, float] = {}
    for s in samples:
        shares[s.kind] = shares.get(s.kind, 0) + 1
    return {k: v / total for k, v in sorted(shares.items())} if total else {}


def _fmt(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def summary_table(rows: Sequence[Summary]) -> str:
    return markdown_table(
        ["endpoint", "ops", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
        [[r.name, r.count, _fmt(r.throughput), _fmt(r.p50_ms), _fmt(r.p95_ms), _fmt(r.p99_ms), _fmt(r.max_ms),
          r.errors if not r.error_statuses else f"{r.errors} {r.error_statuses}"] for r in rows],
    )


def verdict(value: float, target: float, *, below: bool = False) -> str:
    """'met' or 'missed' against a target (below=True: the value must stay under it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not measured"
    ok = value < target if below else value >= target
    return "met" if ok else "missed"
