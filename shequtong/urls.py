"""Root URL conf. Every view declares its access rule (shequtong/common/access.py)."""

from django.contrib import admin
from django.urls import include, path

from shequtong.api.v1 import api

urlpatterns: list = [
    path("", include("shequtong.web.urls")),
    path("accounts/", include("shequtong.accounts.urls")),
    path("places/", include("shequtong.places.urls")),
    path("inbox/", include("shequtong.inbox.urls")),
    path("notifications/", include("shequtong.notifications.urls")),
    path("boards/", include("shequtong.boards.urls")),
    path("chats/", include("shequtong.chats.urls")),
    path("letters/", include("shequtong.letters.urls")),
    path("cases/", include("shequtong.cases.urls")),
    path("visits/", include("shequtong.visits.urls")),
    path("epidemic/", include("shequtong.epidemic.urls")),
    path("rural/", include("shequtong.rural.urls")),
    path("charity/", include("shequtong.charity.urls")),
    path("points/", include("shequtong.points.urls")), path("campaigns/", include("shequtong.campaigns.urls")),
    path("policy/", include("shequtong.policy.urls")),
    path("follows/", include("shequtong.follows.urls")),
    path("open311/", include("shequtong.open311.urls")),
    path("cityops/", include("shequtong.cityops.urls")),
    # After web's own observe/ pages (the first pattern that matches wins).
    path("observe/", include("shequtong.observe.urls")),
    path("ops/", include("shequtong.operations.urls")),
    path("", include("shequtong.ops.urls")),  # /readyz, /metrics
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]
# Uploaded files are never served from MEDIA_URL, in any mode: each is read
# through a view that checks the reader's access (boards:image).
