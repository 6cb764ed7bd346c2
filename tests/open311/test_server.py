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

from ..factories import make_post, make_with_role

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


def board_case(author, community, staff, *, title="楼道灯损坏", body="3号楼楼道灯损坏。", category="construction",
               actions=("accept",)):  # type: ignore[no-untyped-def]
    """A 身边事 post with a problem tag (a public post in the app) and its case, reviewed by the committee."""
    from shequtong.cases.models import Case

    post = make_post(author, community, title=title, body=body, category=category)
    case = Case.objects.get(origin_type="post", origin_id=post.pk)
    for action in actions:
        case_services.handle_case(actor=staff, case_id=case.pk, action=action, note="已处理")
    case.refresh_from_db()
    case.post = post
    return case


def reply_mention(actor, author, community):  # type: ignore[no-untyped-def]
    """A reply on a public board and an @居委 press beside it, through the boards' own services."""
    from shequtong.boards import services as board_services
    from shequtong.cases.models import Case

    post = make_post(author, community, title="垃圾桶", body="小区垃圾桶的问题")
    reply = board_services.reply_to(actor=author, post_id=post.pk, body="回复里说的垃圾桶满了")
    mention = board_services.mention_committee(actor=actor, post_id=post.pk, reply_id=reply.pk)
    case = Case.objects.get(origin_type="reply_mention", origin_id=mention.pk)
    case.reply = reply
    return case


@pytest.fixture
def cases(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英")
    open_case = board_case(resident, tree.comm_a1, staff, title="楼道灯损坏",
                           body="3号楼楼道灯损坏，联系电话13912345678，身份证310113196001011234")
    closed = board_case(resident, tree.comm_a1, staff, title="东门无人值守", body="夜间无人值守", category="safety",
                        actions=("accept", "resolve", "close"))
    untagged = reply_mention(resident, resident, tree.comm_a1)
    return {"open": open_case, "closed": closed, "untagged": untagged, "resident": resident, "staff": staff}


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
    resident = make_with_role(Role.RESIDENT, tree.comm_b1)
    for i in range(10):
        board_case(resident, tree.comm_b1, staff, title=f"问题{i}", body="内容", category="social")
    with django_assert_max_num_queries(3):
        assert len(client.get("/open311/v2/requests.json").json()) == 12


# --- What is published: reviewed cases from public posts (issue 12 item 1) ---------------

@pytest.fixture
def mixed(tree, cases):  # type: ignore[no-untyped-def]
    """Cases from every kind of source, all with a category and accepted by the committee."""
    from shequtong.cases.models import Case
    from shequtong.cases.services import set_category
    from shequtong.chats import services as chat_services

    from ..cases import helpers
    from ..factories import chat_message, estate_group, resident_of_estate

    staff = cases["staff"]
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
        "reply": reply_mention(neighbour, neighbour, tree.comm_a1),
        "reply_patrol": reply_mention(patrol, neighbour, tree.comm_a1),
        "letter": helpers.letter(neighbour, tree.comm_a1, content="我家住5号楼302室，电话13800002222，楼上漏水").case,
        "visit": helpers.case(staff, tree.comm_a1, content="面对面：住户反映邻里纠纷"),
        "tag": board_case(neighbour, tree.comm_a1, staff),
    }
    assert out["chat_patrol"].source == "patrol_subdistrict" and out["chat"].source == "mention"
    assert out["reply_patrol"].source == "patrol_subdistrict" and out["reply"].source == "mention"
    for key in ("chat", "chat_patrol", "reply", "reply_patrol"):
        set_category(actor=staff, case_id=out[key].pk, category="safety")
    for key in ("chat", "chat_patrol", "reply", "reply_patrol", "letter", "visit"):
        case_services.handle_case(actor=staff, case_id=out[key].pk, action="accept")
    return {**cases, **out}


def listed(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}


def test_only_reviewed_cases_from_public_posts_are_listed(client, mixed):
    expected = {"open", "closed", "tag", "reply", "reply_patrol"}
    assert listed(client) == {str(mixed[k].pk) for k in expected}


@pytest.mark.parametrize("key", ["letter", "visit", "chat", "chat_patrol"])
def test_private_cases_are_neither_listed_nor_fetchable(client, mixed, key):
    pk = mixed[key].pk
    assert str(pk) not in listed(client)
    assert client.get(f"/open311/v2/requests/{pk}.json").status_code == 404
    assert client.get(f"/open311/v2/requests/{pk}.xml").status_code == 404
    assert client.get(f"/open311/v2/requests.json?service_request_id={pk}").json() == []


