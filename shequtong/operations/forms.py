from __future__ import annotations

from django import forms

from .models import ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportKind.choices)
    file = forms.FileField(label="文件（.xlsx、.csv；历史数据为 .jsonl）")


class RenameForm(forms.Form):
    name = forms.CharField(label="新名称", max_length=50)


class MoveForm(forms.Form):
    subdistrict = forms.TypedChoiceField(label="移至街镇", coerce=int)


class MergeForm(forms.Form):
    target = forms.TypedChoiceField(label="并入居村委", coerce=int)


class DisableForm(forms.Form):
    reason = forms.CharField(label="停用原因", max_length=200)


class TransferForm(forms.Form):
    to_username = forms.CharField(label="接收人用户名", max_length=150)
    grants = forms.TypedMultipleChoiceField(label="移交的角色", coerce=int, widget=forms.CheckboxSelectMultiple)
