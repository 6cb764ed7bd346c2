from django.urls import path

from . import views

app_name = "epidemic"

CLUE = {"kind": "clue"}
HELP = {"kind": "help"}

urlpatterns = [
    path("", views.home, name="home"),
    path("manage/", views.manage, name="manage"),
    # 线索上报 (EP-1)
    path("clues/", views.report_list, CLUE, name="clue_list"),
    path("clues/new/", views.report_create, CLUE, name="clue_create"),
    path("clues/mine/", views.report_mine, CLUE, name="clue_mine"),
    path("clues/export/", views.report_export, CLUE, name="clue_export"),
    path("clues/<int:report_id>/", views.report_detail, CLUE, name="clue_detail"),
    path("clues/<int:report_id>/respond/", views.report_respond, CLUE, name="clue_respond"),
    # 防疫求助 (EP-2)
    path("help/", views.report_list, HELP, name="help_list"),
    path("help/new/", views.report_create, HELP, name="help_create"),
    path("help/mine/", views.report_mine, HELP, name="help_mine"),
    path("help/export/", views.report_export, HELP, name="help_export"),
    path("help/<int:report_id>/", views.report_detail, HELP, name="help_detail"),
    path("help/<int:report_id>/respond/", views.report_respond, HELP, name="help_respond"),
    path("help/<int:report_id>/case/", views.help_to_case, name="help_case"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    # 社区健康管理 (EP-3)
    path("archives/", views.archive_list, name="archive_list"),
    path("archives/new/", views.archive_create, name="archive_create"),
    path("archives/mine/", views.archive_mine, name="archive_mine"),
    path("archives/export/", views.archive_export, name="archive_export"),
    path("archives/<int:archive_id>/", views.archive_detail, name="archive_detail"),
    path("archives/<int:archive_id>/edit/", views.archive_edit, name="archive_edit"),
    path("archives/<int:archive_id>/delete/", views.archive_delete, name="archive_delete"),
    path("archives/<int:archive_id>/move/", views.archive_move, name="archive_move"),
    path("archives/<int:archive_id>/measure/", views.archive_measure, name="archive_measure"),
    path("archives/<int:archive_id>/reveal/", views.archive_reveal, name="archive_reveal"),
    # Observers (EP-4)
    path("observe/", views.observe, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", views.observe_subdistrict, name="observe_subdistrict"),
    path("observe/communities/<int:community_id>/", views.observe_community, name="observe_community"),
]
