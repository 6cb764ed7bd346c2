from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<int:letter_id>/", views.detail, name="detail"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("observe/", views.observe, name="observe"),
    path("observe/subdistricts/<int:subdistrict_id>/", views.observe_subdistrict, name="observe_subdistrict"),
    path("observe/communities/<int:community_id>/", views.observe_community, name="observe_community"),
    path("observe/categories/<str:category>/", views.observe_category, name="observe_category"),
    path("subcategories/", views.subcategories, name="subcategories"),
]
