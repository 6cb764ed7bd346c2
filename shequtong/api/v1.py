"""/api/v1: the JSON API (django-ninja). Docs at /api/v1/docs.

Every app that has an `api.py` with a `router` is mounted at /api/v1/<app label>/.
Authentication is required by default (session with CSRF, or a bearer token);
every operation declares its access rule like a page does (api/rules.py), and
an operation that must be public says `auth=None` with `access.public`.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from ninja import NinjaAPI

from . import errors, rules
from .auth import DEFAULT_AUTH

api = NinjaAPI(
    title="社区通 API",
    version="1.0.0",
    description="宝山社区通开放接口。错误统一为 {code, message, field}。",
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs_url="/docs",
)
errors.install(api)

for config in apps.get_app_configs():
    if not config.name.startswith("shequtong."):
        continue
    try:
        module = import_module(f"{config.name}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{config.name}.api":
            raise
        continue
    router = getattr(module, "router", None)
    if router is not None:
        rules.guard(router, config.label)
        api.add_router(f"/{config.label}/", router)
