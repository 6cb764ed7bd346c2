from django.urls import path

from shequtong.observe import views as observe_views

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manage/", views.manage, name="manage"),
    # 观察 (OB-1) and 数据 (OB-2) live in the observer room (observe app) and keep their tabs' addresses.
    path("observe/", observe_views.overview, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", observe_views.overview_subdistrict, name="observe_subdistrict"),
    path("observe/communities/<int:community_id>/", observe_views.overview_community, name="observe_community"),
    path("data/", observe_views.data, name="data"),
    path("data/export/", observe_views.data_export, name="data_export"),
    path("data/pivot/", observe_views.pivot, name="pivot"),
]
