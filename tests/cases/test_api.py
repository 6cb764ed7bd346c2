"""/api/v1/cases: list with filters, detail, handling, rating; every endpoint refuses outside the jurisdiction."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case, CaseRating

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def world(tree):  # type: ignore[no-untyped-def]
    class W:
        resident = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
        district = make_with_role(Role.DISTRICT_OBSERVER)
    W.case = helpers.letter(W.resident).case
    W.mention = helpers.mention(actor=W.resident, community=tree.comm_a1)
    return W


def test_list_is_scoped_and_filtered(client, world):
    client.force_login(world.staff)
    data = client.get("/api/v1/cases/list").json()
    assert {c["id"] for c in data} == {world.case.pk, world.mention.pk}
    assert client.get("/api/v1/cases/list", {"source": "letter"}).json()[0]["source_label"] == "人民信箱"
    assert [c["id"] for c in client.get("/api/v1/cases/list", {"category": "none"}).json()] == [world.mention.pk]
    for outsider in (world.staff_b, world.sub_b):
        client.force_login(outsider)
        assert client.get("/api/v1/cases/list").json() == []
    client.force_login(world.resident)
    assert client.get("/api/v1/cases/list").status_code == 403


def test_detail_masks_the_raiser_and_is_not_found_outside(client, world):
    client.force_login(world.sub_a)
    data = client.get(f"/api/v1/cases/{world.case.pk}").json()
    assert data["raised_by"] == world.resident.display_name and world.resident.real_name not in str(data)
    assert data["allowed_actions"] == [] and data["events"][0]["kind"] == "created"
    for outsider in (world.staff_b, world.sub_b, resident_of(world.case.community)):
        client.force_login(outsider)
        response = client.get(f"/api/v1/cases/{world.case.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_handling_through_the_api(client, world):
    client.force_login(world.staff)
    response = client.post(f"/api/v1/cases/{world.mention.pk}/actions", {"action": "accept"}, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "category_required"
    response = client.post(f"/api/v1/cases/{world.mention.pk}/category", {"category": "safety"}, content_type=JSON)
    assert response.json()["allowed_actions"] == ["accept", "reply"]
    data = client.post(f"/api/v1/cases/{world.mention.pk}/actions", {"action": "reply", "note": "收到"}, content_type=JSON).json()
    assert data["status"] == "accepted" and data["events"][-1]["note"] == "收到"
    response = client.post(f"/api/v1/cases/{world.mention.pk}/actions", {"action": "close"}, content_type=JSON)
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"


def test_handling_outside_the_jurisdiction_changes_nothing(client, world):
    for outsider in (world.staff_b, world.sub_a, world.district, world.resident):
        client.force_login(outsider)
        r1 = client.post(f"/api/v1/cases/{world.case.pk}/actions", {"action": "accept"}, content_type=JSON)
        r2 = client.post(f"/api/v1/cases/{world.mention.pk}/category", {"category": "safety"}, content_type=JSON)
        assert r1.status_code == 404 and r2.status_code == 404
    assert Case.objects.get(pk=world.case.pk).status == "new" and Case.objects.get(pk=world.mention.pk).category == ""


def test_rating_through_the_api(client, world):
    helpers.handle(world.staff, world.case, "accept", "resolve")
    client.force_login(world.staff)
    assert client.post(f"/api/v1/cases/{world.case.pk}/rating", {"stars": 5}, content_type=JSON).status_code == 404
    client.force_login(world.resident)
    assert client.post(f"/api/v1/cases/{world.case.pk}/rating", {"stars": 0}, content_type=JSON).status_code == 400
    response = client.post(f"/api/v1/cases/{world.case.pk}/rating", {"stars": 4, "feedback": "好"}, content_type=JSON)
    assert response.status_code == 201 and response.json()["stars"] == 4
    assert client.post(f"/api/v1/cases/{world.mention.pk}/rating", {"stars": 4}, content_type=JSON).status_code == 409
    mine = client.get("/api/v1/cases/mine", {"source": "letter"}).json()
    assert [c["id"] for c in mine] == [world.case.pk] and mine[0]["rating"]["stars"] == 4
    assert CaseRating.objects.count() == 1


def test_rating_averages_for_patrol_staff_only(client, world, tree):
    helpers.handle(world.staff, world.case, "accept", "resolve")
    from shequtong.cases import services

    services.rate_case(actor=world.resident, case_id=world.case.pk, stars=4)
    client.force_login(world.district)
    subs = {r["name"]: r for r in client.get("/api/v1/cases/ratings/subdistricts").json()}
    assert subs[tree.sub_a.name]["average"] == 4.0 and subs[tree.sub_b.name]["average"] is None
    client.force_login(world.sub_b)
    assert [r["name"] for r in client.get("/api/v1/cases/ratings/communities").json()] == [tree.comm_b1.name]
    assert client.get("/api/v1/cases/ratings/communities", {"subdistrict_id": tree.sub_a.pk}).status_code == 404
    client.force_login(world.staff)
    assert client.get("/api/v1/cases/ratings/subdistricts").status_code == 403
