"""The escalation's delivery log on the case page: the committee and patrol staff see every attempt
(time, result, latency, the start of the answer), masked; the resident who raised it and outsiders do not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.integrations import exchange, grid_local
from shequtong.notifications import outbox

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def world(tree, time_machine):  # type: ignore[no-untyped-def]
    class W:
        resident = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)

    W.case = helpers.handle(W.staff, helpers.letter(W.resident).case, "accept", "escalate")
    grid_local.set_available(False)
    outbox.deliver_due()                     # the grid is down: a failed attempt
    grid_local.set_available(True)
    time_machine.shift(dt.timedelta(hours=2))
    outbox.deliver_due()                     # delivered
    W.case.refresh_from_db()
    grid_local.close_request(W.case.external_id, "已修复，请联系物业13912345678确认")
    case_services.poll_grid()                # the poll that brings the result back
    W.case.refresh_from_db()
    return W


def _log_html(client, user, case):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.find('data-testid="delivery-log"')
    if start < 0:
        return ""
    # The section ends at its own </details>: each attempt folds a 技术详情 <details> of its own inside.
    depth, at = 1, html.find(">", start)
    while depth:
        opening, closing = html.find("<details", at), html.find("</details>", at)
        if 0 <= opening < closing:
            depth, at = depth + 1, opening + 1
        else:
            depth, at = depth - 1, closing + 1
    return html[start:at]


def test_committee_staff_see_every_attempt_with_result_latency_and_excerpt(client, world):
    log = _log_html(client, world.staff, world.case)
    assert log.count('data-testid="attempt"') == 3
    assert "上报网格化" in log and "查询网格化工单" in log and "第1次" in log and "第2次" in log
    assert "失败" in log and "成功" in log and log.count("毫秒") == 3
    assert "local grid is switched off" in log and world.case.external_id in log
    assert "2026-11-27 17:00" in log  # times in Shanghai time


def test_personal_data_in_the_grids_answer_is_masked(client, world):
    log = _log_html(client, world.staff, world.case)
    assert "139****5678" in log and "13912345678" not in log


def test_patrol_staff_in_scope_see_it_too(client, world):
    assert _log_html(client, world.sub_a, world.case).count('data-testid="attempt"') == 3


def test_the_resident_who_raised_it_does_not_see_the_log(client, world):
    client.force_login(world.resident)
    html = client.get(reverse("cases:detail", args=[world.case.pk])).content.decode()
    assert 'data-testid="delivery-log"' not in html and "local grid is switched off" not in html


def test_outside_the_jurisdiction_nothing_is_shown(client, world):
    for outsider in (world.staff_b, world.sub_b):
        client.force_login(outsider)
        response = client.get(reverse("cases:detail", args=[world.case.pk]))
        assert response.status_code == 404 and "local grid is switched off" not in response.content.decode()


def test_a_case_never_escalated_has_no_log(client, world, tree):
    other = helpers.case(world.staff, tree.comm_a1)
    client.force_login(world.staff)
    assert 'data-testid="delivery-log"' not in client.get(reverse("cases:detail", args=[other.pk])).content.decode()


def test_detail_query_count_does_not_grow_with_attempts(client, world, time_machine):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.staff)
    url = reverse("cases:detail", args=[world.case.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(5):
        time_machine.shift(dt.timedelta(minutes=5))
        with exchange.call("grid.fetch", world.case.external_id) as call:
            call.answer = {"service_request_id": world.case.external_id, "status": "closed", "n": i}
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert html.count('data-testid="attempt"') == 8
    assert len(after.captured_queries) <= len(before.captured_queries)
