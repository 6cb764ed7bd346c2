"""The public feed stays well-formed whatever residents typed (issue 12 item 3), read by a real GeoReport client."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own responses in tests

import pytest
from georeport import GeoReport

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case

from ..factories import make_with_role
from .test_server import board_case, from_xml, validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def dirty(tree):  # type: ignore[no-untyped-def]
    """A published case whose stored text has control characters (written before input was cleaned)."""
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    case = board_case(resident, tree.comm_a1, staff, title="路灯", body="路灯坏了")
    Case.objects.filter(pk=case.pk).update(title="路灯\x01坏了", content="北门\x02路灯\x1b不亮\x0c，电话139 1234 0003")
    return case


def test_control_characters_never_reach_the_xml_or_json_feed(client, dirty):
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{dirty.pk}.xml"):
        body = client.get(url).content
        root = ET.fromstring(body)  # noqa: S314 - raises ParseError on a not well-formed document
        description = root.find("request/description").text
        assert description == "路灯坏了\n\n北门路灯不亮，电话139****0003"
    data = client.get(f"/open311/v2/requests/{dirty.pk}.json").json()
    validate("requests.json", data)
    assert data == from_xml(client.get(f"/open311/v2/requests/{dirty.pk}.xml").content, "request")


def test_a_service_without_metadata_answers_its_definition_with_no_attributes(client):
    data = client.get("/open311/v2/services/safety.json").json()
    validate("service-definition.json", data)
    assert data == {"service_code": "safety", "attributes": []}
    root = ET.fromstring(client.get("/open311/v2/services/safety.xml").content)  # noqa: S314
    assert root.tag == "service_definition" and root.findtext("service_code") == "safety"
    assert list(root.find("attributes")) == []
    missing = client.get("/open311/v2/services/no-such.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_the_georeport_client_from_pypi_reads_our_feed(live_server, dirty):
    """georeport 0.3.1 once failed on our XML with ExpatError: not well-formed."""
    for fmt in ("xml", "json"):
        client = GeoReport(live_server.url + "/open311/v2", jurisdiction="baoshan.shanghai", output_format=fmt)
        services = client.get_service_list()
        assert [s["service_code"] for s in services][:2] == ["economy", "construction"]
        definition = client.get_service_definition("safety")
        assert definition["service_code"] == "safety" and not definition["attributes"]
        requests = client.get_service_requests()
        listed = requests if isinstance(requests, list) else [requests]
        assert [r["service_request_id"] for r in listed] == [str(dirty.pk)]
        assert "\x01" not in json.dumps(listed) and "13912340003" not in json.dumps(listed, ensure_ascii=False)
        detail = client.get_service_request(str(dirty.pk))
        assert "路灯坏了" in json.dumps(detail, ensure_ascii=False)
