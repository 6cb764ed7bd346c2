"""综合信息's daily rollup (boards.rollups, PostDay) is kept by every boards service that writes posts,
replies, reads or visibility, on the local day, in the transaction of the write."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction

from shequtong.boards import rollups, services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import PostDay, Read

from ..factories import make_post

pytestmark = pytest.mark.django_db

# 2026-11-01 16:30 UTC is 00:30 on 2 November in Shanghai: the post's local day is the 2nd.
AT = dt.datetime(2026, 11, 1, 16, 30, tzinfo=dt.UTC)


def table() -> dict[Any, dict[str, int]]:
    stored, _ids = rollups.stored()
    return {k: v for k, v in stored.items() if any(v.values())}


def agrees() -> dict[Any, dict[str, int]]:
    """The table equals what the posts, replies and reads say; returns it."""
    now = table()
    assert now == rollups.expected()
    return now


def test_every_service_keeps_the_day_rollup(tree, people, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(AT, tick=False)
    post = make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS, is_mutual_aid=True)
    key = (dt.date(2026, 11, 2), tree.comm_a1.pk, Board.NEIGHBOURS)
    assert agrees() == {key: {"posts": 1, "mutual_aid": 1, "replies": 0, "reads": 0}}
    assert PostDay.objects.get().subdistrict_id == tree.sub_a.pk

    # A reply the next local day counts on that day, on its post's board; a read counts on the post's day.
    time_machine.move_to(AT + dt.timedelta(days=1), tick=False)
    reply = services.reply_to(actor=people.neighbour, post_id=post.pk, body="我家也是")
    services.record_read(actor=people.neighbour, post_id=post.pk)
    services.record_read(actor=people.neighbour, post_id=post.pk)  # the same reader again: not counted twice
    next_day = (dt.date(2026, 11, 3), tree.comm_a1.pk, Board.NEIGHBOURS)
    assert agrees() == {key: {"posts": 1, "mutual_aid": 1, "replies": 0, "reads": 1},
                        next_day: {"posts": 0, "mutual_aid": 0, "replies": 1, "reads": 0}}

    # Hiding the post takes it, its 互助 tag and its reads out; its replies keep counting by their own visibility.
    services.hide_post(actor=people.secretary, post_id=post.pk, reason="广告")
    assert agrees() == {next_day: {"posts": 0, "mutual_aid": 0, "replies": 1, "reads": 0}}
    services.restore_post(actor=people.secretary, post_id=post.pk)
    assert agrees()[key] == {"posts": 1, "mutual_aid": 1, "replies": 0, "reads": 1}
    services.hide_reply(actor=people.secretary, reply_id=reply.pk, reason="广告")
    assert next_day not in agrees()
    services.restore_reply(actor=people.secretary, reply_id=reply.pk)
    assert agrees()[next_day]["replies"] == 1

    # A read of a hidden post (its committee may open it) moves with the post when it is restored.
    services.hide_post(actor=people.secretary, post_id=post.pk, reason="广告")
    assert services.record_read(actor=people.staff, post_id=post.pk)
    agrees()
    services.restore_post(actor=people.secretary, post_id=post.pk)
    assert agrees()[key]["reads"] == 2


def test_a_failed_write_leaves_the_rollup_as_it_was(tree, people):  # type: ignore[no-untyped-def]
    post = make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS)
    before = agrees()
    def failing_request() -> None:
        with transaction.atomic():
            services.reply_to(actor=people.neighbour, post_id=post.pk, body="回复")
            raise RuntimeError("the request failed after the reply")

    with pytest.raises(RuntimeError):
        failing_request()
    assert agrees() == before


def test_an_observer_outside_the_community_changes_nothing(tree, people):  # type: ignore[no-untyped-def]
    from shequtong.common.errors import NotFound, PermissionRefused

    post = make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS)
    before = agrees()
    for call in (lambda: services.hide_post(actor=people.outsider_staff, post_id=post.pk, reason="x"),
                 lambda: services.reply_to(actor=people.outsider, post_id=post.pk, body="x")):
        with pytest.raises((NotFound, PermissionRefused)):
            call()
    with pytest.raises(NotFound):  # outside their scope
        services.record_read(actor=people.sub_b_observer, post_id=post.pk)
    services.record_read(actor=people.sub_observer, post_id=post.pk)  # an observer browsing is not a reader
    assert agrees() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_racing_first_rows_and_a_hide_beside_reads_stay_exact(tree, people):  # type: ignore[no-untyped-def]
    """Reads racing each other to the day's row and racing a hide: the rollup still equals the rows."""
    from shequtong.common.errors import NotFound
    post = make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS)
    readers = [people.neighbour, people.party, people.staff, people.resident]
    barrier = threading.Barrier(len(readers) + 1)
    errors: list[BaseException] = []

    def run(fn: Any) -> None:
        try:
            barrier.wait()
            fn()
        except NotFound:
            pass  # a resident's read after the hide: the post is gone for them
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    jobs = [lambda u=u: services.record_read(actor=u, post_id=post.pk) for u in readers]
    jobs.append(lambda: services.hide_post(actor=people.secretary, post_id=post.pk, reason="广告"))
    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    agrees()
    services.restore_post(actor=people.secretary, post_id=post.pk)
    reads = Read.objects.filter(post=post).count()
    assert reads >= 1  # the author may read their hidden post: at least theirs counted
    assert agrees()[(rollups.day_of(post.created_at), tree.comm_a1.pk, Board.NEIGHBOURS)]["reads"] == reads
