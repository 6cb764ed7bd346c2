"""What one imported resident costs in CPU, piece by piece (issue 20, docs/performance.md "Imports").

    .venv/bin/python bench/import_costs.py [--rows 20000]

Times, per row, in this process only (no database): the GB 11643 check, AES-256-GCM encryption
of each personal field (name, ID number, phone), the blind indexes (ID number, phone, and the
name's per-character and per-pair indexes for the name search), building the User row, and
turning it into the values COPY sends (each field's get_db_prep_save, encryption included).
Figures are CPU microseconds per row (process time, so a loaded machine inflates them less than
wall time), the median of 5 rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
os.environ.setdefault("SHEQUTONG_SCRATCH", "1")  # fresh throw-away keys; nothing is stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    import random

    import django

    django.setup()
    import import_full
    from django.db import connection

    from shequtong.accounts import names
    from shequtong.accounts.models import User
    from shequtong.accounts.services import id_number_index, phone_index
    from shequtong.common import crypto
    from shequtong.common.idcard import parse_id_number

    rng = random.Random(1)
    people = [(import_full.name(rng), import_full.id_number(i), import_full.phone(i)) for i in range(args.rows)]
    users = [User(username=f"r{i}", real_name=n, id_number=idn, phone=ph) for i, (n, idn, ph) in enumerate(people)]
    fields = [f for f in User._meta.concrete_fields if f is not User._meta.pk]

    def row_values(u: User) -> list[object]:
        return [f.get_db_prep_save(f.pre_save(u, True), connection) for f in fields]

    steps: list[tuple[str, Callable[[tuple[str, str, str], User], object]]] = [
        ("GB 11643 check (parse_id_number)", lambda p, _u: parse_id_number(p[1])),
        ("encrypt name", lambda p, _u: crypto.encrypt(p[0])),
        ("encrypt ID number", lambda p, _u: crypto.encrypt(p[1])),
        ("encrypt phone", lambda p, _u: crypto.encrypt(p[2])),
        ("blind index ID number", lambda p, _u: id_number_index(p[1])),
        ("blind index phone", lambda p, _u: phone_index(p[2])),
        ("name search grams (names.derived)", lambda p, _u: names.derived(p[0])),
        ("User(...) object", lambda p, _u: User(username="x", real_name=p[0], id_number=p[1], phone=p[2])),
        ("User row for COPY (get_db_prep_save, 3 encryptions)", lambda _p, u: row_values(u)),
    ]
    print(f"{args.rows} rows, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, step in steps:
        rounds = []
        for _ in range(5):
            t0 = time.process_time()
            for p, u in zip(people, users, strict=True):
                step(p, u)
            rounds.append((time.process_time() - t0) / args.rows * 1e6)
        print(f"{label:55s} {statistics.median(rounds):7.1f} µs/row")


if __name__ == "__main__":
    main()
