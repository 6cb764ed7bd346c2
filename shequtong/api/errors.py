"""One error format for /api/v1: {"code": "stable_code", "message": "中文说明", "field": …}.

Every status an operation can answer with this format is declared in the
OpenAPI schema (``ERROR_STATUSES``, added by ``v1.ShequtongAPI``), and no
answer carries a traceback: an unexpected exception is logged and answered
500 ``server_error``, in debug mode too (issue 12, item 9).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shequtong.common.errors import DomainError

logger = logging.getLogger("shequtong.api")

# Stable codes (clients switch on these; messages may be reworded).
CODES = {
    "unauthorized": "请先登录或提供有效的访问令牌",
    "forbidden": "您没有权限进行此操作",
    "not_found": "内容不存在或您无权查看",
    "invalid": "输入有误，请检查后重试",
    "bad_request": "请求内容无法解析，请提交有效的 JSON",
    "method_not_allowed": "不支持该请求方法",
    "throttled": "请求过于频繁，请稍后再试",
    "server_error": "服务器出错，请稍后再试",
}


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


# The statuses any operation may answer in the error format, with their descriptions.
ERROR_STATUSES = {
    400: "请求有误",
    401: "未登录或令牌无效",
    403: "无权操作",
    404: "内容不存在或无权查看",
    405: "不支持该请求方法",
    409: "状态冲突",
    422: "输入校验未通过",
    429: "请求过于频繁",
}

_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "int_out_of_range"}
_TYPE_MESSAGES = {
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "missing": "为必填项",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "datetime_from_date_parsing": "应为日期时间",
    "datetime_parsing": "应为日期时间",
    "date_from_datetime_parsing": "应为日期",
    "date_parsing": "应为日期",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "model_attributes_type": "格式不正确",
    "dict_type": "格式不正确",
}


def validation_message(error: dict[str, Any]) -> str:
    """A Chinese sentence for one pydantic/ninja validation error."""
    kind = error.get("type", "")
    loc = [str(x) for x in error.get("loc", []) if x not in ("body", "query", "path", "payload", "filters")]
    name = loc[-1] if loc else "输入"
    if kind == "null_character":
        return f"{name}：输入中含有不允许的空字符（\\u0000）"
    if kind in _RANGE_TYPES:
        return f"{name}：数值超出允许范围"
    if kind in _TYPE_MESSAGES:
        return f"{name}{_TYPE_MESSAGES[kind]}"
    return f"{name}：{CODES['invalid']}"


def _validation_body(exc: ValidationError) -> dict[str, Any]:
    first = exc.errors[0] if exc.errors else {}
    loc = first.get("loc", [])
    field = str(loc[-1]) if loc else None
    errors = [{k: v for k, v in e.items() if k in ("loc", "type", "msg")} for e in exc.errors]
    for e in errors:
        e["loc"] = [str(x) for x in e.get("loc", [])]
        e["msg"] = str(e.get("msg", ""))
    return {"code": "invalid", "message": validation_message(first) if first else CODES["invalid"],
            "field": field, "errors": errors}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, {"code": exc.code, "message": exc.message, "field": exc.field}, status=exc.status)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"code": "unauthorized", "message": CODES["unauthorized"], "field": None}, status=401)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, _validation_body(exc), status=422)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ValidationError):  # the body parser's own checks (api/parsing.py)
            return validation_error(request, exc.__cause__)
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 429: "throttled"}.get(exc.status_code, "invalid")
        return api.create_response(request, {"code": code, "message": CODES[code], "field": None}, status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"code": "not_found", "message": CODES["not_found"], "field": None}, status=404)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback for operators; the client learns nothing about the code (no DEBUG page).
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return api.create_response(request, {"code": "server_error", "message": CODES["server_error"], "field": None}, status=500)
