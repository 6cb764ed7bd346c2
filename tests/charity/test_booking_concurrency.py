"""200 concurrent booking requests for 30 places: exactly 30 accepted (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from shequtong.accounts.roles import Role
from shequtong.charity import services
from shequtong.charity.models import BookingStatus, CharityProject, ServiceSlot, SlotBooking
from shequtong.common.errors import Conflict

from ..factories import grant, make_user
from .conftest import People, bookable

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"),
]

REQUESTS = 200
PLACES = 30
# Threads at once: PostgreSQL's 100 connections are shared with other test runs on this machine.
WORKERS = 40


def test_200_concurrent_requests_for_30_places_book_exactly_30(people: People):
    b = bookable(people, capacity=PLACES)
    residents = []
    for i in range(REQUESTS):
        user = make_user(username=f"booker{i}", real_name="预约人")
        grant(user, Role.RESIDENT, people.cast.a)
        residents.append(user.pk)
    from shequtong.accounts.models import User

    start = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(index: int) -> None:
        user = User.objects.get(pk=residents[index])
        if index < WORKERS:
            start.wait()  # the first wave leaves together
        try:
            services.book_slot(actor=user, slot_id=b.slot.pk)
            result = "ok"
        except Conflict:
            result = "full"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(book, range(REQUESTS)))
    assert len(outcomes) == REQUESTS
    assert outcomes.count("ok") == PLACES and outcomes.count("full") == REQUESTS - PLACES
    slot = ServiceSlot.objects.get(pk=b.slot.pk)
    assert slot.booked == PLACES
    assert SlotBooking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == PLACES
    assert SlotBooking.objects.filter(slot=slot).values("resident").distinct().count() == PLACES
    assert CharityProject.objects.get(pk=b.project.pk).bookings_count == PLACES
