"""Input validation for 乡村振兴 pages (Chinese messages at the edge); services re-check everything."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from shequtong.boards.forms import MultipleImageField, MultipleImageInput
from shequtong.boards.images import MAX_IMAGES

from .models import Item, ItemType
from .services import ItemInput

_DT = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
       "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], "required": False}


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class ItemForm(forms.Form):
    item_type = forms.ChoiceField(label="类型", choices=ItemType.choices)
    title = forms.CharField(label="标题", max_length=100)
    body = forms.CharField(label="内容", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))
    images = MultipleImageField(label=f"图片（最多{MAX_IMAGES}张）", widget=MultipleImageInput(attrs={"accept": "image/*"}))
    starts_at = forms.DateTimeField(label="活动时间", **_DT)  # type: ignore[arg-type]
    place = forms.CharField(label="活动地点", max_length=100, required=False)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=100000, required=False)
    signup_deadline = forms.DateTimeField(label="报名截止时间", **_DT)  # type: ignore[arg-type]
    cost = forms.IntegerField(label="报名所需社区豆", min_value=0, max_value=10000, required=False,
                              help_text="0或不填表示免费；报名时扣除，取消报名时退还")

    def __init__(self, *args: Any, instance: Item | None = None, **kwargs: Any) -> None:
        if instance is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "item_type": instance.item_type, "title": instance.title, "body": instance.body,
                "starts_at": timezone.localtime(instance.starts_at) if instance.starts_at else None,
                "place": instance.place, "capacity": instance.capacity,
                "signup_deadline": timezone.localtime(instance.signup_deadline) if instance.signup_deadline else None,
                "cost": instance.cost,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.remove_choices = [(img.pk, img) for img in instance.images.all()] if instance is not None else []

    def to_input(self, remove_images: tuple[int, ...] = ()) -> ItemInput:
        d = self.cleaned_data
        return ItemInput(
            title=d["title"], body=d["body"], item_type=d["item_type"], starts_at=_aware(d.get("starts_at")),
            place=d.get("place") or "", capacity=d.get("capacity"), signup_deadline=_aware(d.get("signup_deadline")),
            cost=d.get("cost") or 0,
            images=tuple(d.get("images") or ()), remove_images=remove_images,
        )
