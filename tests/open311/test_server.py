"""Our Open311 GeoReport v2 server: responses validate against the official JSON schemas, in JSON and XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own responses in tests
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.open311 import georeport

from ..factories import make_with_role

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
_registry = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4)) for p in SCHEMAS.glob("*.json")
)


def validate(name: str, data: Any) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft4Validator(schema, registry=_registry, format_checker=FormatChecker()).validate(data)


# XML → the JSON structure: the same element names; empty elements are null, booleans and
# numbers as the JSON format carries them.
_BOOLEANS = {"metadata", "variable", "required"}
_NUMBERS = {"lat", "long", "code"}


def _value(el: ET.Element) -> Any:
    if len(el):
        return _object(el)
    text = el.text
    if text is None:
        return None
    if el.tag in _BOOLEANS:
        return text == "true"
    if el.tag in _NUMBERS:
        return float(text) if "." in text else int(text)
    return text


def _object(el: ET.Element) -> dict[str, Any]:
    return {child.tag: _value(child) for child in el}


def from_xml(body: bytes, item: str) -> list[dict[str, Any]]:
    root = ET.fromstring(body)  # noqa: S314 - our own response
    return [_object(child) for child in root if child.tag == item]


@pytest.fixture
def cases(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英")
    open_case = case_services.create_case(
        actor=staff, community=tree.comm_a1, source="visit", category="construction", title="楼道灯损坏",
        content="3号楼楼道灯损坏，联系电话13912345678，身份证310113196001011234", raised_by=resident)
    closed = case_services.create_case(actor=staff, community=tree.comm_a1, source="visit", category="safety",
                                       title="东门无人值守", content="夜间无人值守")
    case_services.handle_case(actor=staff, case_id=closed.pk, action="accept")
    case_services.handle_case(actor=staff, case_id=closed.pk, action="resolve", note="已安排保安")
    case_services.handle_case(actor=staff, case_id=closed.pk, action="close")
    untagged = case_services.create_case(actor=staff, community=tree.comm_a1, source="mention", category="",
                                         title="未分类", content="@居委 看看", origin_type="mention", origin_id=77)
    return {"open": open_case, "closed": closed, "untagged": untagged, "resident": resident}


def test_services_validate_in_json_and_xml(client):
    data = client.get("/open311/v2/services.json").json()
    validate("services.json", data)
    assert [s["service_code"] for s in data] == ["economy", "construction", "social", "safety", "community"]
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    xml_data = from_xml(response.content, "service")
    validate("services.json", xml_data)
    assert xml_data == data


def test_requests_validate_in_json_and_xml(client, cases):
    data = client.get("/open311/v2/requests.json").json()
    validate("requests.json", data)
    by_id = {r["service_request_id"]: r for r in data}
    assert set(by_id) == {str(cases["open"].pk), str(cases["closed"].pk)}  # untagged cases are not service requests
    assert by_id[str(cases["open"].pk)]["status"] == "open" and by_id[str(cases["closed"].pk)]["status"] == "closed"
    assert by_id[str(cases["open"].pk)]["requested_datetime"].endswith("+08:00")
    xml_data = from_xml(client.get("/open311/v2/requests.xml").content, "request")
    validate("requests.json", xml_data)
    assert xml_data == data


def test_single_request_validates_and_masks_personal_data(client, cases):
    pk = cases["open"].pk
    data = client.get(f"/open311/v2/requests/{pk}.json").json()
    validate("requests.json", data)
    validate("request.json", data[0])
    text = json.dumps(data, ensure_ascii=False)
    assert "13912345678" not in text and "139****5678" in text
    assert "310113196001011234" not in text and "3101**********1234" in text
    assert "李秀英" not in text and cases["resident"].username not in text
    validate("requests.json", from_xml(client.get(f"/open311/v2/requests/{pk}.xml").content, "request"))


def test_filters_by_status_code_and_ids(client, cases):
    assert [r["status"] for r in client.get("/open311/v2/requests.json?status=closed").json()] == ["closed"]
    assert [r["service_code"] for r in client.get("/open311/v2/requests.json?service_code=safety").json()] == ["safety"]
    ids = f"{cases['open'].pk},{cases['closed'].pk}"
    assert len(client.get(f"/open311/v2/requests.json?service_request_id={ids}").json()) == 2
    assert client.get("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z").json() == []


@pytest.mark.parametrize("url", [
    "/open311/v2/requests/999999.json", "/open311/v2/requests/{untagged}.json",
    "/open311/v2/requests.json?status=maybe", "/open311/v2/services.json?jurisdiction_id=elsewhere",
])
def test_errors_use_the_open311_error_format(client, cases, url):
    response = client.get(url.format(untagged=cases["untagged"].pk))
    assert response.status_code in (400, 404)
    body = response.json()
    assert body == [{"code": response.status_code, "description": body[0]["description"]}]
    xml_response = client.get(url.format(untagged=cases["untagged"].pk).replace(".json", ".xml"))
    errors = from_xml(xml_response.content, "error")
    assert errors == [{"code": xml_response.status_code, "description": body[0]["description"]}]


def test_discovery_lists_the_endpoint_in_both_formats(client):
    data = client.get("/open311/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == georeport.SPECIFICATION and endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = ET.fromstring(client.get("/open311/discovery.xml").content)  # noqa: S314
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == endpoint["formats"]


def test_server_is_public_and_read_only(client, cases):
    assert client.get("/open311/v2/requests.json").status_code == 200  # anonymous
    assert client.post("/open311/v2/requests.json", {"service_code": "safety"}).status_code in (403, 405)


def test_request_list_query_count_is_flat(client, tree, cases, django_assert_max_num_queries):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
    with django_assert_max_num_queries(3):
        client.get("/open311/v2/requests.json")
    for i in range(10):
        case_services.create_case(actor=staff, community=tree.comm_b1, source="visit", category="social",
                                  title=f"问题{i}", content="内容")
    with django_assert_max_num_queries(3):
        assert len(client.get("/open311/v2/requests.json").json()) == 12


# --- What is published (settings.OPEN311_PUBLISHED_SOURCES) -----------------------------

@pytest.fixture
def mixed(tree, cases):  # type: ignore[no-untyped-def]
    """Cases from every kind of source, all with a category set by the committee."""
    from shequtong.cases.models import Case
    from shequtong.cases.services import set_category
    from shequtong.chats import services as chat_services

    from ..cases import helpers
    from ..factories import chat_message, estate_group, resident_of_estate

    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    patrol = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    neighbour = resident_of_estate(tree.estate(tree.comm_a1), real_name="周桂兰")
    group = estate_group(tree.estate(tree.comm_a1))

    def chat_case(actor, body):  # type: ignore[no-untyped-def]
        """A 小区群 message and an @居委 press beside it, through the chats' own services."""
        mention = chat_services.mention_message(actor=actor, message_id=chat_message(neighbour, group, body).pk)
        return Case.objects.get(origin_type="group_message_mention", origin_id=mention.pk)

    out = {
        "chat": chat_case(neighbour, "我家楼上天天半夜吵，电话13800001111"),
        "chat_patrol": chat_case(patrol, "群里说东门积水"),
        "reply": helpers.mention(actor=neighbour, community=tree.comm_a1, text="@居委 回复里说的垃圾桶"),
        "reply_patrol": helpers.mention(actor=patrol, author=neighbour, community=tree.comm_a1, patrol_level="subdistrict",
                                        text="@居委 巡查发现垃圾桶满溢"),
        "letter": helpers.letter(neighbour, tree.comm_a1).case,
        "tag": helpers.tagged_post(actor=neighbour, community=tree.comm_a1),
    }
    assert out["chat_patrol"].source == "patrol_subdistrict" and out["chat"].source == "mention"
    for key in ("chat", "chat_patrol", "reply", "reply_patrol"):
        set_category(actor=staff, case_id=out[key].pk, category="safety")
    return {**cases, **out}


