from django.urls import path

from . import views

app_name = "observe"

urlpatterns = [
    path("search/", views.search, name="search"),
]
