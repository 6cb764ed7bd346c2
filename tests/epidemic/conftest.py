"""Helpers to report, respond and keep archives through the real services (the cast is tests/factories.py's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.common import clock
from shequtong.epidemic import services
from shequtong.epidemic.models import HealthArchive, Report

from ..factories import Cast

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def report_input(community: Any, **kw: Any) -> services.ReportInput:
    estate = kw.pop("estate", None) or community.estates.order_by("id").first()
    defaults: dict[str, Any] = {
        "community_id": community.pk, "estate_id": estate.pk, "occurred_at": clock.now() - dt.timedelta(hours=2),
        "content": "3号楼有从外地返沪人员未登记", "contact_name": "王小红", "contact_phone": "13812345678",
        "building": "3", "room": "201", "people": "李某某，电话13987654321",
    }
    defaults.update(kw)
    return services.ReportInput(**defaults)


def report(actor: User, community: Any, kind: str = "clue", **kw: Any) -> Report:
    return services.submit_report(actor=actor, kind=kind, data=report_input(community, **kw))


def archive_input(community: Any, **kw: Any) -> services.ArchiveInput:
    estate = kw.pop("estate", None) or community.estates.order_by("id").first()
    defaults: dict[str, Any] = {
        "community_id": community.pk, "estate_id": estate.pk, "person_name": "周桂兰",
        "id_number": "310113196001010022", "phone": "13900001111", "reason": "home_isolation",
        "started_on": clock.today() - dt.timedelta(days=3), "building": "5", "room": "302",
        "contacts": "周大海 13900002222", "health_note": "高血压",
    }
    defaults.update(kw)
    return services.ArchiveInput(**defaults)


def archive(actor: User, community: Any, **kw: Any) -> HealthArchive:
    return services.create_archive(actor=actor, data=archive_input(community, **kw))


@pytest.fixture
def a_archive(cast: Cast) -> HealthArchive:
    """An archive of community A filled in by resident_a."""
    return archive(cast.staff_a, cast.a, account_phone=cast.resident_a.phone, relation="本人")
