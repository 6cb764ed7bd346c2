"""The API's request parser: refuses NUL characters and integers beyond 64 bits at the edge.

PostgreSQL cannot store NUL (``\\u0000``) in text, and an integer above 2⁶³
overflows every integer column: both used to reach the database and answer
500. Every JSON body and query string passes through here before any schema,
so one check covers every operation (issue 12, item 9). Path and query numbers
are bounded by their types (common/inputs.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser

from shequtong.common.inputs import MAX_DB_INT, NUL

NUL_MESSAGE = "输入中含有不允许的空字符（\\u0000）"
RANGE_MESSAGE = "数值超出允许范围"


def _problems(value: Any, loc: list[Any]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"loc": loc, "type": "null_character", "msg": NUL_MESSAGE}] if NUL in value else []
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        ok = -MAX_DB_INT - 1 <= value <= MAX_DB_INT
        return [] if ok else [{"loc": loc, "type": "int_out_of_range", "msg": RANGE_MESSAGE}]
    if isinstance(value, dict):
        found: list[dict[str, Any]] = []
        for k, v in value.items():
            found += _problems(k, [*loc, k]) + _problems(v, [*loc, k])
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _problems(v, [*loc, i])]
    return []


class CheckedParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        problems = _problems(data, ["body"])
        if problems:
            raise ValidationError(problems)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        problems = [
            {"loc": ["query", key], "type": "null_character", "msg": NUL_MESSAGE}
            for key in data.keys()
            if NUL in key or any(NUL in v for v in data.getlist(key) if isinstance(v, str))
        ]
        if problems:
            raise ValidationError(problems)
        return super().parse_querydict(data, list_fields, request)
