"""The signed webhook to the centre: summaries and notable events through the outbox, verified the
Standard Webhooks way by its reference library (standardwebhooks), once each, retried when down."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from standardwebhooks.webhooks import Webhook

from shequtong.cases import services as case_services
from shequtong.cases.models import Case
from shequtong.cityops import services
from shequtong.common import clock
from shequtong.epidemic import services as epidemic_services
from shequtong.integrations import webhooks
from shequtong.notifications import outbox
from shequtong.notifications.models import Outbox

from ..epidemic.conftest import archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(httpserver, settings):  # type: ignore[no-untyped-def]
    settings.CITYOPS_WEBHOOK_URL = httpserver.url_for("/hooks/shequtong")
    settings.CITYOPS_WEBHOOK_SECRET = webhooks.new_secret()
    return httpserver


def received(centre) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every message the centre got, each checked with the reference verifier."""
    verifier = Webhook(services.settings.CITYOPS_WEBHOOK_SECRET)
    out = []
    for request, _ in centre.log:
        body = request.get_data()
        verifier.verify(body, dict(request.headers))  # raises on a bad signature
        out.append(json.loads(body))
    return out


def test_nothing_is_queued_without_an_endpoint(cast, settings):
    settings.CITYOPS_WEBHOOK_URL = ""
    assert services.push_summary() == 0 and services.push_notable() == 0 and not Outbox.objects.exists()


def test_the_summary_arrives_signed(cast, centre):
    centre.expect_request("/hooks/shequtong", method="POST").respond_with_data("ok")
    services.push_summary()
    services.push_summary()  # the same slot: one message
    assert outbox.deliver_due() == 1
    [message] = received(centre)
    assert message["type"] == "cityops.summary" and "resolution_rate" in message["data"]["headline"]


def test_a_case_passing_six_months_and_a_symptom_warning_are_sent_once(cast, centre, time_machine):
    centre.expect_request("/hooks/shequtong", method="POST").respond_with_data("ok")
    start = clock.now()
    time_machine.move_to(start, tick=False)
    case_services.create_case(actor=cast.staff_a, community=cast.a, source="visit", category="safety",
                              title="北门路灯坏了 13812345678", content="很久没人修")
    a = archive(cast.staff_a, cast.a, account_phone=cast.resident_a.phone, relation="本人")
    epidemic_services.record_measurement(actor=cast.resident_a, archive_id=a.pk, measured_on=clock.today(),
                                         temperature="38.2", symptoms=["cough"])
    services.push_notable()  # the warnings, as soon as they are raised
    warnings = Outbox.objects.filter(kind=services.WEBHOOK).count()
    assert warnings >= 1
    time_machine.move_to(start + dt.timedelta(days=181), tick=False)
    case_services.scan_overdue()
    services.push_notable()
    services.push_notable()  # a second scan over the same rows adds nothing
    assert Outbox.objects.filter(kind=services.WEBHOOK).count() == warnings + 1
    outbox.deliver_due()
    messages = received(centre)
    kinds = sorted(m["type"] for m in messages)
    assert kinds.count("cityops.case.unresolved_6m") == 1
    assert "cityops.epidemic.warning" in kinds
    text = json.dumps(messages, ensure_ascii=False)
    assert "13812345678" not in text and cast.resident_a.real_name not in text and "周桂兰" not in text
    assert Case.objects.count() == 1


def test_a_centre_that_is_down_gets_the_message_later(cast, centre, time_machine):
    centre.expect_ordered_request("/hooks/shequtong", method="POST").respond_with_data("busy", status=503)
    centre.expect_ordered_request("/hooks/shequtong", method="POST").respond_with_data("ok")
    time_machine.move_to(clock.now(), tick=False)
    services.push_summary()
    assert outbox.deliver_due() == 0
    row = Outbox.objects.get()
    assert row.status == Outbox.Status.PENDING and "503" in row.last_error
    time_machine.move_to(row.next_attempt_at + dt.timedelta(seconds=1), tick=False)
    assert outbox.deliver_due() == 1
    assert len(received(centre)) == 2 and Outbox.objects.get().status == Outbox.Status.DELIVERED
