from django.urls import path

from . import views

app_name = "cityops"

urlpatterns = [
    path("wall/", views.wall, name="wall"),
    path("wall/<str:screen>/", views.wall, name="wall_screen"),
    path("wall-data/", views.wall_data, name="wall_data"),
    path("wall-stream/", views.wall_stream, name="wall_stream"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
