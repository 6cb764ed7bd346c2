"""Issue 12 item 15: 农委 and 社会组织服务中心 no longer read every letter, visit and post.

Their jobs (spec §3.5.2.8: run the district 乡村振兴 board; §3.5.2.9: follow the
social organisations' public-benefit projects) need neither residents' letters,
nor visit records, nor the community boards, nor the observer drill-down. They
keep their own capabilities (`rural_admin`, `service_centre`) and the observer
version's home page. docs/security.md records the decision.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts import scope
from shequtong.accounts.roles import Role
from shequtong.boards.policies import access_post
from shequtong.common.errors import NotFound
from shequtong.letters.policies import access_letter
from shequtong.visits.policies import access_visit

from ..factories import make_with_role
from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[(Role.RURAL_ADMIN, "district"), (Role.SERVICE_CENTRE, "district"),
                        (Role.SERVICE_CENTRE, "sub_a")], ids=["rural-district", "centre-district", "centre-subdistrict"])
def narrow(request, tree):  # type: ignore[no-untyped-def]
    role, where = request.param
    return make_with_role(role, None if where == "district" else tree.sub_a)


def test_they_read_no_letter_visit_or_post(world: World, narrow):
    for access, thing in ((access_letter, world.letter_a), (access_visit, world.visit_a), (access_post, world.post_a),
                          (access_post, world.council_a)):
        with pytest.raises(NotFound):
            access(narrow, thing.pk)
    # The district observer still reads them all (the narrowing is these two roles only).
    for access, thing in ((access_letter, world.letter_a), (access_visit, world.visit_a), (access_post, world.post_a)):
        access(world.district, thing.pk)


def test_they_keep_their_own_capability_and_lose_observe(narrow):
    own = "rural_admin" if scope.has_capability(narrow, "rural_admin") else "service_centre"
    assert scope.has_capability(narrow, own)
    for capability in ("observe", "patrol", "observe_chats", "observer_letters"):
        assert not scope.has_capability(narrow, capability)


def test_the_observer_pages_refuse_them_and_their_home_still_opens(client, world: World, narrow):
    client.force_login(narrow)
    for name in ("observe:search", "letters:observe", "web:observe", "web:data"):
        assert client.get(reverse(name), {"q": "楼道"}).status_code == 403, name
    assert client.get("/api/v1/observe/search", {"q": "楼道"}).status_code == 403
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    html = home.content.decode()
    assert reverse("letters:observe") not in html and reverse("observe:search") not in html
