"""seed_demo_rural: the demo village is not empty for a villager (notices, 乡村振兴 with sign-ups, cases); safe twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequtong.accounts.models import User
from shequtong.boards.models import Post
from shequtong.cases.models import Case
from shequtong.rural.models import Item, SignUp, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def test_seed_demo_rural_fills_the_village_and_runs_twice():
    call_command("seed_demo_rural", verbosity=0)  # without the demo district: nothing to do
    assert not Item.objects.exists()
    call_command("seed_demo", residents=40, verbosity=0)
    call_command("seed_demo_rural", verbosity=0)
    villager = User.objects.get(username="demo-villager")
    published = Item.objects.filter(status=Status.PUBLISHED)
    assert published.count() == 4 and Item.objects.filter(status=Status.SUBMITTED).count() == 1
    assert published.filter(pin_order__isnull=False).count() == 2
    activity = published.get(item_type="activity")
    assert activity.signup_count == SignUp.objects.filter(item=activity).count() == 4
    assert all(i.reviewed_by.username == "demo-rural-reviewer" for i in published.select_related("reviewed_by"))
    client = Client()
    client.force_login(villager)
    home = client.get("/").content.decode()
    assert "村民版" in home and "耕地地力保护补贴" in home and activity.title in home
    rural_posts = Post.objects.filter(community__kind="rural")
    assert rural_posts.filter(board="notice").count() >= 2 and rural_posts.filter(board="affairs").count() >= 2
    assert Case.objects.filter(community__kind="rural").count() >= 3
    assert "秋冬季秸秆禁烧通知" in client.get(reverse("boards:board", args=["notice"])).content.decode()
    counts = (Item.objects.count(), SignUp.objects.count(), Post.objects.count(), Case.objects.count(), User.objects.count())
    call_command("seed_demo_rural", verbosity=0)
    assert counts == (Item.objects.count(), SignUp.objects.count(), Post.objects.count(), Case.objects.count(),
                      User.objects.count())
