from django.contrib import admin

from .models import Domain, Term


class TermInline(admin.TabularInline):
    model = Term
    extra = 0
    fields = ("term", "synonyms", "colloquial")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "fixture_version")
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("term", "domain", "updated_at")
    list_filter = ("domain",)
    search_fields = ("term",)