def test_only_the_published_sources_are_listed(client, mixed):
    listed = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    expected = {"open", "closed", "letter", "tag", "reply_patrol"}
    assert listed == {str(mixed[k].pk) for k in expected}


def test_a_chat_mention_case_is_neither_listed_nor_fetchable(client, mixed):
    for key in ("chat", "chat_patrol"):
        pk = mixed[key].pk
        assert str(pk) not in {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
        assert client.get(f"/open311/v2/requests/{pk}.json").status_code == 404
        assert client.get(f"/open311/v2/requests/{pk}.xml").status_code == 404
        assert client.get(f"/open311/v2/requests.json?service_request_id={pk}").json() == []
    text = client.get("/open311/v2/requests.json").content.decode()
    assert "半夜吵" not in text and "13800001111" not in text and "群里说" not in text


def test_a_board_mention_is_not_published_by_default(client, mixed):
    assert client.get(f"/open311/v2/requests/{mixed['reply'].pk}.json").status_code == 404


def test_the_raiser_is_never_published(client, mixed):
    text = client.get("/open311/v2/requests.json").content.decode()
    assert "周桂兰" not in text and "周*兰" not in text


def test_the_published_sources_are_a_setting(client, mixed, settings):
    settings.OPEN311_PUBLISHED_SOURCES = ("letter", "mention", "no-such-source")
    listed = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    # Mentions from board replies may be opted in; a group chat's never.
    assert listed == {str(mixed["letter"].pk), str(mixed["reply"].pk)}
    assert client.get(f"/open311/v2/requests/{mixed['chat'].pk}.json").status_code == 404
