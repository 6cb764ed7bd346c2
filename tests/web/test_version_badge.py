"""The version pill in the top bar: a link to 切换版本 for people with several versions, plain text otherwise;
export file names in local time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.common import clock

from ..factories import grant

pytestmark = pytest.mark.django_db


def test_one_version_is_plain_text(client, cast):
    client.force_login(cast.resident_a)
    html = client.get(reverse("accounts:me")).content.decode()
    assert '<span class="topbar__version" data-testid="version-badge">居民版</span>' in html
    assert "topbar__badge--switch" not in html and 'id="switch-version"' not in html


def test_several_versions_link_to_the_switch(client, tree, cast):
    user = cast.staff_a
    grant(user, Role.RESIDENT, tree.comm_a1)
    client.force_login(user)
    html = client.get(reverse("accounts:me")).content.decode()
    assert f'class="topbar__badge topbar__badge--switch" href="{reverse("accounts:me")}#switch-version"' in html
    assert 'id="switch-version"' in html


def test_export_file_names_use_shanghai_time(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 4, 17, 30, tzinfo=dt.UTC), tick=False)
    assert clock.file_stamp() == "20261205-0130"
