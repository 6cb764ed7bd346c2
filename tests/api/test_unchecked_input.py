"""Issue 12, item 9: unchecked input answered 500; now a 4xx with a Chinese message, at the edge.

Run on SQLite and on PostgreSQL (`make test-pg`): NUL is a PostgreSQL failure
(it cannot store or compare ``\\x00`` in text), numbers beyond 2⁶³ fail on both.
"""

from __future__ import annotations

import json

import pytest

from shequtong.accounts.roles import Role
from shequtong.letters import selectors as letter_selectors

from ..factories import make_post, make_with_role, resident_of

pytestmark = pytest.mark.django_db
JSON = "application/json"
HUGE = 2**64


@pytest.fixture
def resident(client, tree):
    user = resident_of(tree.comm_a1)
    client.force_login(user)
    return user


def _refused(response, field: str) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


@pytest.mark.parametrize("url", [
    "/api/v1/letters/mine", "/api/v1/cases/mine", "/api/v1/chats/groups", "/api/v1/inbox/messages",
])
@pytest.mark.parametrize("offset", ["-1", str(HUGE)])
def test_list_offsets_out_of_range_are_refused(client, resident, url, offset):
    body = _refused(client.get(url, {"offset": offset}), "offset")
    assert "范围" in body["message"]


def test_limit_out_of_range_is_refused(client, resident):
    _refused(client.get("/api/v1/letters/mine", {"limit": str(HUGE)}), "limit")
    assert client.get("/api/v1/letters/mine", {"limit": "200", "offset": "0"}).status_code == 200


@pytest.mark.parametrize("url", [
    f"/api/v1/letters/{HUGE}", f"/api/v1/boards/posts/{HUGE}", f"/api/v1/cases/{HUGE}",
    f"/api/v1/chats/groups/{HUGE}", f"/api/v1/inbox/messages/{HUGE}",
])
def test_path_ids_beyond_64_bits_are_refused(client, resident, url):
    _refused(client.get(url), _path_field(url))


def _path_field(url: str) -> str:
    return {"letters": "letter_id", "posts": "post_id", "cases": "case_id", "groups": "group_id",
            "messages": "message_id"}[url.split("/")[-2]]


def test_query_ids_beyond_64_bits_are_refused(client, tree):
    observer = make_with_role(Role.DISTRICT_OBSERVER, tree.district)
    client.force_login(observer)
    _refused(client.get("/api/v1/cases/list", {"subdistrict_id": str(HUGE)}), "subdistrict_id")


def test_body_integers_beyond_64_bits_are_refused(client, resident):
    """Id lists and numbers in JSON bodies (subcategory_ids, capacity) stop at the parser."""
    letter = {"category": "economy", "subcategory_ids": [HUGE], "content": "菜场物价上涨过快，希望加强监管。"}
    body = _refused(client.post("/api/v1/letters/mine", json.dumps(letter), content_type=JSON), "0")
    assert body["errors"][0]["loc"] == ["body", "subcategory_ids", "0"]
    post = {"board": "neighbours", "title": "出借电钻", "body": "周末可借", "capacity": HUGE}
    _refused(client.post("/api/v1/boards/posts", json.dumps(post), content_type=JSON), "capacity")


def test_nul_in_api_text_is_refused(client, resident):
    letter = {"category": "economy", "content": "菜场物价\u0000上涨过快，希望加强监管。"}
    body = _refused(client.post("/api/v1/letters/mine", json.dumps(letter), content_type=JSON), "content")
    assert "空字符" in body["message"]
    assert not letter_selectors.my_letters(resident, "").exists()
    _refused(client.get("/api/v1/letters/mine", {"q": "\x00"}), "q")


@pytest.mark.parametrize("url", ["/letters/mine/", "/boards/", "/boards/b/neighbours/", "/inbox/", "/chats/"])
def test_nul_in_a_page_search_box_is_a_400_page(client, resident, url):
    response = client.get(url + "?q=%00")
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_nul_in_a_posted_page_form_is_a_400_page(client, resident, tree):
    post = make_post(resident, tree.comm_a1)
    response = client.post(f"/boards/posts/{post.pk}/reply/", "body=%E5%A5%BD%00",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


@pytest.mark.parametrize("url", [f"/boards/posts/{HUGE}/", f"/letters/{HUGE}/"])
def test_page_path_ids_beyond_64_bits_are_not_found(client, resident, url):
    assert client.get(url).status_code == 404


def test_api_500_has_no_traceback_even_in_debug(client, resident, settings, monkeypatch):
    settings.DEBUG = True

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/app")

    monkeypatch.setattr(letter_selectors, "my_letters", boom)
    client.raise_request_exception = False
    response = client.get("/api/v1/letters/mine")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "服务器出错，请稍后再试", "field": None}
    assert b"Traceback" not in response.content and b"secret" not in response.content
