"""/api/v1/visits: list, detail, drafts, submit, review, archive, send to case tracking — the pages' permissions;
every operation refuses outside the jurisdiction and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from shequtong.accounts import scope
from shequtong.cases.models import Case
from shequtong.visits.models import Status, Visit, VisitEvent

from ..factories import make_with_role
from .conftest import People, approved, record

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/visits"


def _payload(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "visit_type": "home", "title": "走访独居老人", "content": "老人反映楼道灯坏了。", "visited_on": "2026-11-20",
        "person_name": "周桂兰", "person_address": "友谊路100弄5号302室", "tags": ["elderly", "alone"],
        "problems": [{"category": "construction", "content": "3号楼楼道灯损坏"},
                     {"category": "safety", "content": "小区东门夜间无人值守"}],
    }
    data.update(kw)
    return data


def _state(visit: Visit) -> tuple[Any, ...]:
    """What an operation could change: status, text, problems, history, cases."""
    visit.refresh_from_db()
    return (visit.status, visit.title, visit.content, visit.return_reason,
            list(visit.problems.values_list("id", "content", "case_id")), visit.events.count(), Case.objects.count())


def _outsiders(people: People) -> list:  # type: ignore[type-arg]
    """Staff, secretary and observer of another subdistrict."""
    return [people.other_staff, people.other_secretary, people.sub_b_observer]


# --- list ------------------------------------------------------------------------------

def test_list_is_the_committees_list_with_filters(client, tree, people):
    draft = record(people.staff, tree.comm_a1, title="自己的草稿")
    other = record(people.staff2, tree.comm_a1, title="别人的草稿")
    published = approved(people, tree.comm_a1, title="调解邻里纠纷", visit_type="mediation", content="噪音扰民")
    client.force_login(people.staff)
    ids = {v["id"] for v in client.get(f"{BASE}/list").json()}
    assert ids == {draft.pk, published.pk} and other.pk not in ids
    assert [v["id"] for v in client.get(f"{BASE}/list", {"type": "mediation"}).json()] == [published.pk]
    assert [v["id"] for v in client.get(f"{BASE}/list", {"status": "draft"}).json()] == [draft.pk]
    assert [v["id"] for v in client.get(f"{BASE}/list", {"q": "噪音"}).json()] == [published.pk]
    row = client.get(f"{BASE}/list", {"status": "draft"}).json()[0]
    assert row["person"] == "周*兰" and row["status_label"] == "草稿" and row["tag_labels"] == ["老年人", "独居"]


def test_observers_list_approved_records_in_their_scope(client, tree, people):
    record(people.staff, tree.comm_a1, title="草稿", submit=True)
    published = approved(people, tree.comm_a1)
    client.force_login(people.sub_observer)
    assert [v["id"] for v in client.get(f"{BASE}/list").json()] == [published.pk]
    assert [v["id"] for v in client.get(f"{BASE}/list", {"community_id": tree.comm_a1.pk}).json()] == [published.pk]
    assert client.get(f"{BASE}/list", {"status": "submitted"}).json() == []


def test_list_outside_the_jurisdiction(client, tree, people):
    approved(people, tree.comm_a1)
    for outsider in _outsiders(people):
        client.force_login(outsider)
        assert client.get(f"{BASE}/list").json() == []
    client.force_login(people.sub_b_observer)
    assert client.get(f"{BASE}/list", {"subdistrict_id": tree.sub_a.pk}).status_code == 404
    assert client.get(f"{BASE}/list", {"community_id": tree.comm_a1.pk}).status_code == 404
    client.force_login(people.member)
    assert client.get(f"{BASE}/list").status_code == 403


def test_list_query_count_is_flat(client, tree, people, django_assert_max_num_queries):
    approved(people, tree.comm_a1, person_id=people.member.pk, person_name="")
    client.force_login(people.secretary)
    with django_assert_max_num_queries(12):  # + the list audit row: INSERT, chain lock (2 statements on PostgreSQL), head read
        assert len(client.get(f"{BASE}/list").json()) == 1
    for i in range(12):
        approved(people, tree.comm_a1, title=f"记录{i}", person_id=people.member.pk if i % 2 else None)
    with django_assert_max_num_queries(12):
        assert len(client.get(f"{BASE}/list").json()) == 13


# --- detail -----------------------------------------------------------------------------

def test_detail_masks_the_person_and_says_what_may_be_done(client, tree, people):
    visit = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.secretary)
    data = client.get(f"{BASE}/{visit.pk}").json()
    assert data["person"] == "周*兰" and data["masked_address"] == "友谊路100****"
    assert "周桂兰" not in str(data) and "5号302室" not in str(data)
    assert [p["content"] for p in data["problems"]] == ["3号楼楼道灯损坏", "小区东门夜间无人值守"]
    assert [e["kind"] for e in data["events"]] == ["created", "submitted"] and data["events"][0]["actor"] == "孙*华"
    assert (data["can_review"], data["can_edit"], data["can_archive"]) == (True, False, False)
    client.force_login(people.staff)
    mine = client.get(f"{BASE}/{visit.pk}").json()
    assert (mine["can_review"], mine["can_edit"], mine["can_delete"]) == (False, False, False)


def test_detail_outside_the_jurisdiction_is_not_found(client, tree, people):
    visit = approved(people, tree.comm_a1)
    draft = record(people.staff, tree.comm_a1)
    for outsider in _outsiders(people):
        client.force_login(outsider)
        response = client.get(f"{BASE}/{visit.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.force_login(people.staff2)  # a colleague's draft is not theirs to read
    assert client.get(f"{BASE}/{draft.pk}").status_code == 404
    client.force_login(people.member)
    assert client.get(f"{BASE}/{visit.pk}").status_code == 403
    client.force_login(people.sub_observer)
    assert client.get(f"{BASE}/{draft.pk}").status_code == 404


# --- create, update, delete drafts ----------------------------------------------------------

def test_create_a_draft(client, tree, people):
    client.force_login(people.staff)
    response = client.post(f"{BASE}/drafts", _payload(), content_type=JSON)
    assert response.status_code == 201
    data = response.json()
    visit = Visit.objects.get()
    assert data["id"] == visit.pk and data["status"] == "draft" and data["community_id"] == tree.comm_a1.pk
    assert visit.person_address == "友谊路100弄5号302室" and visit.problems.count() == 2 and data["can_edit"]
    member = client.post(f"{BASE}/drafts", _payload(person_id=people.member.pk, person_name=""), content_type=JSON).json()
    assert member["person"] == people.member.display_name and member["is_member"]


def test_create_refuses_bad_input_with_the_field(client, tree, people):
    client.force_login(people.staff)
    response = client.post(f"{BASE}/drafts", _payload(title=""), content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "title"
    bad_problem = _payload(problems=[{"category": "nonsense", "content": "x"}])
    assert client.post(f"{BASE}/drafts", bad_problem, content_type=JSON).json()["field"] == "problems"
    outsider_member = _payload(person_id=people.outsider_member.pk, person_name="")
    assert client.post(f"{BASE}/drafts", outsider_member, content_type=JSON).json()["field"] == "person"
    assert not Visit.objects.exists()


def test_create_outside_the_jurisdiction(client, tree, people):
    for outsider in (people.other_staff, people.other_secretary):
        client.force_login(outsider)
        response = client.post(f"{BASE}/drafts", _payload(community_id=tree.comm_a1.pk), content_type=JSON)
        assert response.status_code == 404
    for not_staff in (people.sub_observer, people.district, people.member):
        client.force_login(not_staff)
        assert client.post(f"{BASE}/drafts", _payload(community_id=tree.comm_a1.pk), content_type=JSON).status_code == 403
    assert not Visit.objects.exists()


def test_staff_of_several_communities_must_name_one(client, tree, people):
    from shequtong.accounts.roles import Role

    from ..factories import grant

    grant(people.staff, Role.COMMITTEE_STAFF, tree.comm_a2)
    client.force_login(people.staff)
    assert client.post(f"{BASE}/drafts", _payload(), content_type=JSON).json()["field"] == "community_id"
    response = client.post(f"{BASE}/drafts", _payload(community_id=tree.comm_a2.pk), content_type=JSON)
    assert response.status_code == 201 and response.json()["community_id"] == tree.comm_a2.pk


def test_update_a_draft_and_a_returned_record(client, tree, people):
    visit = record(people.staff, tree.comm_a1)
    client.force_login(people.staff)
    data = client.put(f"{BASE}/{visit.pk}", _payload(title="改过的标题", problems=[]), content_type=JSON).json()
    assert data["title"] == "改过的标题" and data["problems"] == [] and data["status"] == "draft"
    response = client.put(f"{BASE}/{visit.pk}", _payload(community_id=tree.comm_a2.pk), content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "community_id"
    client.post(f"{BASE}/{visit.pk}/submit")
    response = client.put(f"{BASE}/{visit.pk}", _payload(title="再改"), content_type=JSON)
    assert response.status_code == 409 and response.json()["code"] == "visit_not_editable"
    client.force_login(people.secretary)
    client.post(f"{BASE}/{visit.pk}/return", {"reason": "请补充走访细节"}, content_type=JSON)
    client.force_login(people.staff)
    assert client.put(f"{BASE}/{visit.pk}", _payload(title="补充后"), content_type=JSON).json()["title"] == "补充后"


def test_update_outside_the_jurisdiction_changes_nothing(client, tree, people):
    draft = record(people.staff, tree.comm_a1)
    published = approved(people, tree.comm_a1)
    before = {v.pk: _state(v) for v in (draft, published)}
    for user in (*_outsiders(people), people.staff2, people.secretary):
        client.force_login(user)
        for visit in (draft, published):
            response = client.put(f"{BASE}/{visit.pk}", _payload(title="篡改"), content_type=JSON)
            assert response.status_code in (403, 404), (user, visit)
    assert {v.pk: _state(v) for v in (draft, published)} == before


def test_delete_a_draft(client, tree, people):
    draft = record(people.staff, tree.comm_a1)
    submitted = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.staff)
    response = client.delete(f"{BASE}/{submitted.pk}")
    assert response.status_code == 409 and Visit.objects.filter(pk=submitted.pk).exists()
    assert client.delete(f"{BASE}/{draft.pk}").status_code == 204
    assert not Visit.objects.filter(pk=draft.pk).exists()


def test_delete_outside_the_jurisdiction_changes_nothing(client, tree, people):
    draft = record(people.staff, tree.comm_a1)
    for user in (*_outsiders(people), people.staff2, people.secretary):
        client.force_login(user)
        assert client.delete(f"{BASE}/{draft.pk}").status_code in (403, 404)
    client.force_login(people.member)
    assert client.delete(f"{BASE}/{draft.pk}").status_code == 403
    assert Visit.objects.filter(pk=draft.pk).exists()


# --- submit, review, archive ------------------------------------------------------------------

def test_submit_then_approve_then_archive(client, tree, people):
    visit = record(people.staff, tree.comm_a1)
    client.force_login(people.staff)
    assert client.post(f"{BASE}/{visit.pk}/submit").json()["status"] == "submitted"
    assert client.post(f"{BASE}/{visit.pk}/submit").status_code == 409
    assert client.post(f"{BASE}/{visit.pk}/approve").status_code == 403  # staff may not review
    client.force_login(people.secretary)
    data = client.post(f"{BASE}/{visit.pk}/approve").json()
    assert data["status"] == "approved" and data["reviewed_by"] == people.secretary.display_name and data["can_archive"]
    assert client.post(f"{BASE}/{visit.pk}/approve").status_code == 409
    data = client.post(f"{BASE}/{visit.pk}/archive").json()
    assert data["status"] == "archived" and data["archived_at"]


def test_return_needs_a_reason(client, tree, people):
    visit = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.secretary)
    response = client.post(f"{BASE}/{visit.pk}/return", {"reason": " "}, content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "reason"
    data = client.post(f"{BASE}/{visit.pk}/return", {"reason": "请补充走访细节"}, content_type=JSON).json()
    assert data["status"] == "returned" and data["return_reason"] == "请补充走访细节"


@pytest.mark.parametrize("operation", ["submit", "approve", "return", "archive", "cases"])
def test_workflow_operations_outside_the_jurisdiction_change_nothing(client, tree, people, operation):
    ready = {
        "submit": lambda: record(people.staff, tree.comm_a1),
        "approve": lambda: record(people.staff, tree.comm_a1, submit=True),
        "return": lambda: record(people.staff, tree.comm_a1, submit=True),
        "archive": lambda: approved(people, tree.comm_a1),
        "cases": lambda: approved(people, tree.comm_a1),
    }
    visit = ready[operation]()
    body = {"return": {"reason": "越权退回"}, "cases": {"problem_ids": list(visit.problems.values_list("id", flat=True))}}
    before = _state(visit)
    needs = "committee" if operation == "submit" else "secretary"
    for outsider in _outsiders(people):
        client.force_login(outsider)
        response = client.post(f"{BASE}/{visit.pk}/{operation}", body.get(operation, {}), content_type=JSON)
        # Holding the capability elsewhere: the record does not exist for them; not holding it: refused outright.
        assert response.status_code == (404 if scope.has_capability(outsider, needs) else 403), outsider
    client.force_login(people.member)
    assert client.post(f"{BASE}/{visit.pk}/{operation}", body.get(operation, {}), content_type=JSON).status_code == 403
    assert _state(visit) == before


# --- send to case tracking ----------------------------------------------------------------------

def test_send_problems_to_case_tracking(client, tree, people):
    visit = approved(people, tree.comm_a1, person_id=people.member.pk, person_name="")
    first, second = visit.problems.order_by("position")
    client.force_login(people.secretary)
    data = client.post(f"{BASE}/{visit.pk}/cases", {"problem_ids": [first.pk]}, content_type=JSON).json()
    case = Case.objects.get()
    assert case.source == "visit" and case.raised_by == people.member and case.category == "construction"
    assert [p["case_id"] for p in data["problems"]] == [case.pk, None] and data["can_send"]
    again = client.post(f"{BASE}/{visit.pk}/cases", {"problem_ids": [first.pk]}, content_type=JSON)
    assert again.status_code == 409 and Case.objects.count() == 1
    other = approved(people, tree.comm_a1)
    foreign = other.problems.first().pk
    response = client.post(f"{BASE}/{visit.pk}/cases", {"problem_ids": [second.pk, foreign]}, content_type=JSON)
    assert response.status_code == 400 and Case.objects.count() == 1
    assert VisitEvent.objects.filter(visit=visit, kind="case").count() == 1


def test_send_before_approval_is_refused(client, tree, people):
    visit = record(people.staff, tree.comm_a1, submit=True)
    client.force_login(people.secretary)
    response = client.post(f"{BASE}/{visit.pk}/cases", {"problem_ids": [visit.problems.first().pk]}, content_type=JSON)
    assert response.status_code == 409 and not Case.objects.exists()
    assert Visit.objects.get(pk=visit.pk).status == Status.SUBMITTED


def test_a_secretary_elsewhere_in_the_same_subdistrict_is_outside_too(client, tree, people):
    visit = record(people.staff, tree.comm_a1, submit=True)
    village_secretary = make_with_role("committee_secretary", tree.comm_a2)
    client.force_login(village_secretary)
    assert client.post(f"{BASE}/{visit.pk}/approve").status_code == 404
    assert client.get(f"{BASE}/{visit.pk}").status_code == 404
    assert Visit.objects.get(pk=visit.pk).status == Status.SUBMITTED
