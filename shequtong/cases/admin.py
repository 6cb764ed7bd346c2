from django.contrib import admin

from .models import Case, CaseEvent, CaseRating, OverdueReminder, RatingStat


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "status_from", "status_to", "note", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # history is written by the services only


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "community", "source", "category", "status", "send_state", "created_at")
    list_filter = ("status", "send_state", "source", "category")
    search_fields = ("title",)
    raw_id_fields = ("community", "subdistrict", "raised_by", "created_by")
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline]


@admin.register(CaseRating)
class CaseRatingAdmin(admin.ModelAdmin):
    list_display = ("case", "stars", "community", "created_at")
    readonly_fields = ("case", "rater", "community", "subdistrict", "stars", "feedback", "created_at")


admin.site.register(RatingStat)
admin.site.register(OverdueReminder)
