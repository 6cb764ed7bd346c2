"""人民信箱 pages: home, the form, 我的问题/建议 with search, detail with history, observer drill-down, sub-categories."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.letters.models import Letter, SubCategory

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db


def test_resident_home_shows_the_two_entries_and_the_tile(client, tree):
    resident = resident_of(tree.comm_a1)
    client.force_login(resident)
    assert 'href="/letters/"' in client.get("/").content.decode()
    html = client.get(reverse("letters:home")).content.decode()
    assert "我要提问题/建议" in html and "我的问题/建议" in html


def test_submit_through_the_form(client, tree):
    resident = resident_of(tree.comm_a1)
    client.force_login(resident)
    page = client.get(reverse("letters:new")).content.decode()
    for label in ("经济发展", "建设管理", "社会发展", "平安建设", "社区建设", "问题小类", "单选"):
        assert label in page
    sub = helpers.subcategory("safety", 2)
    response = client.post(reverse("letters:new"), {"kind": "problem", "category": "safety", "subcategories": [sub.pk],
                                                    "content": "晚上广场舞音响太吵，影响休息。"})
    letter = Letter.objects.get()
    assert response.status_code == 302 and response.url == reverse("letters:detail", args=[letter.pk])
    assert letter.author == resident and letter.case.category == "safety"


def test_the_form_keeps_input_and_shows_errors(client, tree):
    client.force_login(resident_of(tree.comm_a1))
    subs = [helpers.subcategory("safety", 0).pk, helpers.subcategory("safety", 1).pk]
    html = client.post(reverse("letters:new"), {"kind": "problem", "category": "safety", "subcategories": subs,
                                                "content": "晚上广场舞音响太吵"}).content.decode()
    assert "小类只能选择一个" in html and "晚上广场舞音响太吵" in html
    assert not Letter.objects.exists()


def test_committee_form_allows_several_subcategories(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    html = client.get(reverse("letters:new")).content.decode()
    assert "可多选" in html and 'type="checkbox" name="subcategories"' in html
    subs = [helpers.subcategory("community", 0).pk, helpers.subcategory("community", 3).pk]
    client.post(reverse("letters:new"), {"kind": "suggestion", "category": "community", "subcategories": subs,
                                         "content": "建议在小区增设电动车集中充电点。"})
    letter = Letter.objects.get()
    assert letter.by_committee and letter.subcategories.count() == 2


def test_observers_cannot_open_the_form(client, tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    client.force_login(observer)
    assert client.get(reverse("letters:new")).status_code == 403
    assert client.post(reverse("letters:new"), {"category": "safety"}).status_code == 403
    assert client.get(reverse("letters:home")).url == reverse("letters:observe")


def test_my_letters_with_status_search_and_create_button(client, tree):
    resident = resident_of(tree.comm_a1)
    helpers.letter(resident, content="路灯坏了好几天了")
    helpers.letter(resident, content="垃圾分类投放点太远", category="construction")
    helpers.letter(resident_of(tree.comm_a1), content="别人的路灯问题")
    client.force_login(resident)
    html = client.get(reverse("letters:mine")).content.decode()
    assert "路灯坏了好几天了" in html and "垃圾分类投放点太远" in html and "别人的路灯问题" not in html
    assert "待受理" in html and 'data-testid="create"' in html
    html = client.get(reverse("letters:mine"), {"q": "路灯"}).content.decode()
    assert "路灯坏了好几天了" in html and "垃圾分类投放点太远" not in html
    assert "没有找到" in client.get(reverse("letters:mine"), {"q": "不存在的词"}).content.decode()


def test_my_letters_show_their_sub_categories_in_order_and_fresh(client, tree, django_assert_max_num_queries):
    """The rows' 小类 come from one look at the links and the kept names (selectors.with_subcategory_names)."""
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)  # a committee's letter may have several 小类
    first, second = SubCategory.objects.filter(category="construction", is_active=True).order_by("sort_order", "id")[:2]
    for i in range(13):
        helpers.letter(staff, content=f"第{i}个问题的内容", subs=[second.pk, first.pk], by_committee=True)
    client.force_login(staff)
    html = client.get(reverse("letters:mine")).content.decode()
    assert html.index(f'<span class="tag">{first.name}</span>') < html.index(f'<span class="tag">{second.name}</span>')
    first.name = "改名后的小类"
    first.is_active = False  # a letter keeps showing a sub-category retired since
    first.save()
    with django_assert_max_num_queries(12):
        html = client.get(reverse("letters:mine")).content.decode()
    assert html.count('<span class="tag">改名后的小类</span>') == 13


def test_detail_shows_history_and_lets_the_author_rate_once_resolved(client, tree):
    resident = resident_of(tree.comm_a1)
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    letter = helpers.letter(resident)
    client.force_login(resident)
    url = reverse("letters:detail", args=[letter.pk])
    assert "rating-form" not in client.get(url).content.decode()
    helpers.handle(staff, letter.case, "reply", note="明天派人查看")
    helpers.handle(staff, letter.case, "resolve", note="已修复")
    html = client.get(url).content.decode()
    assert "明天派人查看" in html and "已修复" in html and "已解决" in html and "rating-form" in html
    response = client.post(reverse("cases:rate", args=[letter.case.pk]), {"stars": "4", "feedback": "挺快的", "next": url})
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()
    assert "挺快的" in html and "rating-form" not in html


