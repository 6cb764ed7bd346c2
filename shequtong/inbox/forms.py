"""Input validation for 信箱 pages (Chinese messages at the edge)."""

from __future__ import annotations

from django import forms

from .services import BODY_MAX, SUBJECT_MAX


class LetterForm(forms.Form):
    subject = forms.CharField(label="标题", max_length=SUBJECT_MAX, widget=forms.TextInput(attrs={"placeholder": "请输入标题"}))
    body = forms.CharField(label="内容", max_length=BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 6, "placeholder": "请输入信件内容"}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="回复", max_length=BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 3, "placeholder": "请输入回复内容"}))
