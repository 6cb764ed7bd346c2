"""Overdue buckets at their boundaries (frozen clock), list markers, and reminders sent once per bucket (CT-3, CT-6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from shequtong.accounts.roles import Role
from shequtong.cases import overdue, selectors, services
from shequtong.cases.models import Case, OverdueReminder
from shequtong.inbox.models import Message
from shequtong.notifications.channels import ConsolePushChannel
from shequtong.notifications.models import Outbox

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


def in_bucket(case: Case, bucket: str) -> bool:
    """Both definitions agree: the SQL filter and the per-row marker; and any_q is the union of the buckets."""
    by_query = Case.objects.filter(overdue.q(bucket), pk=case.pk).exists()
    by_row = bucket in overdue.buckets_of(case)
    assert by_query == by_row, bucket
    any_bucket = Case.objects.filter(overdue.any_q(), pk=case.pk).exists()
    assert any_bucket == any(Case.objects.filter(overdue.q(b), pk=case.pk).exists() for b in overdue.Overdue.values)
    assert any_bucket == bool(overdue.buckets_of(case))
    return by_query


@pytest.fixture
def staff(tree):  # type: ignore[no-untyped-def]
    return make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)


@pytest.mark.parametrize(("bucket", "start", "end"), [
    ("no_response_24h", dt.timedelta(hours=24), None),
    ("unresolved_1_3m", 30 * DAY, 90 * DAY),
    ("unresolved_3_6m", 90 * DAY, 180 * DAY),
    ("unresolved_6m", 180 * DAY, None),
])
def test_bucket_boundaries(tree, staff, bucket, start, end):
    with time_machine.travel(T0, tick=False) as clock:
        case = helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + start - SECOND)
        assert not in_bucket(case, bucket)
        clock.move_to(T0 + start)
        assert in_bucket(case, bucket)
        if end is not None:
            clock.move_to(T0 + end - SECOND)
            assert in_bucket(case, bucket)
            clock.move_to(T0 + end)
            assert not in_bucket(case, bucket)


def test_a_response_ends_24h_unanswered_but_not_the_age_buckets(tree, staff):
    with time_machine.travel(T0, tick=False) as clock:
        case = helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + 2 * DAY)
        assert in_bucket(case, "no_response_24h")
        case = services.handle_case(actor=staff, case_id=case.pk, action="accept")
        assert not in_bucket(case, "no_response_24h")
        clock.move_to(T0 + 31 * DAY)
        assert in_bucket(case, "unresolved_1_3m")
        case = services.handle_case(actor=staff, case_id=case.pk, action="resolve", note="已解决")
        assert overdue.buckets_of(case) == []
        assert not Case.objects.filter(overdue.any_q()).exists()


def test_a_case_answered_within_24_hours_is_never_unanswered(tree, staff):
    with time_machine.travel(T0, tick=False) as clock:
        case = helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + dt.timedelta(hours=23))
        case = services.handle_case(actor=staff, case_id=case.pk, action="reply", note="收到")
        clock.move_to(T0 + 3 * DAY)
        assert not in_bucket(case, "no_response_24h")


def test_list_filter_by_each_bucket(tree, staff):
    with time_machine.travel(T0, tick=False) as clock:
        ages = {"fresh": 0, "day2": 2, "m2": 40, "m4": 100, "m7": 200}
        cases = {}
        for name, days in ages.items():
            clock.move_to(T0 - days * DAY)
            cases[name] = helpers.case(staff, tree.comm_a1, title=name)
        clock.move_to(T0)
        qs = selectors.cases_for(staff, "committee")

        def titles(status: str) -> set[str]:
            return set(selectors.filter_cases(qs, selectors.CaseFilter(status=status)).values_list("title", flat=True))

        assert titles("no_response_24h") == {"day2", "m2", "m4", "m7"}
        assert titles("unresolved_1_3m") == {"m2"}
        assert titles("unresolved_3_6m") == {"m4"}
        assert titles("unresolved_6m") == {"m7"}
        assert titles("overdue") == {"day2", "m2", "m4", "m7"}
        assert selectors.overdue_count(staff) == 4


def test_the_lists_bucket_counts_are_its_filters_counts_for_every_hat(tree, staff):
    """The chips' counts (one prepared aggregate) give what each bucket's filter lists, per scope."""
    other = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
    patrol_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    district = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(T0, tick=False) as clock:
        for days in (0, 2, 40, 40, 100, 200):
            clock.move_to(T0 - days * DAY)
            helpers.case(staff, tree.comm_a1)
            helpers.case(other, tree.comm_b1)
        helpers.handle(other, helpers.case(other, tree.comm_b1), "accept")  # answered: not 24 hours unanswered
        clock.move_to(T0)
        seen = {}
        for user, hat in ((staff, "committee"), (other, "committee"), (patrol_a, "patrol"), (district, "patrol")):
            base = selectors.cases_for(user, hat)
            expected = {b: selectors.filter_cases(base, selectors.CaseFilter(status=b), T0).count()
                        for b in overdue.Overdue.values}
            assert selectors.bucket_counts(user, hat, T0) == expected
            seen[(user.pk, hat)] = expected
        assert seen[(staff.pk, "committee")] == {"no_response_24h": 5, "unresolved_1_3m": 2, "unresolved_3_6m": 1,
                                                 "unresolved_6m": 1}
        assert seen[(district.pk, "patrol")]["unresolved_1_3m"] == 4
        assert selectors.bucket_counts(patrol_a, "committee", T0) == dict.fromkeys(overdue.Overdue.values, 0)


# --- Reminders ---------------------------------------------------------------------------------

@pytest.fixture
def recipients(tree):  # type: ignore[no-untyped-def]
    class R:
        secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
        other_secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        resident = resident_of(tree.comm_a1)
    return R


def reminders(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Message.objects.filter(recipient=user, subject__startswith="逾期提醒").order_by("id").values_list("subject", flat=True))


def test_one_reminder_per_case_per_bucket_to_secretary_and_patrol_staff(tree, staff, recipients):
    with time_machine.travel(T0, tick=False) as clock:
        case = helpers.case(staff, tree.comm_a1, title="井盖缺失")
        clock.move_to(T0 + dt.timedelta(hours=23))
        assert services.scan_overdue() == 0
        clock.move_to(T0 + dt.timedelta(hours=24))
        assert services.scan_overdue() == 1
        assert services.scan_overdue() == 0  # never repeated
        clock.move_to(T0 + 10 * DAY)
        assert services.scan_overdue() == 0
        assert reminders(recipients.secretary) == ["逾期提醒：24小时未回应"]
        assert reminders(recipients.sub_a) == ["逾期提醒：1个问题24小时未回应"]
        assert reminders(recipients.district) == ["逾期提醒：1个问题24小时未回应"]
        assert reminders(recipients.sub_b) == [] and reminders(recipients.other_secretary) == []
        assert reminders(recipients.resident) == []
        body = Message.objects.get(recipient=recipients.secretary).body
        assert "井盖缺失" in body and tree.comm_a1.name in body

        clock.move_to(T0 + 30 * DAY)
        assert services.scan_overdue() == 1
        clock.move_to(T0 + 90 * DAY)
        assert services.scan_overdue() == 1
        clock.move_to(T0 + 180 * DAY)
        assert services.scan_overdue() == 1
        clock.move_to(T0 + 400 * DAY)
        assert services.scan_overdue() == 0
    assert reminders(recipients.secretary) == [
        "逾期提醒：24小时未回应", "逾期提醒：1-3个月未解决", "逾期提醒：3-6个月未解决", "逾期提醒：超过6个月未解决",
    ]
    assert sorted(OverdueReminder.objects.filter(case=case).values_list("bucket", flat=True)) == sorted(overdue.Overdue.values)
    # Each message is also pushed through the outbox (one row per recipient and message).
    assert Outbox.objects.filter(kind="push").count() == 4 * 3
    call_command("worker", "--once")
    assert len(ConsolePushChannel.sent) == 12
    assert {p["user_id"] for p in ConsolePushChannel.sent} == {recipients.secretary.pk, recipients.sub_a.pk, recipients.district.pk}


def test_a_case_first_seen_late_is_reminded_for_its_current_buckets_only(tree, staff, recipients):
    with time_machine.travel(T0, tick=False) as clock:
        helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + 100 * DAY)
        assert services.scan_overdue() == 2  # 24小时未回应 and 3-6个月未解决, not 1-3个月
    assert reminders(recipients.secretary) == ["逾期提醒：24小时未回应", "逾期提醒：3-6个月未解决"]


def test_patrol_staff_get_one_digest_per_run(tree, staff, recipients):
    staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            helpers.case(staff, tree.comm_a1)
        helpers.case(staff_b, tree.comm_b1)
        clock.move_to(T0 + 2 * DAY)
        assert services.scan_overdue() == 4
    assert len(reminders(recipients.secretary)) == 3 and len(reminders(recipients.other_secretary)) == 1
    assert reminders(recipients.sub_a) == ["逾期提醒：3个问题24小时未回应"]
    assert reminders(recipients.sub_b) == ["逾期提醒：1个问题24小时未回应"]
    assert reminders(recipients.district) == ["逾期提醒：4个问题24小时未回应"]


def test_the_database_refuses_a_second_reminder_for_a_bucket(tree, staff):
    case = helpers.case(staff, tree.comm_a1)
    OverdueReminder.objects.create(case=case, bucket="unresolved_1_3m", created_at=helpers.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        OverdueReminder.objects.create(case=case, bucket="unresolved_1_3m", created_at=helpers.now())


def test_the_worker_runs_the_overdue_scan_on_schedule(tree, staff, recipients):
    with time_machine.travel(T0, tick=False) as clock:
        helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + 2 * DAY)
        call_command("worker", "--once")
        assert OverdueReminder.objects.count() == 1
        helpers.case(staff, tree.comm_a1)
        clock.move_to(T0 + 4 * DAY)
        call_command("worker", "--once")  # the job ran once per slot; this is the next slot
        assert OverdueReminder.objects.count() == 2
