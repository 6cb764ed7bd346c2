from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .conditions import HUKOU_VALUES, TAGS


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("政策标题"), max_length=120)
    text = forms.CharField(label=_("政策内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    service = forms.CharField(label=_("服务内容与方式"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                              required=False)


class ConditionsForm(PolicyForm):
    conditions = forms.CharField(label=_("条件（JSON）"), widget=forms.Textarea(attrs={"rows": 5}), required=False)


class CareTagsForm(forms.Form):
    tags = forms.MultipleChoiceField(label=_("关爱标签"), choices=[(t, t) for t in TAGS], required=False,
                                     widget=forms.CheckboxSelectMultiple)
    hukou = forms.ChoiceField(label=_("户籍"), choices=[("", "未登记")] + [(h, h) for h in HUKOU_VALUES], required=False)
