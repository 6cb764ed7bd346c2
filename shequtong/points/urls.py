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
    path("invite/code/", views.invite_code, name="invite_code"),
    path("auctions/", views.auctions, name="auctions"),
    path("auctions/new/", views.auction_create, name="auction_create"),
    path("auctions/manage/", views.auction_manage, name="auction_manage"),
    path("auctions/<int:auction_id>/", views.auction_detail, name="auction"),
    path("auctions/<int:auction_id>/bid/", views.bid, name="bid"),
    path("auctions/<int:auction_id>/settle/", views.auction_settle, name="auction_settle"),
    path("auctions/<int:auction_id>/collect/", views.auction_collect, name="auction_collect"),
    path("donate/", views.donate, name="donate"),
]
