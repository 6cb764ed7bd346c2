from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_create, name="create"),
    path("people/", views.people, name="people"),
    path("<int:visit_id>/", views.visit_detail, name="detail"),
    path("<int:visit_id>/edit/", views.visit_edit, name="edit"),
    path("<int:visit_id>/delete/", views.visit_delete, name="delete"),
    path("<int:visit_id>/submit/", views.visit_submit, name="submit"),
    path("<int:visit_id>/review/", views.visit_review, name="review"),
    path("<int:visit_id>/archive/", views.visit_archive, name="archive"),
    path("<int:visit_id>/cases/", views.visit_send, name="send"),
    path("<int:visit_id>/contact/", views.visit_contact, name="contact"),
    path("<int:visit_id>/audio/", views.visit_audio, name="audio"),
    path("observe/", views.observe, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", views.observe_subdistrict, name="observe_subdistrict"),
    path("observe/list/", views.observe_list, name="observe_list"),
]
