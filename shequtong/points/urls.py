from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("checkin/", views.checkin, name="checkin"),
    path("invite/", views.invite, name="invite"),
    path("gifts/", views.gifts, name="gifts"),
    path("gifts/new/", views.gift_create, name="gift_create"),
    path("gifts/manage/", views.gift_manage, name="gift_manage"),
    path("gifts/<int:gift_id>/", views.gift_detail, name="gift"),
    path("gifts/<int:gift_id>/redeem/", views.gift_redeem, name="redeem"),
    path("gifts/<int:gift_id>/end/", views.gift_end, name="gift_end"),
    path("redemptions/<int:redemption_id>/collect/", views.collect, name="collect"),
    path("stats/", views.stats, name="stats"),
    path("award/", views.award, name="award"),
]
