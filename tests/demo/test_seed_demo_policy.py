"""seed_demo_policy: officer and reviewer logins, a sent policy the demo resident has in 信箱, matches with evidence,
a list waiting for review; twice is safe."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from shequtong.accounts.models import User
from shequtong.inbox.models import Message
from shequtong.policy.models import Entry, EntryDecision, Policy, PolicyStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_policy_twice_and_the_demo_walks(client, capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo_policy")
    assert "nothing to do" in capsys.readouterr().out
    call_command("seed_demo", "--residents", "40")
    call_command("seed_demo_policy")
    counts = (Policy.objects.count(), Entry.objects.count(), User.objects.count())
    call_command("seed_demo_policy")
    assert "already loaded" in capsys.readouterr().out
    assert (Policy.objects.count(), Entry.objects.count(), User.objects.count()) == counts

    sent = Policy.objects.get(title="既有多层住宅加装电梯补贴")
    assert sent.status == PolicyStatus.SENT
    assert Entry.objects.filter(policy=sent, decision=EntryDecision.STRUCK).exclude(reason="").exists()
    confirmed = Entry.objects.filter(policy=sent, decision=EntryDecision.CONFIRMED)
    assert confirmed.count() >= 3 and all(e.evidence["features"] and e.sent_at for e in confirmed)
    resident = User.objects.get(username="demo-resident")
    assert Message.objects.filter(recipient=resident, subject="政策推送：既有多层住宅加装电梯补贴").exists()
    assert Policy.objects.get(title="临时救助").status == PolicyStatus.SUBMITTED
    assert Policy.objects.get(title="老年助餐服务补贴").status == PolicyStatus.DRAFT

    officer = User.objects.get(username="demo-policy-officer")
    client.force_login(officer)
    draft = Policy.objects.get(title="老年助餐服务补贴")
    html = client.get(reverse("policy:detail", args=[draft.pk])).content.decode()
    assert html.count('data-testid="match-row"') >= 2 and "年龄≥60" in html
    reviewer = User.objects.get(username="demo-policy-reviewer")
    client.force_login(reviewer)
    pending = Policy.objects.get(title="临时救助")
    assert 'data-testid="entry-row"' in client.get(reverse("policy:detail", args=[pending.pk])).content.decode()
    client.force_login(resident)
    assert "不再推送此类政策" in client.get(reverse("policy:mine", args=[sent.pk])).content.decode()
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "demo-policy-officer" in out and "政策专员" in out and "demo-policy-reviewer" in out
