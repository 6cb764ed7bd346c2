"""长辈模式 (issue 14): offered once to people aged 60+, switchable on the login page and at the top of
我的; the resident home with the latest notices and open items, and its simplified 长辈模式 version."""

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.accounts import services
from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.common.idcard import make_id_number

from ..cases import helpers as case_helpers
from ..factories import PASSWORD, make_post, make_with_role

pytestmark = pytest.mark.django_db


def years_ago(n: int, days: int = 0) -> dt.date:
    today = clock.today()
    return today.replace(year=today.year - n) - dt.timedelta(days=days)


def test_age_from_birth_date_or_id_number(tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1, birth_date=years_ago(60))
    assert services.age_of(user) == 60
    user.birth_date = years_ago(60) + dt.timedelta(days=1)  # the 60th birthday is tomorrow
    assert services.age_of(user) == 59
    user.birth_date = None
    user.id_number = make_id_number("310113", years_ago(72, days=3), 123)
    assert services.age_of(user) == 72
    user.id_number = "not a number"
    assert services.age_of(user) is None


def test_offered_once_to_people_aged_60_and_more(client, tree):
    elder = make_with_role(Role.RESIDENT, tree.comm_a1, birth_date=years_ago(68))
    young = make_with_role(Role.RESIDENT, tree.comm_a1, birth_date=years_ago(45))
    client.force_login(young)
    assert 'data-testid="elder-offer"' not in client.get("/").content.decode()
    client.force_login(elder)
    assert 'data-testid="elder-offer"' in client.get("/").content.decode()
    # "暂不开启": answered, not asked again, still in normal mode.
    response = client.post(reverse("accounts:elder_mode"), {"enabled": "0", "declined": "1", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    elder.refresh_from_db()
    assert elder.elder_mode_offered and not elder.elder_mode
    html = client.get("/").content.decode()
    assert 'data-testid="elder-offer"' not in html and 'class="elder' not in html


def test_offer_accepted_turns_elder_mode_on(client, tree):
    elder = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, birth_date=years_ago(61))
    client.force_login(elder)
    assert 'data-testid="elder-offer"' in client.get("/").content.decode()
    client.post(reverse("accounts:elder_mode"), {"enabled": "1", "next": "/"})
    elder.refresh_from_db()
    assert elder.elder_mode and elder.elder_mode_offered
    assert 'class="elder' in client.get("/").content.decode()


def test_next_must_stay_on_this_site(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(user)
    response = client.post(reverse("accounts:elder_mode"), {"enabled": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:me")


def test_switch_on_the_login_page_carries_into_the_account(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1, username="laozhang")
    login = reverse("accounts:login")
    assert 'data-testid="elder-switch"' in client.get(login).content.decode()
    response = client.post(reverse("accounts:elder_mode"), {"enabled": "1"})
    assert response.status_code == 302 and response["Location"] == login
    user.refresh_from_db()
    assert not user.elder_mode  # nothing is written for a signed-out visitor: a cookie only
    assert 'class="elder' in client.get(login).content.decode()
    client.post(login, {"username": "laozhang", "password": PASSWORD})
    user.refresh_from_db()
    assert user.elder_mode and user.elder_mode_offered


def test_switch_is_at_the_top_of_me(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(user)
    html = client.get(reverse("accounts:me")).content.decode()
    assert html.index('data-testid="elder-switch"') < html.index("个人信息")


def test_resident_home_lists_latest_notices_and_open_items_above_the_grid(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    other = make_with_role(Role.RESIDENT, tree.comm_b1)
    make_post(staff, tree.comm_a1, board="notice", title="二次供水水箱清洗通知", body="周六停水")
    make_post(make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1), tree.comm_b1, board="notice", title="乙社区通知", body="x")
    case_helpers.letter(resident, tree.comm_a1, category="community", content="楼道里堆满杂物，存在消防隐患。")
    case_helpers.letter(other, tree.comm_b1, category="community", content="别人的问题：路灯不亮。")
    client.force_login(resident)
    html = client.get("/").content.decode()
    assert "二次供水水箱清洗通知" in html and "乙社区通知" not in html
    assert "楼道里堆满杂物" in html and "别人的问题" not in html
    assert html.index('data-testid="home-notices"') < html.index('data-testid="home-open-items"') < html.index('class="tiles"')


def test_elder_home_offers_the_five_most_used_things(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, elder_mode=True)
    client.force_login(resident)
    html = client.get("/").content.decode()
    nav = html.split('data-testid="elder-home"')[1].split("</nav>")[0]
    for label in ("社区公告", "人民信箱", "互助", "信箱", "我的"):
        assert f"<span>{label}" in nav
    assert "更多服务" in html  # the full grid, one tap further
