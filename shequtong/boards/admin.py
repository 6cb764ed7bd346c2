"""Read-mostly admin: content changes go through boards.services (history, counters, notices)."""

from django.contrib import admin

from .models import Announcement, AnnouncementComment, ModerationAction, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "board", "community", "visibility", "reply_count", "like_count", "read_count", "created_at")
    list_filter = ("board", "visibility", "is_mutual_aid", "category", "stage")
    search_fields = ("title",)
    raw_id_fields = ("community", "author", "tagged_by")
    readonly_fields = ("community", "board", "author", "title", "body", "is_mutual_aid", "category", "tagged_by", "tagged_at",
                       "stage", "visibility", "hidden_reason", "reply_count", "like_count", "read_count", "created_at")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("id", "action", "community", "post", "reply", "reason", "created_at")
    list_filter = ("action",)
    raw_id_fields = ("community", "actor", "post", "reply")
    readonly_fields = ("community", "actor", "action", "post", "reply", "reason", "created_at")


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "comments_open", "comment_count", "created_at")
    raw_id_fields = ("author",)


@admin.register(AnnouncementComment)
class AnnouncementCommentAdmin(admin.ModelAdmin):
    list_display = ("id", "announcement", "community", "status", "audience", "created_at")
    list_filter = ("status", "audience")
    raw_id_fields = ("announcement", "community", "author", "reviewed_by")
