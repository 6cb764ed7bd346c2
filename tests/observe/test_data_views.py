"""数据 (OB-2) pages: six themes in the specification's order, drill-down, scope, period, and the XLSX of each theme."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.accounts.models import AuditEvent
from shequtong.observe import figures

from .conftest import World

pytestmark = pytest.mark.django_db

URL = reverse("web:data")
EXPORT = reverse("web:data_export")
ORDER = ["宝山用户数据", "综合信息", "思想阵地", "问题解决", "自治共治", "新成员审核及时率"]


def get(client, user, **params):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(URL, params)


def test_six_themes_in_the_specifications_order(client, world: World):
    html = get(client, world.district).content.decode()
    nav = html[html.index('class="obs-themes"'):html.index("</nav>")]
    assert re.findall(r'data-testid="theme-\w+">([^<]+)</a>', nav) == ORDER
    assert [str(label) for label, _f in figures.THEMES.values()] == ORDER


@pytest.mark.parametrize("theme", list(figures.THEMES))
def test_every_theme_draws_at_every_level(client, world: World, theme: str, tree):  # type: ignore[no-untyped-def]
    for params in ({}, {"subdistrict": tree.sub_a.pk}, {"community": tree.comm_a1.pk}):
        response = get(client, world.district, theme=theme, period="90", **params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="obs-chart-data"' in html and "合计" in html


def test_district_rows_open_the_subdistrict_and_its_communities(client, world: World, tree):  # type: ignore[no-untyped-def]
    html = get(client, world.district, theme="posts", period="90").content.decode()
    assert f"subdistrict={tree.sub_a.pk}" in html and tree.sub_a.name in html
    html = get(client, world.district, theme="posts", period="90", subdistrict=tree.sub_a.pk).content.decode()
    assert f"community={tree.comm_a1.pk}" in html
    assert tree.comm_b1.name not in html  # another subdistrict's community
    assert '<span aria-current="location">友谊路街道</span>' in html  # the breadcrumb


def test_outside_the_scope_is_not_found_and_never_counted(client, world: World, tree):  # type: ignore[no-untyped-def]
    assert get(client, world.sub_a, subdistrict=tree.sub_b.pk).status_code == 404
    assert get(client, world.sub_a, community=tree.comm_b1.pk).status_code == 404
    assert get(client, world.sub_a, community="x").status_code == 404
    html = get(client, world.sub_a, theme="posts", period="90").content.decode()
    assert tree.sub_b.name not in html
    client.force_login(world.sub_a)
    assert client.get(EXPORT, {"theme": "cases", "subdistrict": tree.sub_b.pk}).status_code == 404


def test_residents_and_staff_are_refused(client, world: World):
    assert client.get(URL).status_code == 302
    for user in (world.resident, world.staff):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(EXPORT).status_code == 403


def test_unknown_theme_is_not_found_and_unknown_period_falls_back(client, world: World):
    assert get(client, world.district, theme="nope").status_code == 404
    html = get(client, world.district, period="9999").content.decode()
    assert 'obs-chip obs-chip--on" href="?theme=users&amp;period=30"' in html


@pytest.mark.parametrize("theme", list(figures.THEMES))
def test_the_export_matches_the_page(client, world: World, theme: str, tree):  # type: ignore[no-untyped-def]
    client.force_login(world.district)
    params = {"theme": theme, "period": "365", "subdistrict": tree.sub_a.pk}
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = list(wb.worksheets[0].iter_rows(values_only=True))
    place = figures.place_for(world.district, subdistrict_id=tree.sub_a.pk)
    t = figures.theme(theme, place, figures.period_of("365"))
    assert sheet[2] == (t.place.child_label, *[c.label for c in t.columns])
    body = {row[0]: row[1:] for row in sheet[3:]}
    for row in [*t.rows, t.total]:
        assert body[row.name] == tuple("—" if v is None else v for v in row.cells(t.columns))
    assert [ws.title for ws in wb.worksheets[1:]] == [c.title[:31] for c in t.charts]
    page = client.get(URL, params).content.decode()
    for row in t.shown_rows:
        assert row.name in page
    assert AuditEvent.objects.filter(action="export", detail__what=f"observe_data:{theme}").exists()


@pytest.mark.parametrize("theme", list(figures.PIVOTS))
def test_pivot_themes_draw_and_export(client, world: World, theme: str, tree):  # type: ignore[no-untyped-def]
    client.force_login(world.sub_a)
    for params in ({}, {"community": tree.comm_a1.pk}):
        response = client.get(reverse("web:pivot"), {"theme": theme, **params})
        assert response.status_code == 200
        assert "数据透视" in response.content.decode()
    assert client.get(EXPORT, {"theme": theme}).status_code == 200
    assert client.get(reverse("web:pivot"), {"theme": "users"}).status_code == 404  # 数据's themes stay in 数据
    assert client.get(reverse("web:pivot"), {"community": tree.comm_b1.pk}).status_code == 404


def test_the_drill_table_rows_and_the_chart_tables_come_from_their_jinja2_loops(client, world: World):  # type: ignore[no-untyped-def]
    """The rows of the drill-down table and of each chart's table are rendered by observe/jinja2 fragments: a row per
    child with its figures as the Django filter writes them (— for no basis), the total, and an empty table's row."""
    html = get(client, world.district, theme="cases", period="30").content.decode()
    table = html[html.index('data-testid="drill-table"'):html.index("</table>", html.index('data-testid="drill-table"'))]
    rows = re.findall(r'<tr data-testid="drill-row"><td>(.*?)</td>((?:<td class="num">[^<]*</td>)+)</tr>\n  ', table)
    assert rows
    assert all(len(re.findall("<td", cells)) == 10 for _n, cells in rows)  # the cases theme's ten columns
    assert all(re.fullmatch(r"(<td class=\"num\">(\d+|\d+\.\d%?|—)</td>)+", cells) for _n, cells in rows)
    assert '<tr class="obs-total"><td>合计</td>' in table
    assert re.search(r"<tbody><tr><td>[^<]+</td><td class=\"num\">\d+</td>", html)  # a chart's table rows
    # A theme with nothing to show (this world's users rollups are empty): the one row spans the name and the columns.
    empty = get(client, world.district, theme="users", period="7").content.decode()
    assert '<tbody>\n  <tr><td colspan="11" class="muted">暂无数据</td></tr>\n  <tr class="obs-total">' in empty
