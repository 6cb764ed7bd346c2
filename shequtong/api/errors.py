"""One error format for /api/v1: {"code": "stable_code", "message": "中文说明", "field": …}."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shequtong.common.errors import DomainError

# Stable codes (clients switch on these; messages may be reworded).
CODES = {
    "unauthorized": "请先登录或提供有效的访问令牌",
    "forbidden": "您没有权限进行此操作",
    "not_found": "内容不存在或您无权查看",
    "invalid": "输入有误，请检查后重试",
}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, {"code": exc.code, "message": exc.message, "field": exc.field}, status=exc.status)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"code": "unauthorized", "message": CODES["unauthorized"], "field": None}, status=401)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        loc = first.get("loc", [])
        field = str(loc[-1]) if loc else None
        return api.create_response(
            request,
            {"code": "invalid", "message": CODES["invalid"], "field": field, "errors": exc.errors},
            status=422,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "invalid")
        return api.create_response(request, {"code": code, "message": CODES[code], "field": None}, status=exc.status_code)
