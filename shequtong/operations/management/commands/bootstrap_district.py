"""Create the district and its first three administrators (三员分立), once.

Interactive (asks for every value):

    manage.py bootstrap_district

Non-interactive (automation): every value as a flag, initial passwords generated and printed
once (or taken from the environment variables named by --*-password-env):

    manage.py bootstrap_district --no-input --name 宝山区 --code 310113 \
        --sysadmin-username sys01 --sysadmin-name 张三 --sysadmin-id-number … --sysadmin-phone … \
        --security-username sec01 … --audit-username aud01 …

The three must be different people (username, ID number and phone). Each signs in with the
initial password, then must set a new one and enrol a second factor (TOTP) before anything else.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.accounts.roles import Role
from shequtong.common.errors import DomainError
from shequtong.operations import services

ADMINS = (("sysadmin", Role.SYSADMIN), ("security", Role.SECURITY_ADMIN), ("audit", Role.AUDIT_ADMIN))
FIELDS = (("username", "用户名"), ("name", "真实姓名"), ("id_number", "身份证号码"), ("phone", "手机号码"))


class Command(BaseCommand):
    help = "Create the district and its system, security and audit administrators (three different people)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-input", action="store_true", help="take every value from the flags; ask nothing")
        parser.add_argument("--name", default="", help="the district's name, e.g. 宝山区")
        parser.add_argument("--code", default="", help="its administrative division code (6 or 12 digits)")
        for prefix, _role in ADMINS:
            for field, label in FIELDS:
                parser.add_argument(f"--{prefix}-{field.replace('_', '-')}", default="", help=label)
            parser.add_argument(f"--{prefix}-password-env", default="",
                                help="an environment variable holding the initial password (default: generated)")

    def handle(self, *args: Any, **opts: Any) -> None:
        interactive = not opts["no_input"]
        name = opts["name"] or (self._ask("区的名称（如 宝山区）") if interactive else "")
        code = opts["code"] or (self._ask("行政区划代码（如 310113）") if interactive else "")
        specs, shown = [], []
        for prefix, role in ADMINS:
            label = str(Role(role).label)
            values = {}
            for field, field_label in FIELDS:
                value = opts[f"{prefix}_{field}"]
                if not value and interactive:
                    value = self._ask(f"{label}的{field_label}")
                if not value:
                    raise CommandError(f"缺少 --{prefix}-{field.replace('_', '-')}（{label}的{field_label}）")
                values[field] = value
            password = ""
            if opts[f"{prefix}_password_env"]:
                password = os.environ.get(opts[f"{prefix}_password_env"], "")
                if not password:
                    raise CommandError(f"环境变量 {opts[f'{prefix}_password_env']} 为空")
            elif interactive:
                password = getpass.getpass(f"{label}的初始密码（直接回车则自动生成）：")
            if not password:
                password = services.initial_password()
                shown.append((label, values["username"], password))
            specs.append(services.AdminSpec(role=role, username=values["username"], real_name=values["name"],
                                            id_number=values["id_number"], phone=values["phone"], password=password))
        try:
            district, users = services.bootstrap_district(name=name, code=code, admins=specs)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建 {district.name}（{district.code}）及三位管理员："))
        for user, spec in zip(users, specs, strict=True):
            self.stdout.write(f"  {Role(spec.role).label}：{user.username}（{user.display_name}）")
        if shown:
            self.stdout.write("初始密码（只显示这一次，请当面或以安全方式交给本人）：")
            for label, username, password in shown:
                self.stdout.write(f"  {label} {username}：{password}")
        self.stdout.write("首次登录时须修改密码并绑定动态口令。")

    def _ask(self, prompt: str) -> str:
        return input(f"{prompt}：").strip()
