from django.urls import path

from . import views

app_name = "boards"

urlpatterns = [
    path("", views.index, name="index"),
    path("b/<str:board>/", views.board, name="board"),
    path("b/<str:board>/new/", views.new_post, name="new"),
    path("c/<int:community_id>/", views.index, name="community"),
    path("c/<int:community_id>/<str:board>/", views.board, name="community_board"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/reply/", views.reply, name="reply"),
    path("posts/<int:post_id>/like/", views.like, name="like"),
    path("posts/<int:post_id>/read/", views.read, name="read"),
    path("posts/<int:post_id>/tag/", views.tag, name="tag"),
    path("posts/<int:post_id>/hide/", views.hide_post, name="hide_post"),
    path("posts/<int:post_id>/restore/", views.restore_post, name="restore_post"),
    path("posts/<int:post_id>/vote/open/", views.open_vote, name="open_vote"),
    path("posts/<int:post_id>/vote/", views.ballot, name="ballot"),
    path("posts/<int:post_id>/vote/close/", views.close_vote, name="close_vote"),
    path("posts/<int:post_id>/book/", views.book, name="book"),
    path("posts/<int:post_id>/cost/", views.service_cost, name="service_cost"),
    path("images/<int:image_id>/", views.image, name="image"),
    path("replies/<int:reply_id>/mention/", views.mention_reply, name="mention_reply"),
    path("replies/<int:reply_id>/hide/", views.hide_reply, name="hide_reply"),
    path("replies/<int:reply_id>/restore/", views.restore_reply, name="restore_reply"),
    path("bookings/<int:booking_id>/decide/", views.decide_booking, name="decide_booking"),
    path("bookings/<int:booking_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("me/<str:kind>/", views.mine, name="mine"),
    path("manage/log/", views.moderation_log, name="log"),
    path("observe/", views.observe, name="observe"),
    path("district/", views.announcements, name="announcements"),
    path("district/new/", views.new_announcement, name="new_announcement"),
    path("district/<int:announcement_id>/", views.announcement, name="announcement"),
    path("district/<int:announcement_id>/comment/", views.comment, name="comment"),
    path("district/<int:announcement_id>/comments/", views.comment_moderation, name="comment_moderation"),
    path("district/comments/<int:comment_id>/", views.moderate_comment, name="moderate_comment"),
]
