from django.urls import path, re_path

from . import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^v2/services\.{FMT}$", views.service_list, name="services"),
    re_path(rf"^v2/services/(?P<service_code>[^/.]+)\.{FMT}$", views.service_definition, name="service"),
    re_path(rf"^v2/requests\.{FMT}$", views.request_list, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/.]+)\.{FMT}$", views.request_detail, name="request"),
    path("grid/callback", views.grid_callback, name="grid_callback"),
]
