"""get_<field>_display() from cached tables answers exactly what Django's own implementation does."""

from __future__ import annotations

from functools import partialmethod

from django.apps import apps
from django.db import models
from django.utils import translation

from shequtong.common import choices


def _choice_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [(m, f) for m in apps.get_models() for f in m._meta.fields
            if f.choices and m.__dict__.get(f"get_{f.name}_display") is not None]


def test_every_generated_display_method_is_the_cached_one() -> None:
    fields = _choice_fields()
    assert len(fields) > 30  # statuses, kinds, categories … of every app
    for model, field in fields:
        method = model.__dict__[f"get_{field.name}_display"]
        assert isinstance(method, partialmethod) and method.func is choices.display, (model, field.name)


def test_same_answer_as_django_for_every_choice_and_language() -> None:
    checked = 0
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in _choice_fields():
                obj = model()
                for value, _label in [*field.flatchoices, ("not-a-choice", ""), (None, "")]:
                    setattr(obj, field.attname, value)
                    ours = getattr(obj, f"get_{field.name}_display")()
                    django = choices._django_display(obj, field)  # Django's own implementation
                    assert ours == django and type(ours) is type(django), (model, field.name, value)
                    checked += 1
    assert checked > 200


def test_label_follows_the_active_language() -> None:
    from shequtong.cases.models import Case, Status

    case = Case(status=Status.RESOLVED)
    with translation.override("zh-hans"):
        zh = case.get_status_display()
        assert zh == str(Status.RESOLVED.label)
    assert zh  # a real label, not the stored value
    assert zh != Status.RESOLVED.value


def test_a_model_that_defines_its_own_display_keeps_it() -> None:
    class Meta:
        app_label = "common"

    def get_colour_display(self: models.Model) -> str:
        return "own"

    attrs = {"__module__": __name__, "Meta": Meta, "colour": models.CharField(max_length=3, choices=[("r", "红")]),
             "get_colour_display": get_colour_display}
    model = type("Painted", (models.Model,), attrs)
    try:
        choices.install()
        assert model(colour="r").get_colour_display() == "own"
    finally:
        apps.all_models["common"].pop("painted", None)
        apps.clear_cache()
