"""Input forms for visit records; the services hold the rules, the form only shapes the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequtong.common import clock
from shequtong.common.categories import Category
from shequtong.places.models import Community

from .models import Visit, VisitTag, VisitType
from .services import MAX_PROBLEMS, ProblemInput, VisitInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # <input type=date> takes ISO dates whatever the locale.
        super().__init__(attrs, format="%Y-%m-%d")


class VisitForm(forms.Form):
    community: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Community.objects.none(), label=_("居村委"), empty_label=None)
    person_kind = forms.ChoiceField(
        label=_("面对面对象"), choices=[("member", _("社区通用户")), ("other", _("非社区通用户"))],
        widget=forms.RadioSelect, initial="member",
    )
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person_name = forms.CharField(label=_("姓名"), required=False, max_length=30)
    person_address = forms.CharField(label=_("地址"), required=False, max_length=200,
                                     help_text=_("地址加密保存，仅显示部分内容"))
    visit_type = forms.ChoiceField(label=_("类型"), choices=[("", _("请选择"))] + list(VisitType.choices))
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, choices=VisitTag.choices,
                                     widget=forms.CheckboxSelectMultiple)
    visited_on = forms.DateField(label=_("走访日期"), widget=DateInput)
    title = forms.CharField(label=_("标题"), max_length=100)
    content = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    audio = forms.FileField(label=_("录音"), required=False,
                            widget=forms.FileInput(attrs={"accept": "audio/*"}),
                            help_text=_("可附一段录音（WebM、OGG、MP3、M4A、WAV、AMR，不超过10MB）"))
    remove_audio = forms.BooleanField(label=_("删除已有录音"), required=False)

    def __init__(self, *args: Any, communities: Any, instance: Visit | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "community": instance.community_id, "person_kind": "member" if instance.person_id else "other",
                "person": instance.person_id, "person_name": instance.person_name,
                "visit_type": instance.visit_type, "tags": instance.tags, "visited_on": instance.visited_on,
                "title": instance.title, "content": instance.content,
            }
        kwargs.setdefault("initial", {}).setdefault("visited_on", clock.today())
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        if instance is not None:
            self.fields["community"].disabled = True
        self.fields["content"].widget.attrs["data-dictation-target"] = "1"
        self.problem_rows = self._problem_rows()

    def _problem_rows(self) -> list[dict[str, Any]]:
        """The problem rows to render: what was posted, or the instance's problems, plus empty rows."""
        rows: list[dict[str, Any]] = []
        if self.is_bound:
            for i in range(MAX_PROBLEMS):
                rows.append({"category": self.data.get(f"problem_category_{i}", ""),
                             "content": self.data.get(f"problem_content_{i}", "")})
        else:
            if self.instance is not None:
                rows = [{"category": p.category, "content": p.content} for p in self.instance.problems.all()]
            rows += [{"category": "", "content": ""} for _ in range(MAX_PROBLEMS - len(rows))]
        for i, row in enumerate(rows):
            row["index"] = i
            row["empty"] = not (row["content"] or "").strip()
        return rows

    @property
    def category_choices(self) -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in Category.choices]

    def problems(self) -> tuple[ProblemInput, ...]:
        out = []
        for i in range(MAX_PROBLEMS):
            content = (self.data.get(f"problem_content_{i}") or "").strip()
            if content:
                out.append(ProblemInput(category=self.data.get(f"problem_category_{i}", ""), content=content))
        return tuple(out)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person_kind") == "member" and not data.get("person"):
            self.add_error("person_kind", _("请查找并选择社区通用户，或选择“非社区通用户”填写姓名"))
        if data.get("person_kind") == "other" and not (data.get("person_name") or "").strip():
            self.add_error("person_name", _("请填写面对面对象的姓名"))
        return data

    def to_input(self) -> VisitInput:
        d = self.cleaned_data
        member = d["person_kind"] == "member"
        community = d["community"] if self.instance is None else self.instance.community
        return VisitInput(
            community_id=community.pk, visit_type=d["visit_type"], title=d["title"], content=d["content"],
            visited_on=d["visited_on"], person_id=d.get("person") if member else None,
            person_name="" if member else d.get("person_name", ""),
            person_address="" if member else d.get("person_address", ""),
            tags=tuple(d.get("tags") or ()), problems=self.problems(),
            audio=d.get("audio") or None, remove_audio=bool(d.get("remove_audio")),
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("联系方式"), choices=[("letter", _("信箱")), ("group", _("群聊")), ("email", _("邮件"))],
                                widget=forms.RadioSelect, initial="letter")
    subject = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
