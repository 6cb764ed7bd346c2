"""Input validation for 小区群 pages (Chinese messages at the edge)."""

from __future__ import annotations

from django import forms

from .services import ANNOUNCEMENT_MAX, BODY_MAX, NAME_MAX


class MessageForm(forms.Form):
    body = forms.CharField(label="消息", max_length=BODY_MAX, error_messages={"required": "请输入消息内容"},
                           widget=forms.Textarea(attrs={"rows": 1, "id": "chat-body", "placeholder": "说点什么…", "maxlength": BODY_MAX}))


class HideForm(forms.Form):
    reason = forms.CharField(label="隐藏原因", max_length=200, error_messages={"required": "请填写隐藏原因"})


class AnnouncementForm(forms.Form):
    announcement = forms.CharField(label="群公告", max_length=ANNOUNCEMENT_MAX, required=False,
                                   widget=forms.Textarea(attrs={"rows": 4, "placeholder": "输入群公告内容，留空则撤下公告"}))


class ResidentGroupForm(forms.Form):
    name = forms.CharField(label="群名称", min_length=2, max_length=NAME_MAX,
                           widget=forms.TextInput(attrs={"placeholder": "如：5号楼邻里群、遛娃群"}))


class GroupForm(forms.Form):
    name = forms.CharField(label="群名称", min_length=2, max_length=NAME_MAX,
                           widget=forms.TextInput(attrs={"placeholder": "如：3号楼楼组群、老年活动群"}))
