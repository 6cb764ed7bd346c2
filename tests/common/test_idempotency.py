"""Issue 12, item 14: a repeated submit with the same idempotency key writes once and returns the first result.

The sequential tests run on SQLite and PostgreSQL; the concurrent one (50
identical letters at once, each on its own connection) needs PostgreSQL's row
locking and runs under `make test-pg`.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
from django.db import connection
from django.test import Client

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.boards.models import Post, Reply
from shequtong.cases.models import Case, CaseEvent
from shequtong.common.models import IdempotencyKey
from shequtong.letters.models import Letter

from ..cases import helpers
from ..factories import make_post, make_with_role, resident_of

JSON = "application/json"
LETTER = {"category": "economy", "content": "菜场物价上涨过快，希望加强监管。"}


def _letter_payload() -> dict:
    return {**LETTER, "subcategory_ids": [helpers.subcategory("economy").pk]}


@pytest.fixture
def resident(client, tree):
    user = resident_of(tree.comm_a1)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_api_letter_with_the_same_key_is_written_once(client, resident):
    payload = json.dumps(_letter_payload())
    first = client.post("/api/v1/letters/mine", payload, content_type=JSON, HTTP_IDEMPOTENCY_KEY="letter-key-0001")
    again = client.post("/api/v1/letters/mine", payload, content_type=JSON, HTTP_IDEMPOTENCY_KEY="letter-key-0001")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Letter.objects.filter(author=resident).count() == 1
    assert Case.objects.count() == 1
    other = client.post("/api/v1/letters/mine", payload, content_type=JSON, HTTP_IDEMPOTENCY_KEY="letter-key-0002")
    assert other.json()["id"] != first.json()["id"]
    assert client.post("/api/v1/letters/mine", payload, content_type=JSON).status_code == 201  # no key: as before
    assert Letter.objects.filter(author=resident).count() == 3


@pytest.mark.django_db
def test_a_malformed_key_is_refused_in_chinese(client, resident):
    response = client.post("/api/v1/letters/mine", json.dumps(_letter_payload()), content_type=JSON,
                           HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == 400
    assert response.json()["field"] == "idempotency_key" and "幂等键" in response.json()["message"]
    assert not Letter.objects.exists()


@pytest.mark.django_db
def test_a_form_content_type_without_boundary_is_no_server_error(client, resident):
    """Found by schemathesis (ST102): reading the key from request.POST parsed a JSON body as multipart."""
    response = client.post("/api/v1/letters/mine", json.dumps(_letter_payload()), content_type="multipart/form-data")
    assert response.status_code < 500


@pytest.mark.django_db
def test_a_failed_write_does_not_use_up_its_key(client, resident):
    bad = client.post("/api/v1/letters/mine", json.dumps({**LETTER, "subcategory_ids": []}), content_type=JSON,
                      HTTP_IDEMPOTENCY_KEY="retry-key-0001")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = client.post("/api/v1/letters/mine", json.dumps(_letter_payload()), content_type=JSON,
                       HTTP_IDEMPOTENCY_KEY="retry-key-0001")
    assert good.status_code == 201 and Letter.objects.count() == 1


@pytest.mark.django_db
def test_the_letter_form_renders_a_key_and_a_double_submit_writes_once(client, resident):
    page = client.get("/letters/new/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    assert key not in client.get("/letters/new/").content.decode()  # a fresh key per rendering
    form = {"category": "economy", "subcategories": [helpers.subcategory("economy").pk], "content": LETTER["content"],
            "kind": "problem", "idempotency_key": key}
    for _ in range(2):
        assert client.post("/letters/new/", form).status_code == 302
    assert Letter.objects.filter(author=resident).count() == 1


@pytest.mark.django_db
def test_post_and_reply_with_the_same_key_are_written_once(client, resident, tree):
    post = {"board": "neighbours", "title": "周末出借电钻", "body": "有需要的邻居请联系"}
    ids = {client.post("/api/v1/boards/posts", json.dumps(post), content_type=JSON,
                       HTTP_IDEMPOTENCY_KEY="post-key-0001").json()["id"] for _ in range(2)}
    assert len(ids) == 1 and Post.objects.filter(author=resident).count() == 1
    target = make_post(resident, tree.comm_a1)
    for _ in range(2):
        client.post(f"/api/v1/boards/posts/{target.pk}/replies", json.dumps({"body": "谢谢"}), content_type=JSON,
                    HTTP_IDEMPOTENCY_KEY="reply-key-0001")
    page = client.get(f"/boards/posts/{target.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):
        client.post(f"/boards/posts/{target.pk}/reply/", {"body": "好的", "idempotency_key": key})
    assert Reply.objects.filter(post=target).count() == 2


@pytest.mark.django_db
def test_a_case_action_with_the_same_key_is_recorded_once(client, tree):
    case = helpers.letter(resident_of(tree.comm_a1)).case
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    before = CaseEvent.objects.filter(case=case).count()
    for _ in range(2):
        response = client.post(f"/api/v1/cases/{case.pk}/actions", json.dumps({"action": "reply", "note": "已联系物业"}),
                               content_type=JSON, HTTP_IDEMPOTENCY_KEY="case-key-0001")
        assert response.status_code == 200
    page = client.get(f"/cases/{case.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):
        client.post(f"/cases/{case.pk}/act/", {"action": "reply", "note": "明天上门", "idempotency_key": key})
    assert CaseEvent.objects.filter(case=case).count() == before + 2


@pytest.mark.django_db(transaction=True)
def test_fifty_identical_letters_at_once_make_one_letter_and_one_case(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (make test-pg)")
    resident = resident_of(tree.comm_a1)
    _, token = account_services.create_api_token(actor=resident, name="twice", token_scope="write")
    payload = json.dumps(_letter_payload())
    n = 50
    barrier = threading.Barrier(n)
    answers: list[tuple[int, int | None]] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            r = Client().post("/api/v1/letters/mine", payload, content_type=JSON,
                              HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="fifty-at-once-0001")
            with lock:
                answers.append((r.status_code, r.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == n
    assert {status for status, _ in answers} == {201}
    assert len({letter_id for _, letter_id in answers}) == 1
    assert Letter.objects.filter(author=resident).count() == 1
    assert Case.objects.filter(letter__author=resident).count() == 1
    assert IdempotencyKey.objects.count() == 1
