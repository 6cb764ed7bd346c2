"""seed_demo_cases: every source and status in the demo community, overdue ones included; safe to run twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shequtong.cases.models import Case, CaseRating
from shequtong.letters.models import Letter, LetterStat

pytestmark = pytest.mark.django_db


def test_seed_demo_cases_twice(capsys):
    call_command("seed_demo_cases")  # without the demo district: nothing to do
    assert "nothing to do" in capsys.readouterr().out
    call_command("seed_demo", "--residents", "200")
    call_command("seed_demo_cases", "--letters", "20")
    counts = (Case.objects.count(), Letter.objects.count(), CaseRating.objects.count())
    call_command("seed_demo_cases")
    assert "already loaded" in capsys.readouterr().out
    assert (Case.objects.count(), Letter.objects.count(), CaseRating.objects.count()) == counts
    demo = Case.objects.filter(title="小区门口人行道破损").get().community
    mine = Case.objects.filter(community=demo)
    assert {c.status for c in mine} >= {"new", "accepted", "in_progress", "escalated", "resolved"}
    assert {c.source for c in mine} >= {"letter", "mention", "patrol_committee", "visit"}
    buckets = {b for c in mine for b in c.overdue_buckets}
    assert buckets == {"no_response_24h", "unresolved_1_3m", "unresolved_3_6m", "unresolved_6m"}
    assert mine.filter(send_state="sent").exists()
    assert sum(s.letters for s in LetterStat.objects.all()) == Letter.objects.count()
