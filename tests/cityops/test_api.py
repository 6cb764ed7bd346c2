"""/api/v1/cityops: only feed tokens read it, a feed token reads nothing else; addresses, rate, ETag."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.accounts import services as account_services
from shequtong.accounts.models import AuditEvent
from shequtong.cityops import services
from shequtong.cityops.models import FeedToken
from shequtong.common import clock
from shequtong.common.errors import PermissionRefused, ValidationFailed

from .conftest import bearer, feed_token, fill

pytestmark = pytest.mark.django_db
FEEDS = ("letters", "cases", "overview", "epidemic")


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_token_reads_every_feed(cast, client, feed):
    _, key = feed_token(cast)
    response = client.get(f"/api/v1/cityops/{feed}", **bearer(key))
    assert response.status_code == 200 and response.json()["version"] == "1"
    assert response["Cache-Control"].startswith("private, max-age=") and response["ETag"]


def test_a_feed_token_reads_nothing_else(cast, client):
    _, key = feed_token(cast)
    for path in ("/api/v1/letters/mine", "/api/v1/cases/list", "/api/v1/accounts/tokens", "/api/v1/letters/stats/subdistricts"):
        assert client.get(path, **bearer(key)).status_code == 401, path


def test_people_read_no_feed_with_their_session_or_their_token(cast, client):
    _, observer_key = account_services.create_api_token(actor=cast.district, name="观察")
    assert client.get("/api/v1/letters/stats/subdistricts", **bearer(observer_key)).status_code == 200
    for feed in FEEDS:
        assert client.get(f"/api/v1/cityops/{feed}", **bearer(observer_key)).status_code == 401
    for person in (cast.district, cast.sysadmin, cast.resident_a):
        client.force_login(person)
        assert client.get("/api/v1/cityops/cases").status_code == 401


def test_revoked_and_expired_tokens_are_refused(cast, client, time_machine):
    token, key = feed_token(cast, days=1)
    time_machine.move_to(clock.now() + dt.timedelta(days=2))
    assert client.get("/api/v1/cityops/cases", **bearer(key)).status_code == 401
    token2, key2 = feed_token(cast)
    services.revoke_token(actor=cast.sysadmin, token_id=token2.pk)
    assert client.get("/api/v1/cityops/cases", **bearer(key2)).status_code == 401
    ops = list(AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN, target_type="cityops.feedtoken")
               .values_list("detail__op", flat=True))
    assert sorted(ops) == ["create", "create", "revoke"]


def test_only_the_system_administrator_issues_tokens_and_input_is_checked(cast):
    for person in (cast.district, cast.secretary_a, cast.resident_a):
        with pytest.raises(PermissionRefused):
            services.issue_token(actor=person, name="x", days=30)
    with pytest.raises(ValidationFailed):
        feed_token(cast, allowed_ips="10.0.0.300")
    with pytest.raises(ValidationFailed):
        feed_token(cast, days=400)
    with pytest.raises(ValidationFailed):
        feed_token(cast, name=" ")
    assert not FeedToken.objects.exists()


def test_the_address_allow_list(cast, client):
    _, key = feed_token(cast, allowed_ips="10.8.0.0/16\n192.0.2.7")
    assert client.get("/api/v1/cityops/cases", REMOTE_ADDR="10.8.3.4", **bearer(key)).status_code == 200
    assert client.get("/api/v1/cityops/cases", REMOTE_ADDR="192.0.2.7", **bearer(key)).status_code == 200
    refused = client.get("/api/v1/cityops/cases", REMOTE_ADDR="203.0.113.9", **bearer(key))
    assert refused.status_code == 403 and refused.json()["message"] == "该令牌不允许从此地址访问"


def test_a_subdistrict_token_reads_its_subdistrict_only(cast, client):
    fill(cast, 5, n=8)
    _, key = feed_token(cast, subdistrict_id=cast.tree.sub_b.pk)
    data = client.get("/api/v1/cityops/letters", **bearer(key)).json()
    assert data["subdistrict_id"] == cast.tree.sub_b.pk and [r["id"] for r in data["subdistricts"]] == [cast.tree.sub_b.pk]
    assert {r["subdistrict"] for r in data["carousel"]} <= {cast.tree.sub_b.name}
    other = client.get(f"/api/v1/cityops/letters?subdistrict={cast.tree.sub_a.pk}", **bearer(key))
    assert other.status_code == 403


def test_the_rate_limit(cast, client, settings):
    settings.CITYOPS_REQUESTS_PER_MINUTE = 3
    _, key = feed_token(cast)
    answers = [client.get("/api/v1/cityops/overview", **bearer(key)).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]


def test_etag_answers_304_until_a_figure_changes(cast, client):
    _, key = feed_token(cast)
    first = client.get("/api/v1/cityops/cases", **bearer(key))
    again = client.get("/api/v1/cityops/cases", HTTP_IF_NONE_MATCH=first["ETag"], **bearer(key))
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    fill(cast, 9, n=2)
    changed = client.get("/api/v1/cityops/cases", HTTP_IF_NONE_MATCH=first["ETag"], **bearer(key))
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_bad_days_is_a_clear_error(cast, client):
    _, key = feed_token(cast)
    response = client.get("/api/v1/cityops/cases?days=0", **bearer(key))
    assert response.status_code == 400 and "统计天数" in response.json()["message"]


def test_the_worker_computes_the_feeds_ahead_and_requests_serve_them_while_fresh(cast, client, settings, time_machine):
    from shequtong.cityops.models import FeedSnapshot
    from shequtong.places.models import Subdistrict

    time_machine.move_to(clock.now(), tick=False)
    fill(cast, 4, n=4)
    time_machine.move_to(clock.now() + dt.timedelta(seconds=1), tick=False)  # a period ends before now
    settings.CITYOPS_PRECOMPUTE_DAYS = [30, 7]
    settings.CITYOPS_SNAPSHOT_MAX_AGE_SECONDS = 300
    places = 1 + Subdistrict.objects.count()
    assert services.precompute_feeds() == FeedSnapshot.objects.count() == 2 * places * len(FEEDS)
    _, key = feed_token(cast)
    snapshot = FeedSnapshot.objects.get(feed="cases", days=30, subdistrict_id=0)
    first = client.get("/api/v1/cityops/cases", **bearer(key))
    assert first.json()["total"] == 4
    assert first.content.decode() == snapshot.body and first["ETag"] == snapshot.etag
    b = cast.tree.sub_b.pk
    by_sub = client.get(f"/api/v1/cityops/cases?days=7&subdistrict={b}", **bearer(key))
    assert by_sub.content.decode() == FeedSnapshot.objects.get(feed="cases", days=7, subdistrict_id=b).body
    # A new case shows once the worker has run again; past the snapshot's age a request computes itself.
    fill(cast, 5, n=2)
    time_machine.move_to(clock.now() + dt.timedelta(seconds=60), tick=False)
    assert client.get("/api/v1/cityops/cases", **bearer(key))["ETag"] == snapshot.etag
    services.precompute_feeds()
    renewed = client.get("/api/v1/cityops/cases", **bearer(key))
    assert renewed["ETag"] != snapshot.etag and renewed.json()["total"] == first.json()["total"] + 2
    fill(cast, 6, n=1)
    time_machine.move_to(clock.now() + dt.timedelta(seconds=301), tick=False)
    live = client.get("/api/v1/cityops/cases", **bearer(key)).json()
    assert live["total"] == renewed.json()["total"] + 1 and live["generated_at"] == clock.now().isoformat()
    assert client.get("/api/v1/cityops/cases?days=14", **bearer(key)).json()["total"] == live["total"]  # never computed ahead
