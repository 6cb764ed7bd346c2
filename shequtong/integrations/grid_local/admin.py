"""Staff stand in for the grid centre here when no grid is connected."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shequtong.common import clock

from .models import LocalGridRequest


@admin.register(LocalGridRequest)
class LocalGridRequestAdmin(admin.ModelAdmin):
    """Staff stand in for the grid centre: set 状态 to 已办结 and write 办理结果."""

    list_display = ("id", "title", "service_code", "status", "created_at", "updated_at")
    list_filter = ("status", "service_code")
    search_fields = ("title", "description")
    readonly_fields = ("idempotency_key", "service_code", "title", "description", "address", "attributes", "created_at", "updated_at")
    fields = ("status", "result", *readonly_fields)

    def save_model(self, request: HttpRequest, obj: LocalGridRequest, form: object, change: bool) -> None:
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
