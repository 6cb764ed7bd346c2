from django.contrib import admin

from .models import Letter, LetterStat, SubCategory


@admin.register(SubCategory)
class SubCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "sort_order", "is_active")
    list_filter = ("category", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("name",)


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "category", "community", "created_at")
    list_filter = ("category", "kind", "by_committee")
    search_fields = ("title",)
    raw_id_fields = ("community", "subdistrict", "author", "case")
    readonly_fields = ("community", "subdistrict", "author", "by_committee", "kind", "category", "title", "content", "case", "created_at")


admin.site.register(LetterStat)
