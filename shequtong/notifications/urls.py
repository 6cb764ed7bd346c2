from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("preferences/", views.preference_page, name="preferences"),
    path("log/", views.delivery_log, name="log"),
]
