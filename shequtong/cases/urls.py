from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("export/", views.case_export, name="export"),
    path("mine/", views.my_cases, name="mine"),
    path("ratings/", views.ratings, name="ratings"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/category/", views.set_category, name="set_category"),
    path("<int:case_id>/act/", views.act, name="act"),
    path("<int:case_id>/reassign/", views.reassign, name="reassign"),
    path("<int:case_id>/rate/", views.rate, name="rate"),
]
