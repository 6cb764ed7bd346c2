from django.urls import path

from . import views

app_name = "charity"

urlpatterns = [
    path("projects/mine/", views.org_projects, name="org_projects"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:project_id>/cover/", views.project_cover, name="project_cover"),
    path("projects/<int:project_id>/submit/", views.project_submit, name="project_submit"),
    path("projects/<int:project_id>/withdraw/", views.project_withdraw, name="project_withdraw"),
    path("projects/<int:project_id>/review/", views.project_review, name="project_review"),
    path("projects/<int:project_id>/shelf/", views.project_shelf, name="project_shelf"),
    path("projects/<int:project_id>/bindings/new/", views.binding_create, name="binding_create"),
    path("bindings/<int:binding_id>/", views.binding_detail, name="binding"),
    path("bindings/<int:binding_id>/edit/", views.binding_edit, name="binding_edit"),
    path("bindings/<int:binding_id>/submit/", views.binding_submit, name="binding_submit"),
    path("bindings/<int:binding_id>/withdraw/", views.binding_withdraw, name="binding_withdraw"),
    path("bindings/<int:binding_id>/review/", views.binding_review, name="binding_review"),
    path("bindings/<int:binding_id>/unbind/", views.binding_unbind, name="binding_unbind"),
    path("projects/<int:project_id>/plan/", views.plan, name="plan"),
    path("milestones/<int:milestone_id>/edit/", views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:milestone_id>/delete/", views.milestone_delete, name="milestone_delete"),
    path("milestones/<int:milestone_id>/progress/", views.progress_create, name="progress_create"),
    path("progress/<int:report_id>/edit/", views.progress_edit, name="progress_edit"),
    path("progress/<int:report_id>/delete/", views.progress_delete, name="progress_delete"),
    path("photos/<int:photo_id>/", views.progress_photo, name="progress_photo"),
    path("sites/mine/", views.org_sites, name="org_sites"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:site_id>/", views.site_detail, name="site"),
    path("sites/<int:site_id>/edit/", views.site_edit, name="site_edit"),
    path("centre/", views.centre_queue, name="centre_queue"),
    path("centre/projects/", views.centre_projects, name="centre_projects"),
]
