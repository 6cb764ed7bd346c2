from django.urls import path

from . import views

app_name = "chats"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create_group, name="create"),
    path("new/", views.create_resident_group, name="create_resident"),
    path("observe/", views.observe, name="observe"),
    path("observe/<int:community_id>/", views.observe_community, name="observe_community"),
    path("<int:group_id>/", views.group_detail, name="detail"),
    path("<int:group_id>/messages/", views.messages_fragment, name="messages"),
    path("<int:group_id>/send/", views.send, name="send"),
    path("<int:group_id>/stream/", views.stream, name="stream"),
    path("<int:group_id>/info/", views.group_info, name="info"),
    path("<int:group_id>/announcement/", views.announcement, name="announcement"),
    path("<int:group_id>/members/", views.add_members, name="members"),
    path("<int:group_id>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("messages/<int:message_id>/mention/", views.mention, name="mention"),
    path("messages/<int:message_id>/hide/", views.hide, name="hide"),
    path("messages/<int:message_id>/restore/", views.restore, name="restore"),
]
