"""我的 for observers (OB-3): alerts of their area first, settings one level down, system-admin tools apart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role

from ..factories import make_with_role
from .conftest import World

pytestmark = pytest.mark.django_db


def test_observer_me_shows_alerts_and_links_the_settings(client, world: World, tree):  # type: ignore[no-untyped-def]
    client.force_login(world.sub_a)
    html = client.get(reverse("observe:me")).content.decode()
    assert 'data-testid="me-alerts"' in html and f"观察范围：{tree.sub_a.name}" in html
    assert reverse("accounts:me") in html
    assert 'data-testid="admin-tools"' not in html
    assert reverse("letters:subcategories") not in html and reverse("notifications:log") not in html
    home = client.get("/").content.decode()
    assert f'href="{reverse("observe:me")}"' in home  # the 我的 tab


def test_system_admin_tools_only_for_system_admins(client, world: World):
    client.force_login(world.sysadmin)
    html = client.get(reverse("observe:me")).content.decode()
    section = html[html.index('data-testid="admin-tools"'):]
    assert reverse("letters:subcategories") in section and reverse("notifications:log") in section
    assert reverse("letters:subcategories") not in client.get(reverse("web:observe")).content.decode()


def test_only_one_tab_is_current(client, world: World):
    client.force_login(world.sub_a)
    html = client.get(reverse("observe:me")).content.decode()
    assert html.count("weui-bar__item_on") == 1


def test_observer_version_without_observe_keeps_the_common_me(client, tree):  # type: ignore[no-untyped-def]
    centre = make_with_role(Role.SERVICE_CENTRE, tree.sub_a)
    client.force_login(centre)
    html = client.get("/").content.decode()
    assert reverse("observe:me") not in html
    assert client.get(reverse("observe:me")).status_code == 403
    client.force_login(make_with_role(Role.RESIDENT, tree.comm_a1))
    assert client.get(reverse("observe:me")).status_code == 403
