"""The 我要提问题/建议 form and the sub-category editor."""

from __future__ import annotations

from typing import Any

from django import forms

from shequtong.boards.forms import MultipleImageField, MultipleImageInput
from shequtong.boards.images import MAX_IMAGES
from shequtong.common.categories import Category

from . import selectors
from .models import Letter, SubCategory


class LetterForm(forms.Form):
    """Category (single), sub-category (single for residents, several for committees), content."""

    kind = forms.ChoiceField(label="类型", choices=Letter.Kind.choices, initial=Letter.Kind.PROBLEM, widget=forms.RadioSelect)
    category = forms.ChoiceField(label="问题大类", choices=Category.choices, widget=forms.RadioSelect)
    subcategories = forms.TypedMultipleChoiceField(label="问题小类", coerce=int, choices=(), required=True)
    title = forms.CharField(label="标题", max_length=60, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "选填，不填则取内容开头"}))
    content = forms.CharField(label="内容", min_length=5, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 6, "placeholder": "请描述一个问题或建议（一次只提交一个问题）"}))
    # Compressed in the browser before sending (static/js/app.js, data-compress); checked again on the server.
    photos = MultipleImageField(label=f"照片（选填，最多{MAX_IMAGES}张）", widget=MultipleImageInput(
        attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "data-compress": "1600"}))

    def __init__(self, *args: Any, multi: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multi = multi
        subcategories = self.fields["subcategories"]
        assert isinstance(subcategories, forms.TypedMultipleChoiceField)
        subcategories.choices = [(pk, name) for pk, _category, name in selectors.active_subcategories()]
        self.fields["subcategories"].error_messages["required"] = "请选择问题小类"
        self.fields["category"].error_messages["required"] = "请选择问题大类"

    def clean_subcategories(self) -> list[int]:
        ids: list[int] = self.cleaned_data["subcategories"]
        if not self.multi and len(ids) > 1:
            raise forms.ValidationError("小类只能选择一个")
        return ids


class SubCategoryForm(forms.ModelForm):
    class Meta:
        model = SubCategory
        fields = ["category", "name", "sort_order", "is_active"]
