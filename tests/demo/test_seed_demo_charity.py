"""seed_demo_charity: demo-org's projects in every state, bindings, progress, a booking and a review; the
organisation and the service centre land on their own home pages; safe to run twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from shequtong.accounts.models import User
from shequtong.charity.models import (
    BindingStatus,
    CharityProject,
    ProjectReview,
    SiteBinding,
    SlotBooking,
)

pytestmark = pytest.mark.django_db


def test_seed_demo_charity_twice_and_the_own_homes(client, capsys, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    call_command("seed_demo_charity")
    assert "nothing to do" in capsys.readouterr().out
    call_command("seed_demo", "--residents", "200")
    call_command("seed_demo_charity")
    counts = (CharityProject.objects.count(), SiteBinding.objects.count(), ProjectReview.objects.count())
    call_command("seed_demo_charity")
    assert "already loaded" in capsys.readouterr().out
    assert (CharityProject.objects.count(), SiteBinding.objects.count(), ProjectReview.objects.count()) == counts
    states = {(p.status, p.on_shelf) for p in CharityProject.objects.all()}
    assert states == {("draft", False), ("submitted", False), ("rejected", False), ("approved", False), ("approved", True)}
    assert {b.status for b in SiteBinding.objects.all()} == {BindingStatus.BOUND, BindingStatus.SUBMITTED}
    assert SlotBooking.objects.filter(resident__username="demo-resident").exists()
    assert CharityProject.objects.filter(progress__gt=0).exists()
    client.force_login(User.objects.get(username="demo-org"))
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="org-projects">6<' in home and "家庭急救培训" in home and reverse("charity:org_sites") in home
    client.force_login(User.objects.get(username="demo-center"))
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="centre-pending-projects">1<' in home and reverse("charity:centre_stats") in home
