"""The case rollups behind the 问题跟踪 feed (cases/rollups.py): kept by the services, rebuilt identically
from the source rows, and covered by the nightly drift check (manage.py rebuild_rollups)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from shequtong.cases import rollups as case_rollups
from shequtong.cases.models import CaseEvent, CaseStep, CaseTermDay, CaseTermStat
from shequtong.common import clock
from shequtong.observe import rollups

from .conftest import fill

pytestmark = pytest.mark.django_db
STEP = ("event_id", "case_id", "subdistrict_id", "case_created_at", "status_from", "status_to", "at", "seconds")


def steps() -> set[tuple]:
    return set(CaseStep.objects.values_list(*STEP))


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("rebuild_rollups", "--only", "case_steps,case_terms", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_the_services_keep_one_step_a_move_as_a_rebuild_would(cast, time_machine):
    time_machine.move_to(clock.now() - dt.timedelta(days=3), tick=True)
    fill(cast, 21, n=16)
    moves = [e for e in CaseEvent.objects.all() if case_rollups.is_move(e.status_from, e.status_to)]
    kept = steps()
    assert len(kept) == len(moves) > 0
    assert case_rollups.rebuild_steps() == len(moves)
    assert steps() == kept  # the bulk rebuild (one INSERT … SELECT on PostgreSQL) writes the same rows
    assert rollups.rebuild(only=("case_steps",), check=True) == []


def test_injected_drift_in_the_case_rollups_is_found_and_repaired(cast, time_machine):
    time_machine.move_to(clock.now() - dt.timedelta(days=3), tick=False)
    fill(cast, 22, n=16)
    time_machine.move_to(clock.now() + dt.timedelta(days=3), tick=False)
    assert case_rollups.close_term_days() >= 1
    assert run() == (0, "0 drift(s) repaired\n")
    kept_steps = steps()
    kept_terms = set(CaseTermStat.objects.values_list("day", "subdistrict_id", "term", "cases"))
    lost, changed = CaseStep.objects.order_by("pk")[:2]
    lost_pk = lost.pk
    lost.delete()
    CaseStep.objects.filter(pk=changed.pk).update(seconds=changed.seconds + 3600)
    term = CaseTermStat.objects.order_by("pk").first()
    CaseTermStat.objects.filter(pk=term.pk).update(cases=term.cases + 5)
    CaseTermStat.objects.create(day=term.day, subdistrict_id=term.subdistrict_id, term="不存在的词", cases=2)

    code, out = run("--check")
    assert code == 1 and "4 drift(s) found" in out
    assert f"case_steps {lost_pk}" in out and f"case_steps {changed.pk}" in out and "不存在的词" in out
    code, out = run()
    assert code == 1 and "4 drift(s) repaired" in out
    assert steps() == kept_steps
    assert set(CaseTermStat.objects.values_list("day", "subdistrict_id", "term", "cases")) == kept_terms
    assert run() == (0, "0 drift(s) repaired\n")


def test_rebuilding_the_words_counts_every_day_that_is_over_once(cast, time_machine):
    time_machine.move_to(clock.now() - dt.timedelta(days=5), tick=False)
    fill(cast, 23, n=6)
    time_machine.move_to(clock.now() + dt.timedelta(days=5), tick=False)
    assert case_rollups.rebuild_terms() == 5 and CaseTermDay.objects.count() == 5
    day = CaseTermDay.objects.order_by("day").first()
    assert day is not None and day.cases == 6 and CaseTermStat.objects.filter(day=day.day).exists()
    assert case_rollups.close_term_days() == 0
