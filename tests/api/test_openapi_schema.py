"""The OpenAPI schema names each schema once, and real answers validate against it (issue 12 item 13).

Two schemas of one name overwrite each other in components/schemas: chats'
MessageOut replaced inbox's, boards' MentionOut chats', so
GET /api/v1/inbox/messages and POST /api/v1/boards/mentions failed their own schema.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from shequtong.accounts.roles import Role
from shequtong.inbox.services import send_system_message

from ..factories import make_post, make_with_role, resident_of
from .test_api import _operations

pytestmark = pytest.mark.django_db


def _models_in(annotation: Any, seen: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        _models_in(arg, seen)


def test_no_two_schemas_share_a_component_name():
    seen: set[type] = set()
    for _, _, op in _operations():
        for model in [*op.models, *op.response_models.values()]:
            _models_in(model, seen)
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in seen:
        if model.__module__.startswith("shequtong."):
            by_name[model.__name__].add(model.__module__)
    assert len(by_name) > 30
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}


def _validate(client, path: str, method: str, status: int, body: Any) -> None:  # type: ignore[no-untyped-def]
    openapi = client.get("/api/v1/openapi.json").json()
    schema = openapi["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": openapi["components"]}).validate(body)


def test_inbox_messages_validate_against_their_schema(client, tree):
    resident = resident_of(tree.comm_a1)
    send_system_message(recipient=resident, subject="您的问题已受理", body="居委已受理", link="/cases/1/")
    client.force_login(resident)
    response = client.get("/api/v1/inbox/messages")
    assert response.status_code == 200 and len(response.json()) == 1
    _validate(client, "/api/v1/inbox/messages", "get", 200, response.json())


def test_a_board_mention_validates_against_its_schema(client, tree):
    resident = resident_of(tree.comm_a1)
    post = make_post(make_with_role(Role.RESIDENT, tree.comm_a1), tree.comm_a1)
    client.force_login(resident)
    response = client.post("/api/v1/boards/mentions", {"post_id": post.pk}, content_type="application/json")
    assert response.status_code == 201
    _validate(client, "/api/v1/boards/mentions", "post", 201, response.json())
