from django.urls import path

from shequtong.observe import views as observe_views

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manage/", views.manage, name="manage"),
    path("observe/", views.observe, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", views.observe_subdistrict, name="observe_subdistrict"),
    path("observe/communities/<int:community_id>/", views.observe_community, name="observe_community"),
    # 数据 lives in the observer room (observe app) but keeps its tab's address.
    path("data/", observe_views.data, name="data"),
    path("data/export/", observe_views.data_export, name="data_export"),
]
