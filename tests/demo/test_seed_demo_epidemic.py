"""seed_demo_epidemic: clues, help requests and archives in every state, one estate with a warning; safe twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shequtong.cases.models import Case
from shequtong.epidemic import selectors
from shequtong.epidemic.models import HealthArchive, HealthWarning, Report

pytestmark = pytest.mark.django_db


def test_seed_demo_epidemic_twice(capsys):
    call_command("seed_demo_epidemic")
    assert "nothing to do" in capsys.readouterr().out
    call_command("seed_demo", "--residents", "200")
    call_command("seed_demo_epidemic")
    counts = (Report.objects.count(), HealthArchive.objects.count(), HealthWarning.objects.count())
    call_command("seed_demo_epidemic")
    assert "already loaded" in capsys.readouterr().out
    assert (Report.objects.count(), HealthArchive.objects.count(), HealthWarning.objects.count()) == counts

    home = Report.objects.get(content__startswith="3号楼有从外地返沪人员").community
    for kind in ("clue", "help"):
        assert set(Report.objects.filter(community=home, kind=kind).values_list("status", flat=True)) == {
            "submitted", "accepted", "in_progress", "done"}
    assert Case.objects.filter(source="epidemic_help", community=home).count() == 1
    assert set(HealthArchive.objects.filter(community=home).values_list("state", flat=True)) == {
        "home_isolation", "health_management", "confirmed", "released"}
    assert {w.kind for w in HealthWarning.objects.filter(community=home)} >= {"fever", "symptom", "missed"}
    from shequtong.accounts.models import User

    staff = User.objects.get(username="demo-staff")
    warned = [r for r in selectors.estate_figures(staff, home) if r["warnings"]]
    assert warned, "one estate shows a warning"
    resident = User.objects.get(username="demo-resident")
    assert selectors.my_archives(resident).count() == 2  # their own and their father's
    district = User.objects.get(username="demo-district")
    times = selectors.response_times(district)
    assert len(times) > 1 and all(t["mean_seconds"] for t in times if t["accepted"])
    assert next(t for t in times if t["community"] == home)["mean_seconds"]
