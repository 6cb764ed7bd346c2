"""Input forms of 疫情防控; the services hold the rules, the forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequtong.boards.forms import MultipleImageField, MultipleImageInput
from shequtong.boards.images import MAX_IMAGES
from shequtong.common import clock
from shequtong.common.categories import Category
from shequtong.places.models import Estate

from .models import SYMPTOMS, HealthArchive, Reason, ReportKind
from .services import ArchiveInput, ReportInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def estate_choices(estates: list[Estate], *, several: bool) -> list[tuple[Any, Any]]:
    label = (lambda e: f"{e.community.name} · {e.name}") if several else (lambda e: e.name)
    return [("", _("请选择"))] + [(e.pk, label(e)) for e in estates]


class ReportForm(forms.Form):
    estate = forms.TypedChoiceField(label=_("小区/村民小组"), coerce=int)
    building = forms.CharField(label=_("楼号"), required=False, max_length=20)
    room = forms.CharField(label=_("室号"), required=False, max_length=20)
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DateTimeInput,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    people = forms.CharField(label=_("涉及人员"), required=False, max_length=200,
                             help_text=_("如姓名、人数、特征，加密保存"))
    content = forms.CharField(label=_("情况描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    contact_name = forms.CharField(label=_("联系人"), max_length=30)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
    images = MultipleImageField(label=f"照片（最多{MAX_IMAGES}张）",
                                widget=MultipleImageInput(attrs={"accept": "image/*"}))

    def __init__(self, *args: Any, kind: str, estates: list[Estate], several: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("occurred_at", timezone.localtime(clock.now()).replace(second=0,
                                                                                                           microsecond=0))
        super().__init__(*args, **kwargs)
        self.estates = {e.pk: e for e in estates}
        self.fields["estate"].choices = estate_choices(estates, several=several)  # type: ignore[attr-defined]
        if kind == ReportKind.HELP:
            self.fields["content"].label = _("求助内容")

    def to_input(self) -> ReportInput:
        d = self.cleaned_data
        estate = self.estates[d["estate"]]
        return ReportInput(
            community_id=estate.community_id, estate_id=estate.pk, occurred_at=d["occurred_at"], content=d["content"],
            contact_name=d["contact_name"], contact_phone=d["contact_phone"], building=d["building"], room=d["room"],
            people=d["people"], images=d.get("images") or [],
        )


class RespondForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "受理"), ("progress", "处理中"), ("finish", "办结")])
    note = forms.CharField(required=False, max_length=2000)


class CaseForm(forms.Form):
    category = forms.ChoiceField(label=_("问题标签"), choices=Category.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class ArchiveForm(forms.Form):
    estate = forms.TypedChoiceField(label=_("小区/村民小组"), coerce=int)
    building = forms.CharField(label=_("楼号"), required=False, max_length=20)
    room = forms.CharField(label=_("室号"), required=False, max_length=20)
    person_name = forms.CharField(label=_("姓名"), max_length=30)
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=18)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    reason = forms.ChoiceField(label=_("管理类型"), choices=Reason.choices, widget=forms.RadioSelect)
    started_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    contacts = forms.CharField(label=_("紧急联系人"), required=False, max_length=200,
                               help_text=_("姓名和电话，加密保存"))
    health_note = forms.CharField(label=_("健康情况"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    account_phone = forms.CharField(label=_("填报人手机号"), required=False, max_length=20,
                                    help_text=_("本社区社区通用户的注册手机号；填写后该用户可查看档案并每日填报（本人或家人）"))
    relation = forms.CharField(label=_("与填报人关系"), required=False, max_length=10)
    unlink_account = forms.BooleanField(label=_("取消关联填报人"), required=False)

    def __init__(self, *args: Any, estates: list[Estate], several: bool, instance: HealthArchive | None = None,
                 **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "estate": instance.estate_id, "building": instance.building, "room": instance.room,
                # The encrypted fields, the name too, are never put back in clear on the page (that
                # would be an unaudited clear read): left empty they stay as they are
                # (services.update_archive).
                "reason": instance.reason, "started_on": instance.started_on,
                "relation": instance.relation,
            }
        kwargs.setdefault("initial", {}).setdefault("started_on", clock.today())
        super().__init__(*args, **kwargs)
        self.estates = {e.pk: e for e in estates}
        self.fields["estate"].choices = estate_choices(estates, several=several)  # type: ignore[attr-defined]
        if instance is not None:
            self.fields["person_name"].required = False
            masked = {"person_name": instance.person_display, "id_number": instance.masked_id_number,
                      "phone": instance.masked_phone, "contacts": "******" if instance.contacts else "", "health_note": "******" if instance.health_note else ""}
            # The filler's phone, like the encrypted fields, is shown masked; left empty it stays.
            if instance.account_id and instance.account:
                masked["account_phone"] = instance.account.masked_phone
            for name, shown in masked.items():
                self.fields[name].widget.attrs["placeholder"] = f"{shown}（留空则不修改）" if shown else ""

    def to_input(self) -> ArchiveInput:
        d = self.cleaned_data
        estate = self.estates[d["estate"]]
        return ArchiveInput(
            community_id=estate.community_id, estate_id=estate.pk, person_name=d["person_name"],
            id_number=d["id_number"], phone=d["phone"], reason=d["reason"], started_on=d["started_on"],
            building=d["building"], room=d["room"], contacts=d["contacts"], health_note=d["health_note"],
            account_phone=d["account_phone"], relation=d["relation"],
            unlink_account=bool(d.get("unlink_account")),
        )


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(label=_("日期"), widget=DateInput)
    temperature = forms.DecimalField(label=_("体温（℃）"), max_digits=3, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("症状"), required=False, choices=SYMPTOMS,
                                         widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", clock.today())
        super().__init__(*args, **kwargs)
