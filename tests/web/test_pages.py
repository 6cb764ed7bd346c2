"""The shell: each version lands on its home page; masked data; observer drill-down scope."""

import pytest
from django.urls import reverse

from shequtong.accounts import services
from shequtong.accounts.roles import Role

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def test_resident_home_shows_their_community_and_resident_tabs(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="张晓明")
    html = as_user(client, resident).get("/").content.decode()
    assert tree.comm_a1.name in html
    for tab in ("首页", "信箱", "我的"):
        assert f'weui-tabbar__label">{tab}<' in html
    assert "管理" not in html.split("weui-tabbar")[1]


def test_committee_home_has_manage_tab(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    html = as_user(client, secretary).get("/").content.decode()
    assert "工作台" in html and 'weui-tabbar__label">管理<' in html
    manage = client.get(reverse("web:manage")).content.decode()
    assert "新成员审核" in manage and "权限管理" in manage


def test_observer_home_has_four_tabs(client, tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    html = as_user(client, observer).get("/").content.decode()
    for tab in ("首页", "观察", "数据", "我的"):
        assert f'weui-tabbar__label">{tab}<' in html


def test_subdistrict_observer_sees_only_their_subdistrict(client, tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    as_user(client, observer)
    html = client.get(reverse("web:observe")).content.decode()
    assert tree.sub_a.name in html and tree.sub_b.name not in html
    assert client.get(reverse("web:observe_subdistrict", args=[tree.sub_a.pk])).status_code == 200
    assert client.get(reverse("web:observe_subdistrict", args=[tree.sub_b.pk])).status_code == 404
    assert client.get(reverse("web:observe_community", args=[tree.comm_a2.pk])).status_code == 200
    assert client.get(reverse("web:observe_community", args=[tree.comm_b1.pk])).status_code == 404


def test_me_page_masks_personal_data_and_reveal_is_logged(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="张晓明")
    html = as_user(client, resident).get(reverse("accounts:me")).content.decode()
    assert resident.id_number not in html and resident.phone not in html
    assert "张*明" in html and "张晓明" not in html
    assert resident.masked_phone in html and resident.masked_id_number in html
    html = client.post(reverse("accounts:reveal_mine")).content.decode()
    assert resident.id_number in html  # in the answer to the press only (issue 12 item 10)
    assert resident.id_number not in client.get(reverse("accounts:me")).content.decode()  # shown once


def test_review_queue_page_masks_and_approves(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    applicant = make_user(real_name="李秀英")
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    html = as_user(client, secretary).get(reverse("accounts:reviews")).content.decode()
    assert "李*英" in html and applicant.phone not in html and applicant.masked_phone in html
    client.post(reverse("accounts:review_action", args=[m.pk]), {"decision": "approve"})
    m.refresh_from_db()
    assert m.status == "approved"


def test_review_of_another_community_via_page_changes_nothing(client, tree):
    secretary_b = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    as_user(client, secretary_b).post(reverse("accounts:review_action", args=[m.pk]), {"decision": "approve"})
    m.refresh_from_db()
    assert m.status == "pending"


def test_elder_mode_persists(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    as_user(client, resident).post(reverse("accounts:elder_mode"), {"enabled": "1"})
    resident.refresh_from_db()
    assert resident.elder_mode
    assert 'class="elder' in client.get("/").content.decode()


def test_version_switch_without_logging_out(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    from ..factories import grant

    grant(user, Role.COMMITTEE_STAFF, tree.comm_a1)
    as_user(client, user)
    assert "居委版" in client.get("/").content.decode()
    client.post(reverse("accounts:switch_version"), {"version": "resident"})
    html = client.get("/").content.decode()
    assert "居民版" in html and 'weui-tabbar__label">信箱<' in html


def test_registration_page_flow_with_errors(client, tree):
    response = client.post(reverse("accounts:register"), {
        "real_name": "王小红", "id_number": "110105194912310021", "phone": "13912345678", "sms_code": "123456",
        "username": "wxh", "password": "Good#pass1", "password2": "Good#pass1",
    })
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()


def test_list_pages_keep_a_flat_query_count(client, tree, django_assert_max_num_queries):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    as_user(client, secretary)
    for _ in range(3):
        services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("accounts:reviews"))
    for _ in range(15):
        services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("accounts:reviews"))


def test_resident_inbox_tab_shows_the_unread_count(client, tree):
    from shequtong.inbox.services import send_system_message

    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    send_system_message(recipient=resident, subject="通知一", body="内容")
    send_system_message(recipient=resident, subject="通知二", body="内容")
    html = as_user(client, resident).get("/").content.decode()
    assert 'data-testid="unread-badge">2<' in html


def test_grant_form_offers_only_the_granters_places(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    html = as_user(client, secretary).get(reverse("accounts:grants")).content.decode()
    assert tree.sub_a.name in html and tree.sub_b.name not in html
    assert tree.comm_a1.name in html and tree.comm_b1.name not in html
    assert ">全区<" not in html


def test_an_organisation_sees_its_own_version_name_not_a_committees(client, cast):
    """社会组织 and 社会组织服务中心 are not committees nor observers (spec §3.4.3 item 3)."""
    as_user(client, cast.social_org)
    html = client.get("/").content.decode()
    assert 'data-testid="version-badge">社会组织</span>' in html and "居委版" not in html
    staff_too = make_with_role(Role.SOCIAL_ORG, cast.a)
    from ..factories import grant

    grant(staff_too, Role.COMMITTEE_STAFF, cast.a)
    as_user(client, staff_too)
    assert 'data-testid="version-badge">居委版</span>' in client.get("/").content.decode()
