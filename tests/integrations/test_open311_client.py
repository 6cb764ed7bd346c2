"""The real Open311 client against the simulator served on loopback (GeoReport v2 + updates)."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.integrations.grid import GridRejected, GridRequest, GridUnavailable
from shequtong.integrations.open311_client import Open311Client, Open311GridGateway

# Every call is written to the delivery log.
pytestmark = pytest.mark.django_db


def _request(key: str = "case-1-grid-1", **kw) -> GridRequest:  # type: ignore[no-untyped-def]
    data = {"idempotency_key": key, "service_code": "construction", "title": "【人民信箱】楼道灯损坏",
            "description": "3号楼楼道灯损坏", "address": "宝山区友谊路街道友谊一村居委", "attributes": {"case_id": 1}}
    data.update(kw)
    return GridRequest(**data)


def test_services_lists_the_five_categories(client311):
    codes = [s["service_code"] for s in client311.services()]
    assert codes == ["economy", "construction", "social", "safety", "community"]


def test_submit_creates_one_request_with_title_address_and_attributes(gateway, grid_sim):
    status = gateway.submit(_request())
    assert status.status == "open" and status.external_id
    req = grid_sim.requests[status.external_id]
    assert req.service_code == "construction" and req.address == "宝山区友谊路街道友谊一村居委"
    assert req.description.startswith("【人民信箱】楼道灯损坏") and req.attributes["case_id"] == "1"
    assert req.attributes["title"] == "【人民信箱】楼道灯损坏"
    assert req.idempotency_key == "case-1-grid-1"


def test_the_same_idempotency_key_never_makes_two_requests(gateway, grid_sim):
    first = gateway.submit(_request())
    again = gateway.submit(_request())
    assert again.external_id == first.external_id
    assert len(grid_sim.requests) == 1 and grid_sim.posts == 2
    assert gateway.submit(_request("case-1-grid-2")).external_id != first.external_id


def test_fetch_follows_the_grid_states_to_the_result(gateway, grid_sim):
    ext = gateway.submit(_request()).external_id
    assert gateway.fetch(ext).status == "open"
    grid_sim.advance(ext)
    assert gateway.fetch(ext).status == "in_progress"
    grid_sim.advance(ext, "已修复楼道灯")
    done = gateway.fetch(ext)
    assert (done.status, done.result) == ("closed", "已修复楼道灯")


def test_updates_extension_reports_every_state_change(client311, gateway, grid_sim):
    ext = gateway.submit(_request()).external_id
    grid_sim.close(ext, "已办结")
    now = dt.datetime.now(dt.UTC)
    updates = client311.updates(now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=1))
    assert [u.status for u in updates] == ["open", "in_progress", "closed"]
    assert updates[-1].as_status().result == "已办结" and updates[-1].external_id == ext


def test_refusals_are_permanent(client311, grid_sim):
    bad_code = Open311GridGateway(client311)
    with pytest.raises(GridRejected, match="service_code"):
        bad_code.submit(_request(service_code="nope"))
    wrong_key = Open311GridGateway(Open311Client(grid_sim.url, api_key="wrong", jurisdiction_id=client311.jurisdiction_id))
    with pytest.raises(GridRejected, match="api_key"):
        wrong_key.submit(_request())
    with pytest.raises(GridRejected):
        bad_code.fetch("999999")
    assert grid_sim.requests == {}


def test_a_grid_that_is_down_is_worth_retrying(client311, grid_sim):
    grid_sim.stop()
    with pytest.raises(GridUnavailable):
        Open311GridGateway(client311).submit(_request())
    with pytest.raises(GridUnavailable):
        Open311GridGateway(client311).fetch("1001")


def test_server_errors_and_non_json_answers_are_worth_retrying(httpserver):
    httpserver.expect_request("/requests.json", method="POST").respond_with_data("busy", status=503)
    httpserver.expect_request("/requests/7.json").respond_with_data("<html>proxy</html>", status=200)
    client = Open311Client(httpserver.url_for("/").rstrip("/"))
    with pytest.raises(GridUnavailable, match="503"):
        Open311GridGateway(client).submit(_request())
    with pytest.raises(GridUnavailable, match="not JSON"):
        Open311GridGateway(client).fetch("7")


def test_idempotency_key_is_sent_as_header_and_attribute(httpserver):
    httpserver.expect_request(
        "/requests.json", method="POST", headers={"Idempotency-Key": "case-9-grid-1"},
    ).respond_with_json([{"service_request_id": "42"}])
    client = Open311Client(httpserver.url_for("/").rstrip("/"), api_key="k", jurisdiction_id="j")
    assert Open311GridGateway(client).submit(_request("case-9-grid-1")).external_id == "42"
    form = httpserver.log[0][0].form
    assert form["attribute[idempotency_key]"] == "case-9-grid-1"
    assert form["api_key"] == "k" and form["jurisdiction_id"] == "j" and form["service_code"] == "construction"
