"""Input of the case pages: list filters, the category tag, handling, rating."""

from __future__ import annotations

from typing import ClassVar

from django import forms

from shequtong.common.categories import Category
from shequtong.common.jinja import WidgetRenderer

from . import overdue
from .models import SOURCE_FILTER_LABELS, Status
from .selectors import CaseFilter

STATUS_FILTER_CHOICES = [
    ("", "全部状态"),
    *[(s.value, str(s.label)) for s in Status],
    ("overdue", "全部逾期"),
    *[(b.value, str(b.label)) for b in overdue.Overdue],
]
SOURCE_CHOICES = [("", "全部来源"), *SOURCE_FILTER_LABELS.items()]
CATEGORY_FILTER_CHOICES = [("", "全部标签"), *[(c.value, str(c.label)) for c in Category], ("none", "未设置标签")]


class CaseFilterForm(forms.Form):
    # Drawn on every open of the case list: its selects through Jinja2, the same markup (common/jinja.py).
    default_renderer = WidgetRenderer()

    status = forms.ChoiceField(label="状态", choices=STATUS_FILTER_CHOICES, required=False)
    source = forms.ChoiceField(label="来源", choices=SOURCE_CHOICES, required=False)
    category = forms.ChoiceField(label="标签", choices=CATEGORY_FILTER_CHOICES, required=False)
    q = forms.CharField(label="关键字", max_length=50, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "标题、内容关键字", "type": "search"}))
    subdistrict = forms.IntegerField(label="街镇", required=False, min_value=1)
    community = forms.IntegerField(label="居村委", required=False, min_value=1)
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    # The fields the list draws as widgets, and the empty form's drawing (widgets()).
    SHOWN = ("status", "source", "category", "date_from", "date_to", "q")
    _empty_widgets: ClassVar[dict[str, str]] = {}

    def widgets(self) -> dict[str, str]:
        """Each shown field's widget as HTML, for ``{{ widgets.status }}``.

        An unbound form (the list as it opens, no query string) draws the same every time: that
        drawing is kept for the process (the choices are fixed at import, the one language too).
        """
        if self.is_bound:
            return {name: str(self[name]) for name in self.SHOWN}
        if not CaseFilterForm._empty_widgets:
            CaseFilterForm._empty_widgets = {name: str(self[name]) for name in self.SHOWN}
        return CaseFilterForm._empty_widgets

    def to_filter(self) -> CaseFilter:
        """The valid part of the query string (a bad value is ignored, not an error page)."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        return CaseFilter(
            status=data.get("status") or "", source=data.get("source") or "", category=data.get("category") or "",
            q=(data.get("q") or "").strip(), subdistrict_id=data.get("subdistrict"), community_id=data.get("community"),
            date_from=data.get("date_from"), date_to=data.get("date_to"),
        )


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="问题标签", choices=Category.choices, widget=forms.RadioSelect)


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(label="评分", coerce=int, choices=[(i, f"{i}星") for i in range(1, 6)],
                                   widget=forms.RadioSelect)
    feedback = forms.CharField(label="意见/建议", required=False, max_length=1000,
                               widget=forms.Textarea(attrs={"rows": 3, "placeholder": "对问题处理过程或处理结果的意见/建议（选填）"}))


class ReassignForm(forms.Form):
    assignee = forms.IntegerField(label="转派给", min_value=1, error_messages={"required": "请选择本居村委的同事"})
    note = forms.CharField(label="转派说明", max_length=500, required=False)
