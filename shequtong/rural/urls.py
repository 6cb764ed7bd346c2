from django.urls import path

from . import views

app_name = "rural"

urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("images/<int:picture_id>/", views.image, name="image"),
    path("<int:item_id>/", views.detail, name="detail"),
    path("<int:item_id>/like/", views.like, name="like"),
    path("<int:item_id>/signup/", views.sign_up, name="sign_up"),
    path("<int:item_id>/cancel/", views.cancel, name="cancel"),
    path("<int:item_id>/edit/", views.edit, name="edit"),
    path("<int:item_id>/delete/", views.delete, name="delete"),
    path("<int:item_id>/submit/", views.submit, name="submit"),
    path("<int:item_id>/review/", views.review, name="review"),
    path("<int:item_id>/publish/", views.publish, name="publish"),
    path("<int:item_id>/send-back/", views.send_back, name="send_back"),
    path("<int:item_id>/end/", views.end, name="end"),
    path("<int:item_id>/pin/", views.pin, name="pin"),
    path("<int:item_id>/signups/", views.signups, name="signups"),
    path("<int:item_id>/signups/export/", views.signups_export, name="signups_export"),
    path("observe/", views.observe, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", views.observe_subdistrict, name="observe_subdistrict"),
    path("observe/villages/<int:community_id>/", views.observe_village, name="observe_village"),
]
