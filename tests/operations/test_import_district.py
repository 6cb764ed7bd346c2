"""Item 2's proof at size: a generated 20,000-resident district imported from files, then re-imported.

The generator is bench/import_full.py's (the one the lead runs at 800,000 residents). The rows
per second are printed for docs/performance.md; they are not asserted (a shared machine).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.boards.models import Post, Reply
from shequtong.cases.models import Case, CaseRating
from shequtong.letters.models import Letter
from shequtong.places.models import Community, CommunityStats, District, Estate

from ..factories import make_with_role

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import import_full  # noqa: E402

pytestmark = pytest.mark.django_db
RESIDENTS = 20_000
CASES = 1_000


@pytest.mark.long
def test_a_generated_20000_resident_district_imports_from_files_and_reimports_unchanged(tmp_path, capsys):
    District.objects.create(name="宝山区", code="310113")
    make_with_role(Role.SYSADMIN, None)
    paths = import_full.generate(tmp_path, residents=RESIDENTS, cases=CASES)
    timings = {}
    for kind in ("tree", "staff", "residents", "history"):
        started = time.monotonic()
        call_command("import_data", kind, str(paths[kind]), "--quiet")
        timings[kind] = time.monotonic() - started
    out = capsys.readouterr().out
    assert out.count("问题 0 个") == 4, out
    communities = len(import_full.layout(RESIDENTS))
    assert Community.objects.count() == communities and Estate.objects.count() == communities * 4
    residents = RoleGrant.objects.filter(role=Role.RESIDENT)
    assert residents.count() == RESIDENTS
    assert Membership.objects.filter(status="approved").count() == RESIDENTS
    assert sum(CommunityStats.objects.values_list("residents", flat=True)) == RESIDENTS
    assert RoleGrant.objects.filter(role=Role.PARTY_MEMBER).count() == len(range(0, RESIDENTS, 11))
    assert RoleGrant.objects.filter(role__in=[Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY]).count() == communities * 3
    assert (Post.objects.count(), Reply.objects.count(), Case.objects.count()) == (CASES, CASES, CASES)
    assert Letter.objects.count() == CASES // 2 and CaseRating.objects.exists()
    load = os.getloadavg()[0]
    print(f"\n20k district import: residents {RESIDENTS / timings['residents']:,.0f} rows/s, "
          f"history {(CASES * 5) / timings['history']:,.0f} lines/s "
          f"({', '.join(f'{k} {v:.1f}s' for k, v in timings.items())}; load average {load:.1f})", file=sys.__stdout__)

    users = User.objects.count()
    started = time.monotonic()
    call_command("import_data", "residents", str(paths["residents"]), "--quiet")
    call_command("import_data", "history", str(paths["history"]), "--quiet")
    again = capsys.readouterr().out
    assert f"无变化 {RESIDENTS}" in again and "新增 0" in again
    assert User.objects.count() == users and residents.count() == RESIDENTS and Case.objects.count() == CASES
    print(f"re-import (nothing to change): {time.monotonic() - started:.1f}s", file=sys.__stdout__)