def test_private_text_never_appears(client, mixed):
    text = client.get("/open311/v2/requests.json").content.decode()
    for private in ("半夜吵", "13800001111", "群里说", "楼上漏水", "302室", "邻里纠纷"):
        assert private not in text


def test_an_unreviewed_case_is_not_published_until_the_committee_accepts_it(client, tree, cases):
    fresh = board_case(cases["resident"], tree.comm_a1, cases["staff"], title="新问题", body="刚发的帖子", actions=())
    assert fresh.status == "new"
    assert client.get(f"/open311/v2/requests/{fresh.pk}.json").status_code == 404
    assert str(fresh.pk) not in listed(client)
    case_services.handle_case(actor=cases["staff"], case_id=fresh.pk, action="accept")
    assert client.get(f"/open311/v2/requests/{fresh.pk}.json").status_code == 200


def test_a_hidden_post_or_reply_takes_its_case_off_the_feed(client, mixed):
    from shequtong.boards import services as board_services

    staff = mixed["staff"]
    board_services.hide_post(actor=staff, post_id=mixed["tag"].post.pk, reason="含个人信息")
    board_services.hide_reply(actor=staff, reply_id=mixed["reply"].reply.pk, reason="含个人信息")
    assert listed(client) == {str(mixed[k].pk) for k in ("open", "closed", "reply_patrol")}
    assert client.get(f"/open311/v2/requests/{mixed['tag'].pk}.json").status_code == 404
    board_services.restore_post(actor=staff, post_id=mixed["tag"].post.pk)
    assert str(mixed["tag"].pk) in listed(client)


def test_the_raiser_is_never_published(client, mixed):
    text = client.get("/open311/v2/requests.json").content.decode()
    assert "周桂兰" not in text and "周*兰" not in text


def test_the_published_sources_are_a_setting_but_letters_and_visits_stay_private(client, mixed, settings):
    settings.OPEN311_PUBLISHED_SOURCES = ("letter", "visit", "mention", "no-such-source")
    # Mentions on a board may be listed; letters, visits and group chats never.
    assert listed(client) == {str(mixed["reply"].pk)}
    for key in ("letter", "visit", "chat"):
        assert client.get(f"/open311/v2/requests/{mixed[key].pk}.json").status_code == 404


def test_the_default_setting_names_no_private_source(settings):
    from django.core.checks import run_checks

    from shequtong import settings as project_settings

    assert not {"letter", "visit"} & set(project_settings.OPEN311_PUBLISHED_SOURCES)
    settings.OPEN311_PUBLISHED_SOURCES = ("tag", "letter")
    assert "open311.E001" in {m.id for m in run_checks()}


# --- The outside probe's phone and ID formats (issue 12 item 1) --------------------------

PROBE_NUMBERS = ["13912340003", "+8613912340003", "139-1234-0003", "139 1234 0003", "１３９１２３４０００３",
                 "8613912340003", "139.1234.0003", "310113196001011234", "310113 19600101 1234", "310113600101123"]


def test_the_probe_letter_is_not_published_and_a_public_post_is_masked(client, tree, cases):
    resident, staff = cases["resident"], cases["staff"]
    client.force_login(resident)
    from ..cases import helpers

    body = "我家地址宝山路1号，联系：" + "、".join(PROBE_NUMBERS)
    response = client.post("/api/v1/letters/mine", {"category": "economy", "subcategory_ids": [helpers.subcategory("economy").pk],
                                                    "content": body}, content_type="application/json")
    assert response.status_code == 201
    from shequtong.letters.models import Letter

    letter_case = Letter.objects.get(pk=response.json()["id"]).case
    case_services.handle_case(actor=staff, case_id=letter_case.pk, action="accept")
    client.logout()
    assert client.get(f"/open311/v2/requests/{letter_case.pk}.json").status_code == 404

    post_case = board_case(resident, tree.comm_a1, staff, title="联系方式", body="、".join(PROBE_NUMBERS))
    for fmt in ("json", "xml"):
        text = client.get(f"/open311/v2/requests/{post_case.pk}.{fmt}").content.decode()
        digits = "".join(ch for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
        for number in ("13912340003", "310113196001011234", "310113600101123"):
            assert number not in digits
        assert "139****0003" in text
