"""The apps' drill-downs on observe's one component: 人民信箱 and 面对面 per level, attention order, zeros
folded, breadcrumb back, rows opening the next level or the app's list, old addresses redirecting, scope."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Count, Sum
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.letters.models import Letter
from shequtong.observe import drills, figures

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db


def _letters(tree):  # type: ignore[no-untyped-def]
    for c, n in ((tree.comm_a1, 1), (tree.comm_a2, 3), (tree.comm_b1, 2)):
        writer = resident_of(c)
        for _ in range(n):
            helpers.letter(writer, c, category="economy")


def test_letters_every_level_equals_the_letters(tree):  # type: ignore[no-untyped-def]
    _letters(tree)
    district = make_with_role(Role.DISTRICT_OBSERVER)
    period = drills.period_all()
    top = drills.letters(figures.place_for(district), period)
    assert [(r.key, r.values["letters"]) for r in top.rows] == [(tree.sub_a.pk, 4), (tree.sub_b.pk, 2)]
    assert top.total.values["letters"] == Letter.objects.count() == 6
    sub = drills.letters(figures.place_for(district, subdistrict_id=tree.sub_a.pk), period)
    # Most letters first: comm_a2 (3) before comm_a1 (1), whatever their ids.
    assert [(r.key, r.values["letters"], r.values["share"]) for r in sub.rows] == [
        (tree.comm_a2.pk, 3, 75.0), (tree.comm_a1.pk, 1, 25.0)]
    community = drills.letters(figures.place_for(district, community_id=tree.comm_a2.pk), period)
    by_estate = {r.key: r.values["letters"] for r in community.rows}
    expected: dict[int | None, int] = {}
    for e in Letter.objects.filter(community=tree.comm_a2).values_list("estate_id", flat=True):
        expected[e] = expected.get(e, 0) + 1
    assert {k: v for k, v in by_estate.items() if v} == expected
    assert community.total.values["letters"] == 3
    # An estate opens the community's letters filtered to it (the app's list stays the leaf).
    assert community.row_link is not None
    assert community.row_link(community.rows[0]).startswith(reverse("letters:observe_community", args=[tree.comm_a2.pk]))


def test_the_page_folds_zeros_links_down_and_back(client, tree):  # type: ignore[no-untyped-def]
    writer = resident_of(tree.comm_a2)
    helpers.letter(writer, tree.comm_a2, category="economy")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    client.force_login(observer)
    html = client.get(reverse("observe:letters"), {"subdistrict": tree.sub_a.pk}).content.decode()
    shown = re.findall(r'data-testid="drill-row"><td><a class="linkish" href="([^"]+)">([^<]+) ›', html)
    assert [name for _h, name in shown] == [tree.comm_a2.name]
    assert f"community={tree.comm_a2.pk}" in shown[0][0]
    folded = html.split('data-testid="folded"')[1]
    assert tree.comm_a1.name in folded  # no letters: folded away
    crumbs = html.split('class="obs-crumbs"')[1].split("</nav>")[0]
    assert "全区" not in crumbs and "辖区" in crumbs and tree.sub_a.name in crumbs
    assert "按问题分类" in html and reverse("letters:observe_category", args=["economy"]) in html
    # Another subdistrict's community: not found, like a missing one.
    assert client.get(reverse("observe:letters"), {"community": tree.comm_b1.pk}).status_code == 404
    assert client.get(reverse("observe:visits"), {"subdistrict": tree.sub_b.pk}).status_code == 404
    # The export is the same table.
    response = client.get(reverse("web:data_export"), {"theme": "letters", "subdistrict": tree.sub_a.pk, "period": "all"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_old_addresses_redirect_to_the_observer_room(client, tree):  # type: ignore[no-untyped-def]
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    cases = [
        (reverse("letters:observe"), reverse("observe:letters")),
        (reverse("letters:observe_subdistrict", args=[tree.sub_a.pk]), f"{reverse('observe:letters')}?subdistrict={tree.sub_a.pk}"),
        (reverse("visits:observe"), reverse("observe:visits")),
        (reverse("visits:observe_subdistrict", args=[tree.sub_a.pk]), f"{reverse('observe:visits')}?subdistrict={tree.sub_a.pk}"),
    ]
    for old, new in cases:
        response = client.get(old)
        assert response.status_code == 302 and response.url == new
    assert client.get(reverse("letters:observe_subdistrict", args=[tree.sub_b.pk])).status_code == 404


def test_visits_rows_open_the_records_list(client, tree):  # type: ignore[no-untyped-def]
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    t = drills.visits(figures.place_for(observer, subdistrict_id=tree.sub_a.pk), drills.period_all())
    assert t.row_link is not None
    assert t.row_link(t.rows[0]) == f"{reverse('visits:observe_list')}?community={t.rows[0].key}"
    client.force_login(observer)
    html = client.get(reverse("observe:visits")).content.decode()
    assert "记录总数（已通过/已归档）" in html and 'class="visit-filters"' in html


# --- 评分 (问题跟踪 CT-7): the case patrol's drill-down ------------------------------------------------

def _rate(tree):  # type: ignore[no-untyped-def]
    """Ratings in comm_a1 (5, 4; the 4 rated 40 days ago), comm_a2 (2) and comm_b1 (3, 1); a fourth community
    of A without ratings. Returns that community."""
    from shequtong.cases import services as case_services
    from shequtong.cases.models import CaseRating
    from shequtong.places.models import Community

    quiet = Community.objects.create(subdistrict=tree.sub_a, name="泰和新城居委", kind="urban")
    for community, stars in ((tree.comm_a1, 5), (tree.comm_a1, 4), (tree.comm_a2, 2), (tree.comm_b1, 3), (tree.comm_b1, 1)):
        staff = make_with_role(Role.COMMITTEE_STAFF, community)
        raiser = resident_of(community)
        case = helpers.handle(staff, helpers.letter(raiser, community).case, "accept", "resolve")
        case_services.rate_case(actor=raiser, case_id=case.pk, stars=stars)
    CaseRating.objects.filter(community=tree.comm_a1, stars=4).update(created_at=clock.now() - dt.timedelta(days=40))
    return quiet


def _expected(ratings, key):  # type: ignore[no-untyped-def]
    """{place id: (ratings, average)} counted directly over the rating rows."""
    out: dict[int, tuple[int, float]] = {}
    for row in ratings.order_by().values(key).annotate(n=Count("pk"), s=Sum("stars")):
        out[row[key]] = (row["n"], float((Decimal(row["s"]) / row["n"]).quantize(Decimal("0.1"), ROUND_HALF_UP)))
    return out


def test_ratings_every_level_equals_the_ratings(tree):  # type: ignore[no-untyped-def]
    from shequtong.cases.models import CaseRating

    quiet = _rate(tree)
    district = make_with_role(Role.DISTRICT_OBSERVER)
    for code in ("all", "30"):
        period = drills.period_of(code)
        source = CaseRating.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
        # The district: one row per subdistrict, lowest average first.
        top = drills.ratings(figures.place_for(district, capability="patrol"), period)
        expected = _expected(source, "subdistrict_id")
        assert {r.key: (r.values["ratings"], r.values["average"]) for r in top.rows} == expected
        assert [r.key for r in top.rows] == sorted(expected, key=lambda k: expected[k][1])
        assert top.total.values["ratings"] == source.count()
        # A subdistrict: its communities, lowest first; the one without ratings folded away.
        sub = drills.ratings(figures.place_for(district, subdistrict_id=tree.sub_a.pk, capability="patrol"), period)
        expected = _expected(source.filter(subdistrict=tree.sub_a), "community_id")
        assert {r.key: (r.values["ratings"], r.values["average"]) for r in sub.shown_rows} == expected
        assert [r.key for r in sub.shown_rows] == sorted(expected, key=lambda k: expected[k][1])
        assert quiet.pk in [r.key for r in sub.folded_rows]
        # The star distribution: the ratings counted per star.
        stars = dict(source.filter(subdistrict=tree.sub_a).values_list("stars").annotate(n=Count("pk")))
        assert sub.charts[0].series[0]["data"] == [stars.get(n, 0) for n in (1, 2, 3, 4, 5)]
        # A community is its own row (cases have no estate) and opens its rated cases, the leaf.
        one = drills.ratings(figures.place_for(district, community_id=tree.comm_a1.pk, capability="patrol"), period)
        assert [(r.values["ratings"], r.values["average"]) for r in one.rows] == [
            _expected(source.filter(community=tree.comm_a1), "community_id")[tree.comm_a1.pk]]
        assert one.row_link is not None
        assert one.row_link(one.rows[0]) == f"{reverse('cases:ratings')}?community={tree.comm_a1.pk}"
        assert sub.row_link is not None and sub.row_link(sub.rows[0]) == f"{reverse('cases:ratings')}?community={sub.rows[0].key}"
    # The period changes the figures: comm_a1's old 4 counts over all time only.
    assert CaseRating.objects.filter(community=tree.comm_a1).count() == 2


def _table(html):  # type: ignore[no-untyped-def]
    """The drill table's shown rows as (name, [cells])."""
    body = html.split('data-testid="drill-table"')[1].split("</table>")[0]
    out = []
    for row in re.findall(r'<tr data-testid="drill-row">(.*?)</tr>', body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out.append((re.sub(r"<[^>]+>|\s*›", "", cells[0]).strip(), [c.strip() for c in cells[1:]]))
    return out


def test_ratings_page_export_and_breadcrumb(client, tree):  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    _rate(tree)
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    html = client.get(reverse("observe:ratings"), {"subdistrict": tree.sub_a.pk}).content.decode()
    shown = _table(html)
    # comm_a2 (2.0) before comm_a1 (4.5); the community without ratings folded.
    assert shown == [(tree.comm_a2.name, ["2.0", "1"]), (tree.comm_a1.name, ["4.5", "2"])]
    assert "泰和新城居委" in html.split('data-testid="folded"')[1]
    assert f'href="{reverse("cases:ratings")}?community={tree.comm_a2.pk}"' in html
    crumbs = html.split('class="obs-crumbs"')[1].split("</nav>")[0]
    assert "辖区" in crumbs and tree.sub_a.name in crumbs
    assert 'id="ratings-stars"' in html and "星级分布" in html
    assert "近30天" in html  # the period picker
    # The export is the same table (every row, the folded ones with no figures), and the star sheet.
    response = client.get(reverse("web:data_export"), {"theme": "ratings", "subdistrict": tree.sub_a.pk, "period": "all"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    rows = [r for r in wb.worksheets[0].iter_rows(values_only=True) if any(v is not None for v in r)]
    head = rows.index(("居村委", "平均评分", "评价数"))
    table = [(name, [("—" if a == "—" else f"{a:.1f}"), str(n)]) for name, a, n in rows[head + 1:-1]]
    assert [r for r in table if r[1][1] != "0"] == shown
    assert rows[-1] == ("合计", round(11 / 3, 1), 3)
    stars = list(wb["星级分布"].iter_rows(values_only=True))
    assert stars[1:] == [("1星", 0), ("2星", 1), ("3星", 0), ("4星", 1), ("5星", 1)]


def test_ratings_audience_and_scope(client, tree, cast):  # type: ignore[no-untyped-def]
    _rate(tree)
    url = reverse("observe:ratings")
    # Outside the scope: not found, like a missing place; the figures of the other subdistrict never shown.
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    assert client.get(url, {"subdistrict": tree.sub_b.pk}).status_code == 404
    assert client.get(url, {"community": tree.comm_b1.pk}).status_code == 404
    assert client.get(reverse("web:data_export"), {"theme": "ratings", "community": tree.comm_b1.pk}).status_code == 404
    html = client.get(url).content.decode()
    assert [name for name, _c in _table(html)] == [tree.sub_a.name] and tree.sub_b.name not in html
    # Not the case patrol: residents, committee members, and the 系统管理员 (an observer, but not of cases), nor its export.
    for who in ("resident_a", "staff_a", "secretary_a", "sysadmin"):
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == 403, who
        assert client.get(reverse("web:data_export"), {"theme": "ratings"}).status_code == 403, who
    # Nor does the observers' drill view open it under another name.
    assert client.get(reverse("observe:letters"), {"theme": "ratings"}).status_code == 404


def test_the_old_ratings_address_redirects_after_the_scope_check(client, tree):  # type: ignore[no-untyped-def]
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    response = client.get(reverse("cases:ratings"))
    assert response.status_code == 302 and response.url == reverse("observe:ratings")
    response = client.get(reverse("cases:ratings"), {"subdistrict": tree.sub_a.pk})
    assert response.status_code == 302 and response.url == f"{reverse('observe:ratings')}?subdistrict={tree.sub_a.pk}"
    assert client.get(reverse("cases:ratings"), {"subdistrict": tree.sub_b.pk}).status_code == 404
    # The committee keeps its own list there; the patrol's tile and the case list's button lead to the drill-down.
    client.force_login(make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1))
    assert client.get(reverse("cases:ratings")).status_code == 200
    client.force_login(make_with_role(Role.DISTRICT_OBSERVER))
    assert f'href="{reverse("observe:ratings")}"' in client.get(reverse("cases:list")).content.decode()


def test_the_drill_and_its_leaf_write_the_same_average(client, tree):  # type: ignore[no-untyped-def]
    """17 stars over 4 ratings: 4.25, which both pages write as people round it (half up), not half to even."""
    from shequtong.cases import services as case_services

    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    for stars in (5, 4, 4, 4):
        raiser = resident_of(tree.comm_a1)
        case = helpers.handle(staff, helpers.letter(raiser, tree.comm_a1).case, "accept", "resolve")
        case_services.rate_case(actor=raiser, case_id=case.pk, stars=stars)
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    drill = _table(client.get(reverse("observe:ratings"), {"subdistrict": tree.sub_a.pk}).content.decode())
    leaf = client.get(reverse("cases:ratings"), {"community": tree.comm_a1.pk}).content.decode()
    shown = re.search(r'data-testid="average">([^<]+)<', leaf)
    assert shown is not None
    assert drill == [(tree.comm_a1.name, [shown.group(1), "4"])] and shown.group(1) == "4.3"
