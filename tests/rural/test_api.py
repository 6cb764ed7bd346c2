"""/api/v1/rural: the board for apps, through the same policies (villages only, published only)."""

from __future__ import annotations

import pytest

from shequtong.rural.models import SignUp

from .conftest import draft, published

pytestmark = pytest.mark.django_db


def _as(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_list_detail_like_sign_up_and_cancel(client, people):
    news = published(people, title="农民丰收节", item_type="news")
    activity = published(people, title="秸秆还田现场会", capacity=1)
    draft(people.admin, title="草稿不可见")
    c = _as(client, people.villager)
    rows = c.get("/api/v1/rural/items").json()
    assert [r["title"] for r in rows] == ["秸秆还田现场会", "农民丰收节"]
    assert [r["title"] for r in c.get("/api/v1/rural/items", {"q": "秸秆"}).json()] == ["秸秆还田现场会"]
    detail = c.get(f"/api/v1/rural/items/{activity.pk}").json()
    assert detail["read_count"] == 1 and detail["can_sign_up"] is True and detail["signed_up"] is False
    assert c.post(f"/api/v1/rural/items/{news.pk}/like").json() == {"liked": True, "like_count": 1}
    r = c.post(f"/api/v1/rural/items/{activity.pk}/signup")
    assert r.status_code == 201 and r.json()["signed_up"] is True and r.json()["signup_count"] == 1
    full = _as(client.__class__(), people.villager_b).post(f"/api/v1/rural/items/{activity.pk}/signup")
    assert full.status_code == 409 and full.json()["code"] == "rural_full"
    assert c.delete(f"/api/v1/rural/items/{activity.pk}/signup").status_code == 204
    assert not SignUp.objects.exists()


def test_urban_residents_and_unpublished_items_are_404(client, people):
    item = published(people)
    hidden = draft(people.admin)
    u = _as(client, people.urban)
    assert u.get("/api/v1/rural/items").status_code == 404
    assert u.get(f"/api/v1/rural/items/{item.pk}").status_code == 404
    assert u.post(f"/api/v1/rural/items/{item.pk}/signup").status_code == 404
    v = _as(client.__class__(), people.villager)
    assert v.get(f"/api/v1/rural/items/{hidden.pk}").status_code == 404
    o = _as(client.__class__(), people.district)
    assert o.get(f"/api/v1/rural/items/{item.pk}").status_code == 200
    assert o.post(f"/api/v1/rural/items/{item.pk}/like").status_code == 403
    assert o.post(f"/api/v1/rural/items/{item.pk}/signup").status_code == 403
