"""/api/v1/letters: submit, 我的问题/建议, detail, sub-categories, observer statistics; outside the jurisdiction."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.letters.models import Letter

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_submit_and_list_my_letters(client, tree):
    resident = resident_of(tree.comm_a1)
    client.force_login(resident)
    subs = client.get("/api/v1/letters/subcategories", {"category": "economy"}).json()
    assert len(subs) >= 5 and {s["category"] for s in subs} == {"economy"}
    response = client.post("/api/v1/letters/mine", {"category": "economy", "subcategory_ids": [subs[0]["id"]],
                                                    "content": "菜场物价上涨过快，希望加强监管。"}, content_type=JSON)
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "new" and data["status_label"] == "待受理" and data["author"] == resident.display_name
    assert [x["id"] for x in client.get("/api/v1/letters/mine", {"q": "物价"}).json()] == [data["id"]]
    assert client.get("/api/v1/letters/mine", {"q": "停车"}).json() == []
    two = [subs[0]["id"], subs[1]["id"]]
    bad = client.post("/api/v1/letters/mine", {"category": "economy", "subcategory_ids": two, "content": "两个小类的问题内容"},
                      content_type=JSON)
    assert bad.status_code == 400 and bad.json()["field"] == "subcategories"


def test_observers_cannot_submit_through_the_api(client, tree):
    client.force_login(make_with_role(Role.DISTRICT_OBSERVER))
    sub = helpers.subcategory("economy")
    response = client.post("/api/v1/letters/mine", {"category": "economy", "subcategory_ids": [sub.pk], "content": "观察员的问题"},
                           content_type=JSON)
    assert response.status_code == 403 and not Letter.objects.exists()


def test_letter_detail_outside_the_jurisdiction_is_not_found(client, tree):
    letter = helpers.letter(resident_of(tree.comm_a1))
    for outsider in (resident_of(tree.comm_a1), make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b),
                     make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)):
        client.force_login(outsider)
        assert client.get(f"/api/v1/letters/{letter.pk}").status_code == 404
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    assert client.get(f"/api/v1/letters/{letter.pk}").json()["title"] == letter.title


def test_observer_statistics_and_their_scope(client, tree):
    for c, n in ((tree.comm_a1, 2), (tree.comm_b1, 1)):
        w = resident_of(c)
        for _ in range(n):
            helpers.letter(w, c, category="safety")
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    subs = client.get("/api/v1/letters/stats/subdistricts").json()
    assert subs["total"] == 2 and [r["name"] for r in subs["rows"]] == [tree.sub_a.name]
    comms = client.get(f"/api/v1/letters/stats/subdistricts/{tree.sub_a.pk}").json()
    assert {r["name"]: r["letters"] for r in comms["rows"]}[tree.comm_a1.name] == 2
    assert client.get(f"/api/v1/letters/stats/subdistricts/{tree.sub_b.pk}").status_code == 404
    cats = client.get("/api/v1/letters/stats/categories").json()
    assert {r["id"]: r["letters"] for r in cats["rows"]}["safety"] == 2
    by_sub = client.get("/api/v1/letters/stats/categories/safety").json()
    assert by_sub["total"] == 2 and by_sub["rows"][0]["share"] == 100.0
    assert client.get("/api/v1/letters/stats/categories/nonsense").status_code == 404
    client.force_login(make_with_role(Role.DISTRICT_OBSERVER))
    assert client.get("/api/v1/letters/stats/subdistricts").json()["total"] == 3
    client.force_login(resident_of(tree.comm_a1))
    for url in ("/api/v1/letters/stats/subdistricts", "/api/v1/letters/stats/categories",
                f"/api/v1/letters/stats/subdistricts/{tree.sub_a.pk}", "/api/v1/letters/stats/categories/safety"):
        assert client.get(url).status_code == 403, url
