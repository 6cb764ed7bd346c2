"""GET /api/v1/observe/search: the page's selector and filters as JSON."""

from __future__ import annotations

import pytest

from .conftest import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/observe/search"


def test_anonymous_gets_401(client, world: World):
    response = client.get(URL, {"q": "楼道"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_residents_and_committee_staff_get_403(client, world: World):
    for user in (world.resident, world.staff):
        client.force_login(user)
        response = client.get(URL, {"q": "楼道"})
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_observer_gets_results_of_their_scope(client, world: World, tree):
    client.force_login(world.sub_b)
    body = client.get(URL, {"q": "楼道"}).json()
    assert body["terms"] == ["楼道"] and body["page"] == 1 and body["has_next"] is False
    assert [(r["kind"], r["id"]) for r in body["results"]] == [
        ("letter", world.letter_b.case.pk), ("post", world.post_b.pk)]
    post = body["results"][1]
    assert post["community"] == tree.comm_b1.name and post["subdistrict"] == tree.sub_b.name
    assert post["url"] == f"/boards/posts/{world.post_b.pk}/" and post["board_label"] == "左邻右舍"


def test_same_filters_as_the_page(client, world: World):
    client.force_login(world.district)
    body = client.get(URL, {"q": "楼道", "kind": "post", "date_from": "2026-11-02", "date_to": "2026-11-30"}).json()
    assert [(r["kind"], r["id"]) for r in body["results"]] == [("post", world.post_b.pk)]
    body = client.get(URL, {"status": "new", "kind": "letter"}).json()
    assert {r["status_label"] for r in body["results"]} == {"待受理"} and len(body["results"]) == 2


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to", "结束日期不能早于开始日期"),
    ({"q": "！！"}, "q", "关键词需要包含汉字、字母或数字"),
    ({"kind": "chat"}, "kind", None),
])
def test_bad_input_is_a_400_with_the_field(client, world: World, params, field, message):
    client.force_login(world.district)
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field
    if message:
        assert body["message"] == message


def test_out_of_scope_subdistrict_is_refused_not_answered(client, world: World, tree):
    client.force_login(world.sub_a)
    response = client.get(URL, {"q": "楼道", "subdistrict": tree.sub_b.pk})
    assert response.status_code == 400 and response.json()["message"] == "该街镇不在您的观察范围内"
