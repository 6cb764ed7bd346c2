"""户覆盖率 (§3.2, 80%): registered 户数 per estate (committee and system administrators, audited),
covered households as distinct (building, room) among approved residents, kept by the services,
shown on 数据 · 宝山用户数据 with the indicator line, and checked by the nightly rollup rebuild."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from shequtong.accounts import households
from shequtong.accounts import services as account_services
from shequtong.accounts.models import AuditEvent, Membership
from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.observe import figures, rollups
from shequtong.places.models import Estate

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db
URL = "/accounts/manage/households/"


def join(community, estate, staff, building: str, room: str, approve: bool = True):  # type: ignore[no-untyped-def]
    user = make_user()
    m = account_services.request_membership(actor=user, community_id=community.pk, estate_id=estate.pk)
    Membership.objects.filter(pk=m.pk).update(building=building, room=room)
    account_services.review_membership(actor=staff, membership_id=m.pk, approve=approve,
                                       reason="" if approve else "信息不符")
    return user


def test_covered_households_are_distinct_rooms_of_approved_residents(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    e1, e2 = tree.comm_a1.estates.order_by("id")
    join(tree.comm_a1, e1, staff, "1", "101")
    join(tree.comm_a1, e1, staff, "1", "101")  # same household
    join(tree.comm_a1, e1, staff, "1", "102")
    join(tree.comm_a1, e1, staff, "2", "101")
    join(tree.comm_a1, e1, staff, "", "")  # no room: cannot be told apart, not counted
    join(tree.comm_a1, e1, staff, "3", "301", approve=False)  # rejected: not a resident
    join(tree.comm_a1, e2, staff, "1", "101")
    assert Estate.objects.get(pk=e1.pk).covered_households == 3
    assert Estate.objects.get(pk=e2.pk).covered_households == 1
    assert rollups.rebuild(only=("covered_households",), check=True) == []


def test_committee_registers_its_own_estates_audited_outsiders_refused(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    e1, e2 = tree.comm_a1.estates.order_by("id")
    assert households.set_households(actor=staff, community_id=tree.comm_a1.pk, values={e1.pk: 120, e2.pk: None}) == 1
    assert Estate.objects.get(pk=e1.pk).households == 120
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLACE, actor=staff)
    assert event.detail["what"] == "households" and event.detail["changes"][0]["to"] == 120
    assert households.set_households(actor=staff, community_id=tree.comm_a1.pk, values={e1.pk: 120}) == 0
    with pytest.raises(ValidationFailed):
        households.set_households(actor=staff, community_id=tree.comm_a1.pk, values={e1.pk: households.MAX_HOUSEHOLDS + 1})
    other = tree.comm_a2.estates.first()
    with pytest.raises(NotFound):  # another community's estate through one's own community
        households.set_households(actor=staff, community_id=tree.comm_a1.pk, values={other.pk: 5})
    for outsider in (make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2), make_with_role(Role.DISTRICT_OBSERVER),
                     make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a), make_user()):
        with pytest.raises(NotFound):
            households.set_households(actor=outsider, community_id=tree.comm_a1.pk, values={e1.pk: 1})
    assert Estate.objects.get(pk=e1.pk).households == 120
    admin = make_with_role(Role.SYSADMIN)
    households.set_households(actor=admin, community_id=tree.comm_b1.pk, values={tree.comm_b1.estates.first().pk: 40})
    assert Estate.objects.filter(community=tree.comm_b1, households=40).count() == 1


def test_the_page_edits_in_scope_only(client, tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    e1, e2 = tree.comm_a1.estates.order_by("id")
    client.force_login(staff)
    html = client.get(URL).content.decode()
    assert 'data-testid="households-form"' in html and e1.name in html and "户覆盖率" in html
    response = client.post(URL, {"community": tree.comm_a1.pk, f"households_{e1.pk}": "80", f"households_{e2.pk}": ""})
    assert response.status_code == 302
    assert Estate.objects.get(pk=e1.pk).households == 80 and Estate.objects.get(pk=e2.pk).households is None
    client.post(URL, {"community": tree.comm_a1.pk, f"households_{e1.pk}": "八十"})
    assert Estate.objects.get(pk=e1.pk).households == 80
    assert client.get(URL, {"community": tree.comm_b1.pk}).status_code == 404
    assert client.post(URL, {"community": tree.comm_b1.pk, f"households_{e1.pk}": "1"}).status_code == 404
    client.force_login(make_with_role(Role.DISTRICT_OBSERVER))
    assert client.get(URL).status_code == 403
    client.force_login(make_with_role(Role.SYSADMIN))
    html = client.get(URL, {"subdistrict": tree.sub_b.pk}).content.decode()
    assert tree.comm_b1.name in html and tree.comm_a1.name not in html


def test_coverage_on_the_users_theme_with_the_indicator_line(client, tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    e1, e2 = tree.comm_a1.estates.order_by("id")
    households.set_households(actor=staff, community_id=tree.comm_a1.pk, values={e1.pk: 4})
    for room in ("101", "102", "103"):
        join(tree.comm_a1, e1, staff, "1", room)
    join(tree.comm_a1, e2, staff, "1", "101")  # covered, but its estate registered no 户数
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    place = figures.place_for(observer, community_id=tree.comm_a1.pk)
    t = figures.theme("users", place, figures.period_of("30"))
    rows = {r.key: r.values for r in t.rows}
    assert (rows[e1.pk]["households"], rows[e1.pk]["covered"], rows[e1.pk]["coverage"]) == (4, 3, 75.0)
    assert (rows[e2.pk]["covered"], rows[e2.pk]["coverage"]) == (1, None)
    assert t.total.values["coverage"] == 75.0  # e2's household is outside the denominator and the numerator
    district = figures.theme("users", figures.place_for(observer), figures.period_of("30"))
    assert {r.key: r.values["coverage"] for r in district.rows}[tree.sub_a.pk] == 75.0
    chart = next(c for c in district.charts if c.id == "users-coverage")
    assert chart.as_json()["target"] == {"label": "目标80%", "value": 80}
    client.force_login(observer)
    html = client.get("/data/", {"theme": "users", "community": tree.comm_a1.pk}).content.decode()
    assert "户覆盖率（目标80%）" in html and "75.0%" in html
    data = json.loads(html.split('id="obs-chart-data" type="application/json">')[1].split("</script>")[0])
    assert any(c["target"] and c["target"]["value"] == 80 for c in data["charts"])


def test_nightly_rebuild_finds_injected_coverage_drift(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    e1 = tree.comm_a1.estates.order_by("id").first()
    join(tree.comm_a1, e1, staff, "1", "101")
    call_command("rebuild_rollups", stdout=io.StringIO())  # the fixtures' grants are written directly
    Estate.objects.filter(pk=e1.pk).update(covered_households=7)
    drifts = rollups.rebuild(only=("covered_households",), check=True)
    assert [(d.key, d.stored, d.expected) for d in drifts] == [
        (e1.pk, {"covered_households": 7}, {"covered_households": 1})]
    rollups.rebuild(only=("covered_households",))
    assert Estate.objects.get(pk=e1.pk).covered_households == 1
