"""Input validation for board pages; services re-check everything that matters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from shequtong.common.categories import Category

from .catalogue import Board
from .images import MAX_IMAGES
from .models import AnnouncementComment, Post, Vote


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleImageInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


_CATEGORY_CHOICES = [("", "不选择")] + list(Category.choices)


class PostForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    body = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    images = MultipleImageField(label=f"图片（最多{MAX_IMAGES}张）", widget=MultipleImageInput(attrs={"accept": "image/*"}))
    # 身边事 only.
    is_mutual_aid = forms.BooleanField(label="这是【互助】内容", required=False)
    category = forms.ChoiceField(label="问题标签", choices=_CATEGORY_CHOICES, required=False)
    # 左邻右舍 only: 闲置品公益赠送.
    is_giveaway = forms.BooleanField(label="这是闲置赠送（免费赠送，不标价）", required=False)
    pickup_place = forms.CharField(label="自取地点", max_length=100, required=False,
                                   widget=forms.TextInput(attrs={"placeholder": "如：3号楼门卫室"}))
    # 议事厅, committee only.
    convention = forms.BooleanField(label="直接发布为公约", required=False)
    # 社区服务 only.
    service_time = forms.CharField(label="服务时间", max_length=100, required=False)
    place = forms.CharField(label="服务地点", max_length=100, required=False)
    capacity = forms.IntegerField(label="名额（不填为不限）", min_value=1, max_value=999, required=False)

    def __init__(self, *args: Any, board: str, can_convention: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board = board
        if board != Board.NEIGHBOURS:
            for name in ("is_mutual_aid", "category", "is_giveaway", "pickup_place"):
                del self.fields[name]
        if board != Board.COUNCIL or not can_convention:
            del self.fields["convention"]
        if board != Board.SERVICES:
            for name in ("service_time", "place", "capacity"):
                del self.fields[name]
        else:
            self.fields["service_time"].required = True
            self.fields["title"].label = "服务名称"
            self.fields["body"].label = "服务内容"


    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_giveaway") and not (data.get("pickup_place") or "").strip():
            self.add_error("pickup_place", "请填写自取地点")
        return data


class MoveTopicForm(forms.Form):
    stage = forms.ChoiceField(label="阶段", choices=Post.Stage.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label="回复", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class HideForm(forms.Form):
    reason = forms.CharField(label="隐藏原因", max_length=200)


class TagForm(forms.Form):
    category = forms.ChoiceField(label="问题标签", choices=Category.choices)


class VoteForm(forms.Form):
    question = forms.CharField(label="投票事项", max_length=200)
    options = forms.CharField(
        label="选项（每行一个）", widget=forms.Textarea(attrs={"rows": 3}), initial="同意\n不同意\n弃权",
    )
    deadline = forms.DateTimeField(
        label="截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def clean_deadline(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["deadline"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)


class CloseVoteForm(forms.Form):
    outcome = forms.ChoiceField(label="结果", choices=Vote.Outcome.choices)


class BookingForm(forms.Form):
    note = forms.CharField(label="备注", max_length=200, required=False)


class AnnouncementForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    body = forms.CharField(label="内容", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))
    comments_open = forms.BooleanField(label="公开评论（居村民、居村委可留言）", required=False, initial=True)


class CommentForm(forms.Form):
    body = forms.CharField(label="留言", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class CommentModerationForm(forms.Form):
    status = forms.ChoiceField(choices=[
        (AnnouncementComment.Status.SHOWN, "公开"), (AnnouncementComment.Status.HIDDEN, "不公开"),
    ])
    audience = forms.ChoiceField(choices=AnnouncementComment.Audience.choices, required=False)


class CommentFilterForm(forms.Form):
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    community = forms.TypedChoiceField(label="居村委", required=False, coerce=int, empty_value=None)
    q = forms.CharField(label="关键字", max_length=50, required=False)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + list(AnnouncementComment.Status.choices),
    )

    def __init__(self, *args: Any, communities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "全部居村委")] + communities  # type: ignore[attr-defined]
