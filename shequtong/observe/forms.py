"""The 全局信息穿透 filters: one form for the page and the API, places offered from the observer's scope."""

from __future__ import annotations

from typing import Any

from django import forms

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.boards.catalogue import Board
from shequtong.cases.models import Status as CaseStatus
from shequtong.common import chinese

from .selectors import Kind, SearchFilters

KIND_CHOICES = [("", "全部类型"), *[(k.value, str(k.label)) for k in Kind]]
BOARD_CHOICES = [("", "全部版块"), *[(b.value, str(b.label)) for b in Board]]
STATUS_CHOICES = [("", "全部状态"), *[(s.value, str(s.label)) for s in CaseStatus]]


class SearchForm(forms.Form):
    q = forms.CharField(label="关键词", max_length=50, required=False, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "标题、内容中的词，如：垃圾分类", "autocomplete": "off"}))
    kind = forms.ChoiceField(label="类型", choices=KIND_CHOICES, required=False)
    board = forms.ChoiceField(label="版块", choices=BOARD_CHOICES, required=False)
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)
    subdistrict = forms.TypedChoiceField(label="街镇", coerce=int, required=False, empty_value=None)
    community = forms.TypedChoiceField(label="居村委", coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        s = scope.scope_for(user, "observe")
        self.subdistricts = list(s.subdistricts().order_by("sort_order", "id"))
        self._choices("subdistrict", [("", "全部街镇"), *[(d.pk, d.name) for d in self.subdistricts]])
        self.fields["subdistrict"].error_messages["invalid_choice"] = "该街镇不在您的观察范围内"
        # Communities of one subdistrict at a time: the chosen one, or the observer's only one.
        sub_id = self._int(data.get("subdistrict")) if data else None
        community_id = self._int(data.get("community")) if data else None
        if sub_id is None and community_id is not None:
            sub_id = s.communities().filter(pk=community_id).values_list("subdistrict_id", flat=True).first()
        if sub_id is None and len(self.subdistricts) == 1:
            sub_id = self.subdistricts[0].pk
        self.communities = (
            list(s.communities().filter(subdistrict_id=sub_id).only("id", "name", "subdistrict_id").order_by("id"))
            if sub_id else []
        )
        self._choices("community", [("", "全部居村委"), *[(c.pk, c.name) for c in self.communities]])
        self.fields["community"].error_messages["invalid_choice"] = "该居村委不在您的观察范围内，或不属于所选街镇"
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "请输入有效的日期（年-月-日）"

    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    @staticmethod
    def _int(value: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def clean_q(self) -> str:
        q = " ".join((self.cleaned_data.get("q") or "").split())
        if q and not chinese.query_terms(q):
            raise forms.ValidationError("关键词需要包含汉字、字母或数字")
        return q

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "结束日期不能早于开始日期")
        kind, board, status = data.get("kind") or "", data.get("board") or "", data.get("status") or ""
        if board and status:
            self.add_error("status", "版块只用于帖子，状态只用于问题，请只选其一")
        elif board and kind not in ("", Kind.POST):
            self.add_error("board", "版块只用于筛选帖子")
        elif status and kind not in ("", Kind.CASE, Kind.LETTER):
            self.add_error("status", "状态只用于筛选问题和人民信箱")
        return data

    def to_filters(self) -> SearchFilters:
        """The filters of a valid form (call is_valid() first)."""
        d = self.cleaned_data
        return SearchFilters(
            q=d.get("q") or "", kind=d.get("kind") or "", board=d.get("board") or "", status=d.get("status") or "",
            date_from=d.get("date_from"), date_to=d.get("date_to"), subdistrict_id=d.get("subdistrict"),
            community_id=d.get("community"),
        )

    def first_error(self) -> tuple[str | None, str]:
        """(field, message) of the first problem, for the API's error format."""
        for name, errors in self.errors.items():
            return (None if name == "__all__" else name), str(errors[0])
        return None, ""
