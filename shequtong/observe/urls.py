from django.urls import path

from . import views

app_name = "observe"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("feed/", views.feed_fragment, name="feed"),
    path("me/", views.me, name="me"),
    path("feed/stream/", views.feed_stream, name="feed_stream"),
]
