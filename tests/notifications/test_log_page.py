"""投递日志: system administrators only, reachable from 观察, filtered by kind, result and time, paginated,
a flat query count, and nothing secret or personal on the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.integrations import exchange
from shequtong.notifications import outbox
from shequtong.notifications.models import DeliveryAttempt, Outbox

from ..factories import make_with_role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
URL = "/notifications/log/"


@pytest.fixture(autouse=True)
def _frozen(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def admin(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.SYSADMIN)


def _log(kind: str, *, ok: bool = True, excerpt: str = "", reference: str = "") -> None:
    with exchange.call(kind, reference) as c:
        c.answer = excerpt
        c.refused = not ok


def _failing_row(key: str = "mail-1") -> Outbox:
    def down(row: Outbox) -> None:
        raise outbox.RetryLater("SMTP server unreachable")

    outbox.register("test.down", down)
    row = outbox.enqueue(kind="test.down", payload={}, idempotency_key=key)
    outbox.deliver_due()
    return row


def test_reachable_from_the_observers_me_for_sysadmins_only(client, tree, admin):
    assert reverse("notifications:log") == URL
    client.force_login(admin)
    assert URL in client.get(reverse("observe:me")).content.decode()
    assert URL not in client.get(reverse("web:observe")).content.decode()  # not among the observation tools
    district = make_with_role(Role.DISTRICT_OBSERVER)
    client.force_login(district)
    assert URL not in client.get(reverse("observe:me")).content.decode()
    for outsider in (district, make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1),
                     make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)):
        client.force_login(outsider)
        assert client.get(URL).status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_page_shows_each_attempt_with_result_latency_and_excerpt(client, tree, admin):
    _log("grid.fetch", excerpt='{"service_request_id": "1001", "status": "open", "token": "tok-secret"}', reference="1001")
    row = _failing_row()
    client.force_login(admin)
    html = client.get(URL).content.decode()
    assert "查询网格化工单" in html and "1001" in html and "tok-secret" not in html
    assert "SMTP server unreachable" in html and f"?outbox={row.pk}" in html
    assert "耗时" in html and "毫秒" in html and "成功" in html and "失败" in html
    assert 'data-testid="outbox-summary"' in html


def test_filters_by_kind_result_time_and_row(client, tree, admin, time_machine):
    _log("grid.fetch", excerpt="old-fetch")
    time_machine.shift(dt.timedelta(days=3))
    _log("grid.fetch", ok=False, excerpt="new-failed-fetch")
    _log("sms", excerpt="new-sms")
    row = _failing_row()
    client.force_login(admin)

    def shown(**params: str) -> set[str]:
        html = client.get(URL, params).content.decode()
        return {w for w in ("old-fetch", "new-failed-fetch", "new-sms", "SMTP server unreachable") if w in html}

    assert shown() == {"old-fetch", "new-failed-fetch", "new-sms", "SMTP server unreachable"}
    assert shown(kind="grid.fetch") == {"old-fetch", "new-failed-fetch"}
    assert shown(result="failed") == {"new-failed-fetch", "SMTP server unreachable"}
    assert shown(kind="grid.fetch", result="ok") == {"old-fetch"}
    assert shown(date_from="2026-11-29") == {"new-failed-fetch", "new-sms", "SMTP server unreachable"}
    assert shown(date_to="2026-11-28") == {"old-fetch"}
    assert shown(outbox=str(row.pk)) == {"SMTP server unreachable"}
    assert shown(kind="nonsense", result="maybe", date_from="not-a-date") == shown()
    assert "没有符合条件的投递记录" in client.get(URL, {"kind": "wechat"}).content.decode()


def test_empty_log(client, tree, admin):
    client.force_login(admin)
    assert "暂无投递记录" in client.get(URL).content.decode()


def test_pagination_keeps_the_filters(client, tree, admin):
    for i in range(25):
        _log("sms", excerpt=f"answer-{i:02d}")
    _log("grid.fetch", excerpt="not-an-sms")
    client.force_login(admin)
    first = client.get(URL, {"kind": "sms"}).content.decode()
    assert "answer-24" in first and "answer-04" not in first and "第 1 / 2 页" in first
    assert "?kind=sms&page=2" in first
    second = client.get(URL, {"kind": "sms", "page": 2}).content.decode()
    assert "answer-04" in second and "answer-05" not in second and "not-an-sms" not in second


def test_query_count_is_flat(client, tree, admin, django_assert_max_num_queries):
    client.force_login(admin)
    _failing_row("r-0")
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
    for i in range(1, 15):
        _failing_row(f"r-{i}")
        _log("grid.fetch", excerpt=f"poll-{i}")
    assert DeliveryAttempt.objects.count() == 29
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_personal_data_is_masked_on_the_page(client, tree, admin):
    _log("sms", ok=False, excerpt="号码13912345678在黑名单中，联系li@sqt.test", reference="139****5678")
    # A row written before redaction existed shows its error redacted at display time too.
    DeliveryAttempt.objects.create(kind="email", ok=False, result="failed", error="refused chen@sqt.test 13800001111",
                                   created_at=T0)
    client.force_login(admin)
    html = client.get(URL).content.decode()
    assert "13912345678" not in html and "139****5678" in html
    assert "li@sqt.test" not in html and "chen@sqt.test" not in html and "13800001111" not in html


def test_old_successful_polls_are_pruned_failures_and_outbox_attempts_stay(tree, settings, time_machine):
    from shequtong.notifications import delivery_log, scheduler

    settings.DELIVERY_LOG_RETENTION_DAYS = 30
    _log("grid.fetch", excerpt="old-ok")
    _log("grid.fetch", ok=False, excerpt="old-failed")
    _failing_row("old-row")
    time_machine.shift(dt.timedelta(days=31))
    _log("grid.fetch", excerpt="recent-ok")
    assert "notifications.prune_delivery_log" in scheduler.jobs()
    assert delivery_log.prune() == 1
    kept = set(DeliveryAttempt.objects.values_list("response_excerpt", flat=True))
    assert kept == {"old-failed", "SMTP server unreachable", "recent-ok"}


def test_officials_read_chinese_words_local_times_and_the_raw_text_only_folded(client, tree, admin):
    """No raw JSON, English state or exception name as the line an official reads; the raw text sits under 技术详情."""
    _log("grid.fetch", excerpt='{"service_request_id": "1001", "status": "open"}', reference="1001")
    _log("grid.fetch", ok=False, excerpt="GridUnavailable: URLError: <urlopen error [Errno 111] Connection refused>")
    _log("grid.updates", ok=False, excerpt="HTTP 503: Service Unavailable")
    _log("sms", ok=False, excerpt="TimeoutError: timed out")
    DeliveryAttempt.objects.create(kind="email", ok=False, result="failed", error="something odd", created_at=T0)
    client.force_login(admin)
    html = client.get(URL).content.decode()
    summaries = [a.summary for a in DeliveryAttempt.objects.order_by("id")]
    assert summaries == ["对方已接收，状态：已受理", "对方系统拒绝连接（可能未启动或正在维护）", "对方系统内部出错",
                         "对方系统响应超时", "投递失败"]
    for summary in summaries:
        assert summary in html
    # The raw answers are only inside the folded technical details.
    visible = re.sub(r'<details class="dl-item__tech".*?</details>', "", html, flags=re.S)
    for raw in ('"status": "open"', "Connection refused", "GridUnavailable", "HTTP 503", "TimeoutError", "OPEN"):
        assert raw not in visible
        assert raw == "OPEN" or raw in html.replace("&quot;", '"')
    assert html.count("技术详情") == 5
    # 09:00 UTC is 17:00 in Asia/Shanghai, in the project's date format.
    assert "2026-11-27 17:00" in visible and "09:00" not in visible


def test_the_log_sits_only_among_the_system_admin_tools(client, tree, admin):
    from shequtong.common import registry

    sections = {s for s in registry.SECTIONS if any(t["url"] == URL for t in registry.tiles_for(s, admin))}
    assert sections == {"admin"}
    client.force_login(admin)
    html = client.get(URL).content.decode()
    assert f'href="{reverse("observe:me")}"' in html  # back to the system-admin section
