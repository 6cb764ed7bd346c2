"""The benchmark's Django side: every operation's URL resolves, and SQL capture leaves the views working."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest
from django.test import Client

from shequtong.accounts.roles import Role

from ..factories import make_with_role

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import mix  # noqa: E402
import prepare  # noqa: E402

pytestmark = pytest.mark.django_db


def test_every_operation_of_the_mix_has_a_request_and_a_url():
    # A renamed URL fails here, telling whoever renamed it that the benchmark needs the new name.
    for op in mix.OPS:
        assert op.name in prepare.REQUESTS, op.name
        template = prepare.url_template(op.name)
        assert template is not None, op.name
        assert template.startswith("/")


def test_parameters_are_kept_as_plain_python():
    import datetime as dt

    from django.utils.translation import gettext_lazy

    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert prepare.plain([1, "a", when, memoryview(b"x"), (2, 3), gettext_lazy("标题")]) == [
        1, "a", when, b"x", [2, 3], "标题"]
    pickle.loads(pickle.dumps(prepare.plain([gettext_lazy("x")])))  # noqa: S301 - round trip of our own data


def test_capture_records_statements_and_returning_without_disturbing_the_view(tree):
    from django.db import connection

    from shequtong.boards import services as board_services

    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    post = board_services.create_post(actor=user, community_id=tree.comm_a1.pk, board="neighbours", title="楼道灯",
                                      body="楼道灯坏了")
    client = Client()
    client.force_login(user)
    rec = prepare.Recorder()
    with connection.execute_wrapper(rec):
        response = client.post(prepare.url_template("reply").replace("{post}", str(post.pk)),
                               prepare.REQUESTS["reply"]["form"])
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.reply_count == 1
    inserts = [st for st in rec.statements if st["sql"].lstrip().upper().startswith("INSERT")]
    assert inserts, rec.statements
    if connection.vendor == "postgresql":
        reply_insert = next(st for st in inserts if "boards_reply" in st["sql"])
        assert reply_insert["returning"] and reply_insert["returning"][0][0] == post.replies.get().pk
    assert not any(st["sql"].lstrip().upper().startswith("SAVEPOINT") for st in rec.statements)
