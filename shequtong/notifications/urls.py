from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("preferences/", views.preference_page, name="preferences"),
    path("log/", views.delivery_log, name="log"),
    path("wechat/bind/", views.wechat_bind, name="wechat_bind"),
    path("wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("wechat/unbind/", views.wechat_unbind, name="wechat_unbind"),
]
