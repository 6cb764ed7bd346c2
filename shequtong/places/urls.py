from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("communities/", views.communities, name="communities"),
    path("estates/", views.estates, name="estates"),
]