def test_another_residents_letter_is_not_found(client, tree):
    letter = helpers.letter(resident_of(tree.comm_a1))
    client.force_login(resident_of(tree.comm_a1))
    assert client.get(reverse("letters:detail", args=[letter.pk])).status_code == 404


def test_observer_drill_down_pages_and_scope(client, tree):
    for c, n in ((tree.comm_a1, 3), (tree.comm_a2, 1), (tree.comm_b1, 2)):
        writer = resident_of(c)
        for _ in range(n):
            helpers.letter(writer, c, category="economy")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    client.force_login(observer)
    html = client.get(reverse("observe:letters")).content.decode()
    assert tree.sub_a.name in html and tree.sub_b.name not in html
    assert 'data-testid="total-letters">4<' in html
    html = client.get(reverse("observe:letters"), {"subdistrict": tree.sub_a.pk}).content.decode()
    assert "75.0%" in html and "25.0%" in html
    html = client.get(reverse("letters:observe_category", args=["economy"])).content.decode()
    assert 'data-testid="total-letters">4<' in html
    html = client.get(reverse("letters:observe_community", args=[tree.comm_a1.pk])).content.decode()
    assert html.count('data-testid="letter-item"') == 3
    # Outside the subdistrict: not found.
    assert client.get(reverse("letters:observe_subdistrict", args=[tree.sub_b.pk])).status_code == 404
    assert client.get(reverse("letters:observe_community", args=[tree.comm_b1.pk])).status_code == 404
    other = Letter.objects.filter(community=tree.comm_b1).first()
    assert client.get(reverse("letters:detail", args=[other.pk])).status_code == 404
    mine = Letter.objects.filter(community=tree.comm_a1).first()
    assert "提出人" in client.get(reverse("letters:detail", args=[mine.pk])).content.decode()
    assert client.get(reverse("letters:observe_category", args=["nonsense"])).status_code == 404


def test_residents_cannot_open_the_observer_pages(client, tree):
    client.force_login(resident_of(tree.comm_a1))
    assert client.get(reverse("letters:observe")).status_code == 403
    assert client.get(reverse("letters:subcategories")).status_code == 403


def test_observer_pages_keep_a_flat_query_count(client, tree, django_assert_max_num_queries):
    district = make_with_role(Role.DISTRICT_OBSERVER)
    client.force_login(district)
    writer = resident_of(tree.comm_a1)
    helpers.letter(writer)
    urls = [reverse("observe:letters"), reverse("observe:letters") + f"?subdistrict={tree.sub_a.pk}",
            reverse("letters:observe_category", args=["construction"]),
            reverse("letters:observe_community", args=[tree.comm_a1.pk])]
    small = {}
    for url in urls:
        client.get(url)  # warm-up: the session's own writes are not the page's queries
        with django_assert_max_num_queries(30) as q:
            assert client.get(url).status_code == 200
        small[url] = len(q.captured_queries)
    for c in (tree.comm_a1, tree.comm_a2, tree.comm_b1):
        w = resident_of(c)
        for cat in ("construction", "safety", "economy"):
            helpers.letter(w, c, category=cat)
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(small[url]):
            client.get(url)


def test_my_letters_keeps_a_flat_query_count(client, tree, django_assert_max_num_queries):
    resident = resident_of(tree.comm_a1)
    client.force_login(resident)
    helpers.letter(resident)
    client.get(reverse("letters:mine"))
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("letters:mine"))
    n = len(small.captured_queries)  # read now: the next request resets the query log
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    for _ in range(8):
        helpers.handle(staff, helpers.letter(resident).case, "accept")
    client.get(reverse("letters:mine"))
    with django_assert_max_num_queries(n):
        client.get(reverse("letters:mine"))


def test_subcategory_admin_page(client, tree):
    admin = make_with_role(Role.SYSADMIN)
    client.force_login(admin)
    html = client.get(reverse("letters:subcategories")).content.decode()
    assert "道路交通与停车" in html
    client.post(reverse("letters:subcategories"), {"category": "economy", "name": "小微企业帮扶", "sort_order": 70, "is_active": "on"})
    assert SubCategory.objects.filter(category="economy", name="小微企业帮扶").exists()
    sub = SubCategory.objects.get(name="小微企业帮扶")
    client.post(reverse("letters:subcategories") + f"?edit={sub.pk}", {"category": "economy", "name": "小微企业服务", "sort_order": 70})
    sub.refresh_from_db()
    assert sub.name == "小微企业服务" and not sub.is_active


def test_case_list_shows_a_letter_with_its_source(client, tree):
    resident = resident_of(tree.comm_a1)
    letter = helpers.letter(resident)
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    client.force_login(staff)
    html = client.get(reverse("cases:list"), {"source": "letter"}).content.decode()
    assert letter.title in html and "人民信箱" in html
    case_services.handle_case(actor=staff, case_id=letter.case.pk, action="accept")
    assert "已受理" in client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
