from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("<int:policy_id>/", views.policy_detail, name="detail"),
    path("<int:policy_id>/edit/", views.policy_edit, name="edit"),
    path("<int:policy_id>/submit/", views.policy_submit, name="submit"),
    path("<int:policy_id>/review/", views.policy_review, name="review"),
    path("<int:policy_id>/complete/", views.policy_complete, name="complete"),
    path("<int:policy_id>/send/", views.policy_send, name="send"),
    path("<int:policy_id>/received/", views.policy_mine, name="mine"),
    path("<int:policy_id>/opt-out/", views.policy_opt_out, name="opt_out"),
    path("care-tags/", views.care_tags, name="care_tags"),
    path("care-tags/<int:profile_id>/", views.care_tags_edit, name="care_tags_edit"),
]
