"""Input forms of 社会公益服务项目管理平台; the services hold the rules, the forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequtong.places.models import Community

from .models import Audience, CharityProject, ServiceCategory
from .services import ProjectInput, SiteInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=60)
    category = forms.ChoiceField(label=_("服务类别"), choices=[("", _("请选择"))] + list(ServiceCategory.choices))
    services = forms.CharField(label=_("服务项目"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("提供的具体服务，如：上门助浴、健康讲座"))
    audience = forms.MultipleChoiceField(label=_("服务对象"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple)
    communities = forms.ModelMultipleChoiceField(label=_("服务社区"), queryset=Community.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput)
    cover = forms.ImageField(label=_("封面图片"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"}),
                             help_text=_("JPG、PNG 或 WEBP，不超过5MB"))
    remove_cover = forms.BooleanField(label=_("删除封面图片"), required=False)
    description = forms.CharField(label=_("项目介绍"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, communities: Any, instance: CharityProject | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": instance.title, "category": instance.category, "services": instance.services,
                "audience": instance.audience, "communities": list(instance.communities.values_list("pk", flat=True)),
                "starts_on": instance.starts_on, "ends_on": instance.ends_on, "description": instance.description,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]
        if instance is None or not instance.cover:
            del self.fields["remove_cover"]

    def to_input(self) -> ProjectInput:
        d = self.cleaned_data
        return ProjectInput(
            title=d["title"], category=d["category"], services=d["services"], audience=tuple(d["audience"]),
            community_ids=tuple(c.pk for c in d["communities"]), starts_on=d["starts_on"], ends_on=d["ends_on"],
            description=d["description"], cover=d.get("cover") or None, remove_cover=bool(d.get("remove_cover")),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("不通过原因"), max_length=200)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("站点名称"), max_length=60)
    address = forms.CharField(label=_("站点地址"), max_length=200)
    communities = forms.ModelMultipleChoiceField(label=_("服务社区"), queryset=Community.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, help_text=_("如：周一至周五 9:00-17:00"))
    lead_name = forms.CharField(label=_("站点负责人"), max_length=30)
    introduction = forms.CharField(label=_("站点介绍"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, communities: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "address": instance.address, "opening_hours": instance.opening_hours,
                "lead_name": instance.lead_name, "introduction": instance.introduction,
                "communities": list(instance.communities.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]

    def to_input(self) -> SiteInput:
        d = self.cleaned_data
        return SiteInput(name=d["name"], address=d["address"], community_ids=tuple(c.pk for c in d["communities"]),
                         opening_hours=d["opening_hours"], lead_name=d["lead_name"], introduction=d["introduction"])


class BindingForm(forms.Form):
    site = forms.ModelChoiceField(label=_("服务站点"), queryset=Community.objects.none(), empty_label=_("请选择"))
    service_time = forms.CharField(label=_("服务时间"), max_length=100, help_text=_("如：每周三下午"))
    note = forms.CharField(label=_("绑定说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, sites: Any = None, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"service_time": instance.service_time, "note": instance.note}
        super().__init__(*args, **kwargs)
        if sites is None:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("项目节点"), max_length=60)
    target = forms.CharField(label=_("节点目标"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("计划完成日期"), widget=DateInput)
    weight = forms.IntegerField(label=_("权重"), min_value=1, max_value=100, initial=1,
                                help_text=_("总体进度按各节点权重加权计算"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ProgressForm(forms.Form):
    completion = forms.IntegerField(label=_("完成度（%）"), min_value=0, max_value=100)
    evidence = forms.CharField(label=_("完成情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleImageField(label=_("照片"), required=False, help_text=_("最多9张，JPG、PNG 或 WEBP"))

    def __init__(self, *args: Any, with_photos: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["accept"] = "image/*"
        if not with_photos:
            del self.fields["photos"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SlotForm(forms.Form):
    title = forms.CharField(label=_("服务内容"), max_length=60)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M"])
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=500)


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("评分"), coerce=int, choices=[(i, f"{i}星") for i in range(5, 0, -1)],
                                   widget=forms.RadioSelect)
    text = forms.CharField(label=_("评价"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
