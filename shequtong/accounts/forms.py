"""Input validation for account pages (Chinese messages at the edge)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from shequtong.places.models import Community, Estate, Subdistrict

from .roles import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="用户名或手机号", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": "用户名/手机号或密码不正确",
        "inactive": "该账户已停用",
    }


class RegisterForm(forms.Form):
    """The page's fields; every check is accounts.services.registration_errors, so errors come in one round."""

    real_name = forms.CharField(label="真实姓名", max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False,
                                error_messages={"max_length": "身份证号码应为18位"})
    phone = forms.CharField(label="手机号码", max_length=20, required=False, help_text="注册后用手机号码登录",
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
    sms_code = forms.CharField(label="短信验证码", max_length=6, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    username = forms.CharField(label="用户名（选填）", max_length=30, required=False,
                               help_text="可不填，用手机号码登录；填写则可用字母、数字、下划线或短横线")
    password = forms.CharField(label="密码", required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="至少8位，不要用常见密码（如123456、姓名拼音）")
    password2 = forms.CharField(label="确认密码", required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    consent = forms.BooleanField(label="我已阅读并同意《个人信息保护说明》", required=False)
    invite_code = forms.CharField(label="邀请码（选填）", max_length=12, required=False, help_text="邻居分享的邀请码")

    FIELDS = ("username", "real_name", "id_number", "phone", "sms_code", "password", "password2", "invite_code")


class ClaimForm(forms.Form):
    """认领账号: the page's fields; every check is accounts.claim.claim_errors, so errors come in one round."""

    phone = forms.CharField(label="手机号码", max_length=20, required=False, help_text="居村委登记的手机号码",
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
    sms_code = forms.CharField(label="短信验证码", max_length=6, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    id_proof = forms.CharField(label="身份证号码后6位", max_length=18, required=False,
                               help_text="也可以填写完整的18位身份证号码",
                               widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    password = forms.CharField(label="设置密码", required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="至少8位，不要用常见密码（如123456、姓名拼音）")
    password2 = forms.CharField(label="确认密码", required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    consent = forms.BooleanField(label="我已阅读并同意《个人信息保护说明》", required=False)

    FIELDS = ("phone", "sms_code", "id_proof", "password", "password2")


class JoinForm(forms.Form):
    subdistrict = forms.ModelChoiceField(label="街镇", queryset=Subdistrict.objects.all(), empty_label="请选择街镇")
    community = forms.ModelChoiceField(label="居村委", queryset=Community.objects.none(), empty_label="请选择居村委")
    estate = forms.ModelChoiceField(label="小区/村民小组", queryset=Estate.objects.none(), required=False, empty_label="请选择小区")
    note = forms.CharField(label="申请说明", max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": "如：门牌号、联系方式（选填）"}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].widget.attrs.update({
            "data-children-url": "/places/communities/?subdistrict=", "data-children-target": "id_community",
        })
        self.fields["community"].widget.attrs.update({
            "data-children-url": "/places/estates/?community=", "data-children-target": "id_estate",
            "data-placeholder": "请选择居村委",
        })
        self.fields["estate"].widget.attrs.update({"data-placeholder": "请选择小区"})
        sub = self.data.get("subdistrict") or self.initial.get("subdistrict")
        if sub and str(sub).isdigit():
            self.fields["community"].queryset = Community.objects.filter(subdistrict_id=int(sub))
        comm = self.data.get("community") or self.initial.get("community")
        if comm and str(comm).isdigit():
            self.fields["estate"].queryset = Estate.objects.filter(community_id=int(comm))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "不通过")])
    reason = forms.CharField(label="审核意见", max_length=200, required=False)


class GrantForm(forms.Form):
    who = forms.CharField(label="用户（用户名或手机号）", max_length=50)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    subdistrict = forms.ModelChoiceField(label="街镇", queryset=Subdistrict.objects.all(), required=False, empty_label="全区")
    community = forms.ModelChoiceField(label="居村委", queryset=Community.objects.none(), required=False, empty_label="（不限）")
    estate = forms.ModelChoiceField(label="小区/村民小组", queryset=Estate.objects.none(), required=False, empty_label="（不限）")

    def __init__(self, *args, roles=None, communities=None, subdistricts=None, whole_district=True, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Offer only the granter's own places; "全区" only to those who hold the whole district.
        if subdistricts is not None:
            self.fields["subdistrict"].queryset = subdistricts
        if not whole_district:
            self.fields["subdistrict"].empty_label = "请选择街镇"
        if roles is not None:
            self.fields["role"].choices = [(r, label) for r, label in Role.choices if r in roles]
        if communities is not None:
            self.fields["community"].queryset = communities
        self.fields["subdistrict"].widget.attrs.update({
            "data-children-url": "/places/communities/?subdistrict=", "data-children-target": "id_community",
        })
        self.fields["community"].widget.attrs.update({
            "data-children-url": "/places/estates/?community=", "data-children-target": "id_estate",
            "data-placeholder": "（不限）",
        })
        self.fields["estate"].widget.attrs.update({"data-placeholder": "（不限）"})
        comm = self.data.get("community")
        if comm and str(comm).isdigit():
            self.fields["estate"].queryset = Estate.objects.filter(community_id=int(comm))
            if communities is None:
                self.fields["community"].queryset = Community.objects.all()


class TokenForm(forms.Form):
    name = forms.CharField(label="名称", max_length=50, widget=forms.TextInput(attrs={"placeholder": "如：报表系统"}))
    scope = forms.ChoiceField(label="权限", choices=[("read", "只读"), ("write", "读写")], initial="read")
    days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=90, initial=30,
                              help_text="默认30天，最长90天")


class OtpForm(forms.Form):
    token = forms.CharField(label="动态口令", max_length=20, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="打开手机上的身份验证器，输入显示的6位数字；手机不在身边时可输入一个恢复码")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text="至少8位，包含大写字母、小写字母、数字、符号中的至少3类")
    new_password2 = forms.CharField(label="确认新密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的密码不一致")
        return data
