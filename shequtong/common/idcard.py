"""Resident identity numbers (GB 11643-1999): checksum, birth date and sex."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The number is not a valid 18-digit resident identity number."""


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(number: str) -> str:
    return number.strip().upper()


def parse_id_number(number: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate the number and derive birth date and sex; raises InvalidIdNumber."""
    number = normalise(number)
    if not _PATTERN.match(number):
        raise InvalidIdNumber("身份证号码应为18位，最后一位可以是数字或X")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("身份证号码校验位不正确，请核对后重新输入")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("身份证号码中的出生日期无效") from exc
    if birth.year < 1900 or birth > (today or dt.date.today()):  # noqa: DTZ011 - a calendar date
        raise InvalidIdNumber("身份证号码中的出生日期无效")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, birth_date=birth, sex=sex)


def make_id_number(area: str, birth: dt.date, sequence: int) -> str:
    """Build a checksum-valid number (used only for synthetic demo residents)."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
