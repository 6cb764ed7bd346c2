"""政策找人 pages: the officer's match list (masked, with evidence, flat query count), elder mode, the resident's copy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequtong.policy import services, store

from ..factories import resident_of
from .conftest import ELEVATOR, District, say, tag

pytestmark = pytest.mark.django_db


def _queries(client, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_officers_match_list_is_masked_shows_evidence_and_its_queries_stay_flat(client, cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    client.force_login(cast.policy_officer)
    url = reverse("policy:detail", args=[p.pk])
    before, html = _queries(client, url)
    assert html.count('data-testid="match-row"') == 7 and "爬不动楼" in html
    assert "13912345678" not in html and "139****5678" in html
    assert district.needy_a[0].real_name not in html
    for _ in range(6):
        u = resident_of(cast.a)
        say(u, "住六楼爬不动楼了", "老楼没电梯下楼一趟不容易")
        tag(cast, u, "本区")
    store.rebuild_profiles()
    after, html = _queries(client, url)
    assert html.count('data-testid="match-row"') == 13
    assert after <= before + 2  # the matching reads by feature and by batch, never per row


def test_pages_work_in_elder_mode(client, cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    cast.policy_officer.elder_mode = True
    cast.policy_officer.save(update_fields=["elder_mode"])
    client.force_login(cast.policy_officer)
    html = client.get(reverse("policy:detail", args=[p.pk])).content.decode()
    assert "elder" in html and "匹配的居民" in html


def test_a_resident_sees_only_a_policy_sent_to_them(client, cast, district: District):
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    services.submit_list(actor=cast.policy_officer, policy_id=p.pk, profile_ids=[district.profile(district.needy_a[0]).pk])
    services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk)
    url = reverse("policy:mine", args=[p.pk])
    client.force_login(district.needy_a[1])
    assert client.get(url).status_code == 404
    services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["inbox"])
    assert client.get(url).status_code == 404
    client.force_login(district.needy_a[0])
    response = client.get(url)
    assert response.status_code == 200 and "不再推送此类政策" in response.content.decode()


def test_every_policy_form_carries_a_key_and_a_double_tap_writes_once(client, cast, district: District):
    from shequtong.inbox.models import Message
    from shequtong.policy.models import Entry, Policy, PolicyEvent

    client.force_login(cast.policy_officer)
    form = client.get(reverse("policy:create")).content.decode()
    assert 'name="idempotency_key"' in form
    data = {"title": "加装电梯补贴", "text": ELEVATOR, "service": "", "idempotency_key": "tap-create-0001"}
    first = client.post(reverse("policy:create"), data)
    second = client.post(reverse("policy:create"), data)
    assert Policy.objects.filter(title="加装电梯补贴").count() == 1
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    p = Policy.objects.get(title="加装电梯补贴")
    detail = client.get(reverse("policy:detail", args=[p.pk])).content.decode()
    assert detail.count('name="idempotency_key"') == detail.count('method="post"')

    pids = [district.profile(u).pk for u in district.needy_a]
    for _ in range(2):
        client.post(reverse("policy:submit", args=[p.pk]), {"profile": pids, "idempotency_key": "tap-submit-001"})
    assert PolicyEvent.objects.filter(policy=p, action="submitted").count() == 1

    client.force_login(cast.policy_reviewer)
    entry = Entry.objects.filter(policy=p).first()
    assert entry is not None
    for _ in range(2):
        client.post(reverse("policy:review", args=[p.pk]),
                    {"entry": entry.pk, "decision": "strike", "reason": "已享受", "idempotency_key": "tap-review-01"})
    for _ in range(2):
        client.post(reverse("policy:complete", args=[p.pk]), {"idempotency_key": "tap-complete-1"})
    assert PolicyEvent.objects.filter(policy=p, action__in=["struck", "reviewed"]).count() == 2
    for _ in range(2):
        client.post(reverse("policy:send", args=[p.pk]), {"channel": "inbox", "idempotency_key": "tap-send-00001"})
    assert PolicyEvent.objects.filter(policy=p, action="sent").count() == 1
    assert Message.objects.filter(subject__contains="加装电梯补贴").count() == len(pids) - 1

    resident = district.needy_a[1]
    client.force_login(resident)
    mine = client.get(reverse("policy:mine", args=[p.pk])).content.decode()
    assert 'name="idempotency_key"' in mine
    for _ in range(2):
        client.post(reverse("policy:opt_out", args=[p.pk]), {"idempotency_key": "tap-optout-001"})
    assert PolicyEvent.objects.filter(policy=p, action="opted_out").count() == 1
