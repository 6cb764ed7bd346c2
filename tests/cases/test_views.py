"""Case pages: 问题提醒 lists with filters and markers, detail with handling, 我的问题, ratings, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.accounts.models import AuditEvent
from shequtong.accounts.roles import Role
from shequtong.cases import services
from shequtong.cases.models import Case, CaseRating

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def secretary(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, real_name="陈建国")


def test_manage_and_committee_home_show_the_reminder_tile_with_the_overdue_badge(client, tree, secretary):
    with time_machine.travel(T0, tick=False) as clock:
        helpers.case(secretary, tree.comm_a1)
        helpers.case(secretary, tree.comm_a1)
        clock.move_to(T0 + dt.timedelta(days=2))
        client.force_login(secretary)
        html = client.get(reverse("web:manage")).content.decode()
        home = client.get("/").content.decode()
    assert "问题提醒" in html and '<span class="tile__count">2</span>' in html
    assert "问题提醒" in home and '<span class="tile__count">2</span>' in home


def test_list_filters_by_status_source_category_keyword_and_time(client, tree, secretary):
    resident = resident_of(tree.comm_a1)
    with time_machine.travel(T0, tick=False) as clock:
        old = helpers.letter(resident, content="楼道堆物严重，存在消防隐患。", category="safety").case
        clock.move_to(T0 + dt.timedelta(days=40))
        helpers.mention(actor=resident, community=tree.comm_a1, text="@居委 电梯又坏了")
        helpers.case(secretary, tree.comm_a1, title="独居老人探访", category="social")
        helpers.mention(actor=secretary, author=resident, community=tree.comm_a1, patrol_level="committee", text="群里说水管漏水")
        client.force_login(secretary)

        def titles(**params: str) -> list[str]:
            html = client.get(reverse("cases:list"), params).content.decode()
            return [c.title for c in Case.objects.all() if f">{c.title}<" in html]

        assert len(titles()) == 4
        assert titles(source="letter") == [old.title]
        assert titles(source="patrol_committee") == ["群里说水管漏水"]
        assert titles(category="social") == ["独居老人探访"]
        assert set(titles(category="none")) == {"@居委 电梯又坏了", "群里说水管漏水"}
        assert titles(q="消防") == [old.title]
        assert titles(status="unresolved_1_3m") == [old.title]
        assert titles(date_to=(T0 + dt.timedelta(days=1)).date().isoformat()) == [old.title]
        assert old.title not in titles(date_from=(T0 + dt.timedelta(days=39)).date().isoformat())
        html = client.get(reverse("cases:list")).content.decode()
    for label in ("24小时未回应", "1-3个月未解决", "3-6个月未解决", "超过6个月未解决", "来自人民信箱", "来自居委巡查",
                  "来自街镇巡查", "来自区巡查", "经济发展", "建设管理", "社会发展", "平安建设", "社区建设"):
        assert label in html, label
    assert 'data-testid="overdue-marker">1-3个月未解决<' in html


@pytest.mark.parametrize("data", [
    None,  # the list as it opens: drawn once per process
    {"status": "overdue", "source": "letter", "category": "none", "q": "漏水", "date_from": "2026-01-01"},
    {"status": "bogus", "category": "<b>", "q": "长" * 60, "date_from": "xx", "date_to": "2026-02-30"},  # invalid
])
def test_the_filter_form_draws_its_widgets_as_django_draws_them(data):
    """The Jinja2 widget renderer (common/jinja.py) and the kept empty form give Django's own markup:
    the same names, ids, selected options, values and aria-invalid on a bad value."""
    from django.forms.renderers import DjangoTemplates

    from shequtong.cases.forms import CaseFilterForm

    ours, django = CaseFilterForm(data), CaseFilterForm(data, renderer=DjangoTemplates())
    if data:  # as the view does: a bound form is validated before it is drawn
        ours.to_filter()
        django.to_filter()
    expected = {name: str(django[name]) for name in CaseFilterForm.SHOWN}
    assert ours.widgets() == expected
    if not data:
        assert CaseFilterForm(data).widgets() == expected  # the kept drawing
        assert '<option value="" selected>全部状态</option>' in expected["status"]
    elif data["status"] == "bogus":
        assert 'aria-invalid="true"' in expected["status"] and 'aria-invalid="true"' in expected["date_from"]
        assert "<option value=\"\" selected>" not in expected["status"]
    else:
        assert '<option value="overdue" selected>全部逾期</option>' in expected["status"]
        assert 'value="漏水"' in expected["q"]


def test_detail_requires_a_category_for_a_mention_then_offers_actions(client, tree, secretary):
    case = helpers.mention(actor=resident_of(tree.comm_a1), community=tree.comm_a1)
    client.force_login(secretary)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="category-form"' in html and 'data-testid="handle"' not in html
    client.post(reverse("cases:set_category", args=[case.pk]), {"category": "community"})
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="handle"' in html and "受理" in html
    client.post(reverse("cases:act", args=[case.pk]), {"action": "reply", "note": "已安排物业维修"})
    client.post(reverse("cases:act", args=[case.pk]), {"action": "resolve", "note": "电梯已修好"})
    case.refresh_from_db()
    assert case.status == "resolved"
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已安排物业维修" in html and "电梯已修好" in html


def test_an_illegal_action_from_the_page_shows_a_message_and_changes_nothing(client, tree, secretary):
    case = helpers.case(secretary, tree.comm_a1)
    client.force_login(secretary)
    response = client.post(reverse("cases:act", args=[case.pk]), {"action": "close"}, follow=True)
    assert "不能关闭" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "new"


def test_escalation_from_the_page_shows_the_delivery_state(client, tree, secretary):
    case = helpers.handle(secretary, helpers.case(secretary, tree.comm_a1), "accept")
    client.force_login(secretary)
    client.post(reverse("cases:act", args=[case.pk]), {"action": "escalate", "note": "需住建部门"})
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="send-state">待送达网格化<' in html and "已上报网格化" in html


def test_the_raiser_follows_and_rates_from_my_cases(client, tree, secretary):
    resident = resident_of(tree.comm_a1)
    letter_case = helpers.letter(resident).case
    mention_case = helpers.mention(actor=resident, community=tree.comm_a1, text="@居委 快递柜占了消防通道")
    helpers.handle(secretary, letter_case, "accept", "resolve")
    client.force_login(resident)
    assert "我的问题" in client.get(reverse("accounts:me")).content.decode()
    html = client.get(reverse("cases:mine"), {"source": "letter"}).content.decode()
    assert letter_case.title in html and mention_case.title not in html and 'data-testid="rate-link"' in html
    html = client.get(reverse("cases:detail", args=[letter_case.pk])).content.decode()
    assert 'data-testid="rating-form"' in html and 'data-testid="handle"' not in html
    client.post(reverse("cases:rate", args=[letter_case.pk]), {"stars": "5", "feedback": "非常满意"})
    assert CaseRating.objects.get().stars == 5
    html = client.get(reverse("cases:mine")).content.decode()
    assert "★" in html
    # A second rating is refused with a message.
    response = client.post(reverse("cases:rate", args=[letter_case.pk]), {"stars": "1"}, follow=True)
    assert "您已评价过该问题" in response.content.decode() and CaseRating.objects.count() == 1


def test_ratings_pages_at_each_level(client, tree, secretary):
    staff_a2 = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2)
    staff_b1 = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)

    def rated(staff, community, stars, feedback=""):  # type: ignore[no-untyped-def]
        resident = resident_of(community)
        c = helpers.handle(staff, helpers.letter(resident, community).case, "accept", "resolve")
        services.rate_case(actor=resident, case_id=c.pk, stars=stars, feedback=feedback)

    rated(secretary, tree.comm_a1, 5, "很满意")
    rated(secretary, tree.comm_a1, 4)
    rated(staff_a2, tree.comm_a2, 2, "太慢了")
    rated(staff_b1, tree.comm_b1, 3)
    # The committee: each rating and its average.
    client.force_login(secretary)
    html = client.get(reverse("cases:ratings")).content.decode()
    assert 'data-testid="average">4.5<' in html and html.count('data-testid="rating-item"') == 2 and "很满意" in html
    # The subdistrict: the figures per community moved to the observer room (tests/observe/test_drills.py);
    # this address leads there, and keeps each community's ratings (the drill-down's leaf).
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    assert client.get(reverse("cases:ratings")).url == reverse("observe:ratings")
    html = client.get(reverse("cases:ratings"), {"community": tree.comm_a2.pk}).content.decode()
    assert "太慢了" in html and 'data-testid="average">2.0<' in html
    assert f'href="{reverse("observe:ratings")}?subdistrict={tree.sub_a.pk}"' in html  # back to the drill-down
    assert client.get(reverse("cases:ratings"), {"community": tree.comm_b1.pk}).status_code == 404
    # The district: every rating with feedback, and one subdistrict's.
    client.force_login(make_with_role(Role.DISTRICT_OBSERVER))
    html = client.get(reverse("cases:ratings"), {"all": "1"}).content.decode()
    assert html.count('data-testid="rating-item"') == 4 and "很满意" in html and "太慢了" in html
    assert 'data-testid="average">3.5<' in html
    html = client.get(reverse("cases:ratings"), {"all": "1", "subdistrict": tree.sub_a.pk}).content.decode()
    assert html.count('data-testid="rating-item"') == 3 and 'data-testid="average">3.7<' in html


def test_export_is_xlsx_masked_and_audited(client, tree, secretary):
    resident = resident_of(tree.comm_a1)
    resident.real_name = "李秀英"
    resident.save()
    helpers.letter(resident, content="老年活动室空调坏了", category="social")
    helpers.case(secretary, tree.comm_a1)
    client.force_login(secretary)
    response = client.get(reverse("cases:export"), {"category": "social"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "标题", "内容") and len(rows) == 2
    flat = " ".join(str(v) for v in rows[1])
    assert "李*英" in flat and "李秀英" not in flat and resident.phone not in flat
    event = AuditEvent.objects.get(action="export")
    assert event.actor == secretary and event.detail["rows"] == 1 and event.detail["filters"] == {"category": "social"}


def test_case_list_pages_keep_a_flat_query_count(client, tree, secretary, django_assert_max_num_queries):
    resident = resident_of(tree.comm_a1)
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    first = helpers.handle(secretary, helpers.letter(resident).case, "accept", "resolve")
    services.rate_case(actor=resident, case_id=first.pk, stars=5)
    pages = [(secretary, reverse("cases:list")), (observer, reverse("cases:list")), (resident, reverse("cases:mine")),
             (secretary, reverse("cases:ratings")), (observer, reverse("cases:ratings") + "?all=1")]
    small = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)  # the session's first-request writes are not the page's queries
        with django_assert_max_num_queries(40) as q:
            assert client.get(url).status_code == 200
        small.append(len(q.captured_queries))
    for i in range(10):
        c = helpers.handle(secretary, helpers.letter(resident).case, "accept", "escalate" if i % 2 else "resolve")
        if c.status == "resolved":
            services.rate_case(actor=resident, case_id=c.pk, stars=4)
        helpers.mention(actor=resident, community=tree.comm_a1)
    for (user, url), n in zip(pages, small, strict=True):
        client.force_login(user)
        client.get(url)
        # + the pager's one COUNT, asked only once a list no longer fits on one page (common/pagination.py).
        with django_assert_max_num_queries(n + 1):
            client.get(url)


def test_residents_cannot_open_case_lists(client, tree):
    client.force_login(resident_of(tree.comm_a1))
    for name in ("cases:list", "cases:export", "cases:ratings"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_home_open_count_follows_the_residents_cases(client, tree, secretary):
    """The resident home's 我的待办 count is kept (common/versioned.py): raising and resolving move it on."""
    resident = resident_of(tree.comm_a1)
    client.force_login(resident)
    assert "我的待办" not in client.get("/").content.decode()  # none open: kept as 0
    raised = helpers.letter(resident).case
    assert "我的待办：1件处理中" in client.get("/").content.decode()
    helpers.handle(secretary, raised, "accept", "resolve")
    assert "我的待办" not in client.get("/").content.decode()


def test_case_list_pager_counts_the_cases_alone(client, tree, secretary):
    """Issue 11: the committee list's total is a COUNT over cases_case by community (index case_comm_status),
    without the joins of the rows' community, raiser and rating."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(23):
        helpers.case(secretary, tree.comm_a1, title=f"问题{i}", category="social" if i < 2 else "construction")
    helpers.case(make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1), tree.comm_b1)  # another community's
    client.force_login(secretary)
    client.get(reverse("cases:list"))
    for params, total in [({}, 23), ({"category": "construction"}, 21)]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("cases:list"), params).content.decode()
        assert f"共 {total} 个问题" in html
        counts = [q["sql"] for q in ctx.captured_queries
                  if q["sql"].startswith("SELECT COUNT(*)") and 'FROM "cases_case"' in q["sql"]]
        assert len(counts) == 1 and "JOIN" not in counts[0] and '"community_id" IN' in counts[0], counts
