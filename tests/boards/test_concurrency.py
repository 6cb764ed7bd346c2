"""One ballot per member even when two requests race (needs PostgreSQL's real concurrency)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from shequtong.boards import services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Ballot, Vote
from shequtong.common import clock
from shequtong.common.errors import Conflict

from ..factories import make_post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"),
]


def test_two_racing_ballots_from_one_member_count_once(tree, people):
    topic = make_post(people.resident, tree.comm_a1, Board.COUNCIL)
    vote = services.open_vote(actor=people.staff, post_id=topic.pk, question="q", options=["同意", "不同意"],
                              deadline=clock.now() + dt.timedelta(days=1))
    options = list(vote.options.all())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def cast(option_id: int) -> None:
        try:
            barrier.wait()
            services.cast_ballot(actor=people.neighbour, post_id=topic.pk, option_id=option_id)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=cast, args=(o.pk,)) for o in options]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Ballot.objects.filter(vote=vote, user=people.neighbour).count() == 1
    vote = Vote.objects.get(pk=vote.pk)
    assert vote.ballot_count == 1 and sum(o.ballot_count for o in vote.options.all()) == 1
