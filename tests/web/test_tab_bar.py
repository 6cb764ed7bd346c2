"""The tab bar offers only what its owner may open: no tab of any role leads to a refusal."""

from __future__ import annotations

import dataclasses
import re

import pytest

pytestmark = pytest.mark.django_db


def test_no_tab_of_any_role_is_refused(client, cast) -> None:
    checked = 0
    for field in dataclasses.fields(cast):
        if field.name == "tree":
            continue
        user = getattr(cast, field.name)
        client.force_login(user)
        page = client.get("/", follow=True)
        assert page.status_code == 200, field.name
        tabs = re.findall(r'<a href="([^"]+)" class="weui-tabbar__item', page.content.decode())
        assert tabs, field.name
        for url in tabs:
            answer = client.get(url, follow=True)
            assert answer.status_code == 200, (field.name, url, answer.status_code)
            checked += 1
        client.logout()
    assert checked > 40


def test_the_service_centre_works_without_the_observer_tabs(client, cast) -> None:
    client.force_login(cast.service_center)
    html = client.get("/", follow=True).content.decode()
    assert "观察" not in re.findall(r'weui-tabbar__label">([^<]+)<', html)
    assert "数据" not in re.findall(r'weui-tabbar__label">([^<]+)<', html)
    client.force_login(cast.district)
    labels = re.findall(r'weui-tabbar__label">([^<]+)<', client.get("/", follow=True).content.decode())
    assert "观察" in labels and "数据" in labels
