"""/api/v1: the JSON API (django-ninja). Docs at /api/v1/docs.

Every app that has an `api.py` with a `router` is mounted at /api/v1/<app label>/.
Authentication is required by default (session with CSRF, or a bearer token);
every operation declares its access rule like a page does (api/rules.py), and
an operation that must be public says `auth=None` with `access.public`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from ninja import NinjaAPI

from . import errors, rules
from .auth import DEFAULT_AUTH
from .parsing import CheckedParser


class ShequtongAPI(NinjaAPI):
    """NinjaAPI whose schema declares the error answers every operation may give.

    Handlers declare their success statuses; the refusals (400/401/403/404/405/409/422/429)
    come from the exception handlers in errors.py, in one format, so they are added
    here to every operation, with the ``ErrorOut`` schema, instead of to 78 decorators.
    """

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorOut"] = errors.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, description in errors.ERROR_STATUSES.items():
                    if status == 401 and not operation.get("security"):
                        continue
                    responses.setdefault(status, {"description": description,
                                                  "content": {"application/json": {"schema": ref}}})
        return schema


api = ShequtongAPI(
    title="社区通 API",
    version="1.0.0",
    description="宝山社区通开放接口。错误统一为 {code, message, field}。",
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs_url="/docs",
    parser=CheckedParser(),
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
