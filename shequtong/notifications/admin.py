from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import outbox
from .models import DeliveryAttempt, Outbox, OutboxAlert, ScheduledJob


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempt", "result", "latency_ms", "response_excerpt", "error", "created_at")
    fields = readonly_fields


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "attempts", "next_attempt_at", "delivered_at", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("idempotency_key",)
    readonly_fields = ("kind", "payload", "idempotency_key", "attempts", "delivered_at", "last_error", "created_at")
    inlines = [DeliveryAttemptInline]
    actions = ["requeue"]

    @admin.action(description="重新投递")
    def requeue(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        for row in queryset:
            outbox.requeue(row)
        messages.success(request, f"已重新排队 {queryset.count()} 条")


@admin.register(OutboxAlert)
class OutboxAlertAdmin(admin.ModelAdmin):
    list_display = ("id", "outbox", "reason", "failures", "created_at")
    list_filter = ("reason",)
    readonly_fields = ("outbox", "reason", "failures", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ("name", "next_run_at", "last_run_at", "last_error")
