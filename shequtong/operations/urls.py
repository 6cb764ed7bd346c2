from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/template/<str:file_type>/<str:import_kind>/", views.import_template, name="import_template"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:job_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("places/", views.places, name="places"),
    path("places/subdistricts/<int:subdistrict_id>/rename/", views.subdistrict_rename, name="subdistrict_rename"),
    path("places/communities/<int:community_id>/", views.community, name="community"),
    path("places/communities/<int:community_id>/rename/", views.community_rename, name="community_rename"),
    path("places/communities/<int:community_id>/move/", views.community_move, name="community_move"),
    path("places/communities/<int:community_id>/merge/", views.community_merge, name="community_merge"),
    path("places/estates/<int:estate_id>/rename/", views.estate_rename, name="estate_rename"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:staff_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/disable/", views.staff_disable, name="staff_disable"),
    path("staff/<int:staff_id>/enable/", views.staff_enable, name="staff_enable"),
    path("staff/<int:staff_id>/reset-password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<int:staff_id>/transfer/", views.staff_transfer, name="staff_transfer"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
