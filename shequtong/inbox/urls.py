from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("write/", views.write, name="write"),
    path("recipients/", views.recipients, name="recipients"),
    path("<int:message_id>/", views.message_detail, name="detail"),
    path("<int:message_id>/reply/", views.reply, name="reply"),
]
