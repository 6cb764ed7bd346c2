"""Reads of the jurisdiction tree."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Community, Estate, Subdistrict


def subdistricts() -> QuerySet[Subdistrict]:
    return Subdistrict.objects.all()


def communities_of(subdistrict_id: int) -> QuerySet[Community]:
    return Community.objects.filter(subdistrict_id=subdistrict_id).order_by("id")


def estates_of(community_id: int) -> QuerySet[Estate]:
    return Estate.objects.filter(community_id=community_id).order_by("id")
