"""Password rules (NF-4): at least 3 of 4 character classes; no local common password."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类",
                code="password_classes",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码至少8位，包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类"


LOCAL_COMMON_PASSWORDS = Path(__file__).with_name("local_common_passwords.txt")


@lru_cache(maxsize=1)
def _local_words() -> frozenset[str]:
    lines = LOCAL_COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def _core(password: str) -> str:
    """The letters of a password, lower-cased: "Baoshan@2026" and "Shanghai2026!" become place names."""
    return re.sub(r"[^a-z]", "", password.lower())


class LocalCommonPasswordValidator:
    """Refuse passwords built from a local common word plus digits and symbols.

    Django's CommonPasswordValidator knows "password1" but not "Baoshan@2026": a place name, the
    platform's name or a Chinese favourite, decorated with a year and a symbol, passes every
    composition rule and is the first thing an attacker tries here (issue 12 item 12).
    """

    def validate(self, password: str, user: Any = None) -> None:
        core = _core(password)
        words = _local_words()
        if not core or core in words or any(core == w * 2 for w in words):
            raise ValidationError("该密码过于常见（如地名、平台名加年份），请换一个不易猜到的密码",
                                  code="password_local_common")

    def get_help_text(self) -> str:
        return "不能使用地名、平台名等常见词加数字或符号组成的密码"


# --- The residents' rule (issue 14 item 7) -----------------------------------------------------
# A password a person can meet: at least 8 characters and not a common one, no character classes.
# Staff keep the stricter rule of settings.AUTH_PASSWORD_VALIDATORS (3 of 4 classes, mfa.py).
RESIDENT_MIN_LENGTH = 8


def resident_password_errors(password: str, user: Any = None) -> list[str]:
    """Every reason the password is refused, in Chinese (no English validator text reaches the page)."""
    from django.contrib.auth.password_validation import (
        CommonPasswordValidator,
        UserAttributeSimilarityValidator,
    )

    if not password:
        return ["请设置密码"]
    errors: list[str] = []
    if len(password) < RESIDENT_MIN_LENGTH:
        errors.append(f"密码至少{RESIDENT_MIN_LENGTH}位")
    try:
        CommonPasswordValidator().validate(password)
    except ValidationError:
        errors.append("该密码过于常见，请换一个不易猜到的密码")
    try:
        LocalCommonPasswordValidator().validate(password)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if user is not None:
        try:
            UserAttributeSimilarityValidator(user_attributes=("username", "real_name"), max_similarity=0.7).validate(
                password, user)
        except ValidationError:
            errors.append("密码与用户名或姓名太相似")
    return errors
