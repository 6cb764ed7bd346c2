from django.urls import path

from . import views

app_name = "follows"

urlpatterns = [
    path("case/<int:case_id>/follow/", views.follow_case, name="follow_case"),
    path("letter/<int:letter_id>/follow/", views.follow_letter, name="follow_letter"),
    path("topic/<int:topic_id>/follow/", views.follow_topic, name="follow_topic"),
    path("post/<int:post_id>/favourite/", views.favourite_post, name="favourite_post"),
    path("case/<int:case_id>/favourite/", views.favourite_case, name="favourite_case"),
    path("letter/<int:letter_id>/favourite/", views.favourite_letter, name="favourite_letter"),
    path("following/", views.following, name="following"),
    path("favourites/", views.favourites, name="favourites"),
]
