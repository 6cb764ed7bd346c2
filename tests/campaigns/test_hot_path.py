"""The draw endpoint's hot path stays short: a bounded number of statements per press (LQ-6)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequtong.accounts import services as account_services

from .helpers import published_lottery

pytestmark = pytest.mark.django_db

MAX_STATEMENTS = 22  # 20 today: auth, grants, idempotency key, lottery, prizes, limits, stock, award, draw


def test_a_draw_through_the_api_runs_a_bounded_number_of_statements(cast, client) -> None:
    lottery = published_lottery(cast.staff_a, cast.a, draws_total=3, draws_per_day=3)
    _, key = account_services.create_api_token(actor=cast.resident_a, name="热路径", token_scope="write")
    url = f"/api/v1/campaigns/lotteries/{lottery.pk}/draws"
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "press-0001"}
    client.post(url, {}, content_type="application/json", headers=headers)  # the person's rows exist from now on
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(url, {}, content_type="application/json", headers={**headers, "Idempotency-Key": "press-0002"})
    assert r.status_code == 201
    assert len(ctx.captured_queries) <= MAX_STATEMENTS, len(ctx.captured_queries)
