"""seed_demo_campaigns: a running lottery, a finished quiz with prizes, residents at every 社区达人 level; twice is safe."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shequtong.campaigns.models import Award, Lottery, Quiz
from shequtong.common import clock
from shequtong.points.models import LEVELS, PointsAccount, level_of

pytestmark = pytest.mark.django_db


def test_seed_demo_campaigns_twice(capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo_campaigns")
    assert "nothing to do" in capsys.readouterr().out
    call_command("seed_demo", "--residents", "40")
    call_command("seed_demo_campaigns")
    counts = (Lottery.objects.count(), Quiz.objects.count(), Award.objects.count())
    call_command("seed_demo_campaigns")
    assert "already loaded" in capsys.readouterr().out
    assert (Lottery.objects.count(), Quiz.objects.count(), Award.objects.count()) == counts
    now = clock.now()
    running = Lottery.objects.get(theme="爱宝山 新年抽奖")
    assert running.phase(now) == "进行中" and running.banner and running.on_home and running.community_id is None
    quiz = Quiz.objects.get()
    assert quiz.phase(now) == "已结束" and quiz.settled_at is not None
    assert Award.objects.filter(quiz=quiz).count() == 4  # one first prize and three second prizes
    levels = {level_of(r) for r in PointsAccount.objects.values_list("reputation", flat=True)}
    assert levels == {label for _, label in LEVELS}
