from __future__ import annotations

from typing import Any

from django import forms

from .models import Gift
from .services import AuctionInput, GiftInput


class GiftForm(forms.Form):
    community = forms.TypedChoiceField(label="发布范围", coerce=int, required=False, empty_value=None)
    name = forms.CharField(label="礼品名称", max_length=60)
    kind = forms.ChoiceField(label="礼品类型", choices=Gift.Kind.choices, initial=Gift.Kind.PHYSICAL)
    cost = forms.IntegerField(label="所需社区豆", min_value=1, max_value=100000)
    stock = forms.IntegerField(label="库存", min_value=0, max_value=100000)
    how_to_collect = forms.CharField(label="领取方式", max_length=200,
                                     widget=forms.TextInput(attrs={"placeholder": "如：凭兑换记录到居委会服务窗口领取"}))
    description = forms.CharField(label="礼品说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, places: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("" if v is None else v, label) for v, label in places]  # type: ignore[attr-defined]

    def to_input(self) -> GiftInput:
        d = self.cleaned_data
        return GiftInput(name=d["name"], description=d["description"], kind=d["kind"], cost=d["cost"], stock=d["stock"],
                         how_to_collect=d["how_to_collect"], community_id=d["community"])


class InviteForm(forms.Form):
    phone = forms.CharField(label="邻居的手机号码", max_length=20)


class QualityForm(forms.Form):
    phone = forms.CharField(label="居村民手机号码", max_length=20)
    reason = forms.CharField(label="奖励原因", max_length=100,
                             widget=forms.TextInput(attrs={"placeholder": "如：高质量主题、有建设性的评论、发起议题议案"}))
    reputation = forms.IntegerField(label="社区威望", min_value=0, max_value=500, initial=10)
    beans = forms.IntegerField(label="社区豆", min_value=0, max_value=500, initial=10)


_DT = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}), "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]}


class AuctionForm(forms.Form):
    community = forms.TypedChoiceField(label="发布社区", coerce=int)
    title = forms.CharField(label="拍品名称", max_length=60)
    start_price = forms.IntegerField(label="起拍价（社区豆）", min_value=1, max_value=100000)
    increment = forms.IntegerField(label="最小加价（社区豆）", min_value=1, max_value=10000, initial=5)
    starts_at = forms.DateTimeField(label="开始时间", **_DT)  # type: ignore[arg-type]
    ends_at = forms.DateTimeField(label="结束时间", **_DT)  # type: ignore[arg-type]
    how_to_collect = forms.CharField(label="领取方式", max_length=200,
                                     widget=forms.TextInput(attrs={"placeholder": "如：竞拍成功后到居委会服务窗口领取"}))
    description = forms.CharField(label="拍品说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, places: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = places  # type: ignore[attr-defined]

    def to_input(self) -> AuctionInput:
        d = self.cleaned_data
        return AuctionInput(community_id=d["community"], title=d["title"], description=d["description"],
                            how_to_collect=d["how_to_collect"], start_price=d["start_price"], increment=d["increment"],
                            starts_at=d["starts_at"], ends_at=d["ends_at"])


class BidForm(forms.Form):
    amount = forms.IntegerField(label="出价（社区豆）", min_value=1, max_value=1000000)


class DonateForm(forms.Form):
    phone = forms.CharField(label="受赠居村民的手机号码", max_length=20)
    amount = forms.IntegerField(label="捐赠社区豆", min_value=1, max_value=1000)
    note = forms.CharField(label="留言", max_length=100, required=False)
