"""Issue 12, item 13 (found again by the schemathesis run): two response models under one name.

django-ninja names an OpenAPI component after the model's class name, so a
second ``MessageOut`` (or ``MentionOut``) in another app silently replaced the
first, and /api/v1/inbox/messages and POST /api/v1/boards/mentions answered
bodies that failed their own published schema.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from shequtong.api.v1 import api


def _models(annotation, found):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
    for arg in getattr(annotation, "__args__", ()) or ():
        _models(arg, found)


def test_every_response_model_has_its_own_name():
    found: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.response_models.values():
                    if isinstance(model, type):
                        _models(model.model_fields["response"].annotation, found)
    by_name = defaultdict(set)
    for model in found:
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}
