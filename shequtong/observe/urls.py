from django.urls import path

from . import views

app_name = "observe"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("feed/", views.feed_fragment, name="feed"),
    path("me/", views.me, name="me"),
    # The apps' drill-downs on the one drill-down component (observe.drills); their old addresses redirect here.
    path("letters/", views.drill, {"code": "letters"}, name="letters"),
    path("visits/", views.drill, {"code": "visits"}, name="visits"),
    # 评分 has an audience of its own (the case patrol), so a view with its own access rule.
    path("ratings/", views.ratings, name="ratings"),
    path("feed/stream/", views.feed_stream, name="feed_stream"),
]
