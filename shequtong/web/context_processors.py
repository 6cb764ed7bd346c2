"""The shell around every page: current version, its tab bar, unread 信箱 count, 长辈模式."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from shequtong.accounts import scope
from shequtong.accounts.roles import Version
from shequtong.common import reversing

TABS: dict[str, list[tuple[str, str, str]]] = {
    # version: [(label, url name, icon)]
    Version.RESIDENT: [("首页", "web:home", "home"), ("信箱", "inbox:list", "mail"), ("我的", "accounts:me", "me")],
    Version.COMMITTEE: [("首页", "web:home", "home"), ("管理", "web:manage", "manage"), ("我的", "accounts:me", "me")],
    Version.OBSERVER: [
        ("首页", "web:home", "home"), ("观察", "web:observe", "observe"),
        ("数据", "web:data", "data"), ("我的", "observe:me", "me"),
    ],
}

# Tabs whose pages need a capability beyond the version (the pages' own rules, web/views.py).
TAB_CAPABILITY = {"web:observe": "observe", "web:data": "observe"}


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # 长辈模式 chosen on the login page (accounts.views.elder_mode) before signing in.
        return {"shell_version": None, "elder_mode": request.COOKIES.get("elder_mode") == "1"}
    version = scope.current_version(user)
    path = request.path
    tabs = []
    for label, url_name, icon in TABS.get(version or "", []):
        if url_name in TAB_CAPABILITY and not scope.has_capability(user, TAB_CAPABILITY[url_name]):
            continue  # 社会组织服务中心 and 农委 work in the observer version without 观察/数据 (issue 12 item 15)
        if url_name == "observe:me" and not scope.has_capability(user, "observe"):
            url_name = "accounts:me"  # ... and their 我的 is the common one
        url = reversing.reverse(url_name)  # kept per process
        active = path == url if url == "/" else path.startswith(url)
        tabs.append({"label": _(label), "url": url, "icon": icon, "active": active})
    # One tab is current: the one whose address matches the most (/observe/me/ is 我的, not 观察).
    current = max((t for t in tabs if t["active"]), key=lambda t: len(str(t["url"])), default=None)
    for t in tabs:
        t["active"] = t is current

    def unread() -> int:
        from shequtong.inbox.selectors import unread_count

        return unread_count(user)

    return {
        # Evaluated only where the 信箱 tab is drawn (the resident tab bar).
        "shell_unread": SimpleLazyObject(unread),
        "shell_version": version,
        "shell_version_label": scope.version_label(user, version),
        "shell_versions": scope.versions_of(user),
        "shell_tabs": tabs,
        "elder_mode": user.elder_mode,
    }
