"""Masking of personal data for display (张*明, 138****5678, 3101**********1234)."""

from __future__ import annotations

import re


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


# --- numbers written inside free text ----------------------------------------------
#
# People write a number the way they please: 13912340003, +86 139-1234-0003,
# 139.1234.0003, full-width １３９１２３４０００３, an ID number in groups of
# 6-8-4. The text is cut into runs of digits ("chunks", full-width digits
# included, an ID's final X allowed); neighbouring chunks joined by a short
# separator (spaces, a hyphen or a dot, full-width ones too) may form one
# number. From each chunk, the longest run of chunks that reads as a mobile
# number (optionally after 86/+86/0086/0), an 18-digit or a 15-digit ID number is
# replaced by its masked form. A longer digit run is a different number (an order
# number, a bank card over 18 digits): left alone, as before.

_DIGIT = "0-9\uff10-\uff19"
_CHUNK = re.compile(f"[{_DIGIT}]+[XxＸｘ]?")
# Between two chunks of one number: up to two spaces, one hyphen or dot, up to two spaces.
_SPACE = " \u00a0\u3000"
_JOIN = re.compile(f"[{_SPACE}]{{0,2}}[-.\u2010-\u2015\u00b7\u30fb\uff0d\uff0e]?[{_SPACE}]{{0,2}}")
_PLUS = re.compile(f"[+＋][{_SPACE}]?$")
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")
_MOBILE = re.compile(r"(?:0086|86|0)?(1[3-9]\d{9})")
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_LONGEST = 20  # digits: 0086 + 11, or 18


def _masked_number(digits: str) -> tuple[str, bool] | None:
    """(masked form, has a country code) of a whole number; None when it is not a mobile or ID number."""
    if _ID18.fullmatch(digits):
        return mask_id_number(digits), False
    if "X" in digits:
        return None
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        return mask_phone(mobile.group(1)), digits.startswith(("86", "0086"))
    if _ID15.fullmatch(digits):
        return mask_id_number(digits), False
    return None


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Chunks of digits as (start, end, ascii digits), grouped where a short separator joins them."""
    runs: list[list[tuple[int, int, str]]] = []
    for m in _CHUNK.finditer(text):
        chunk = (m.start(), m.end(), m.group(0).translate(_TO_ASCII))
        last = runs[-1][-1] if runs else None
        if last is not None and last[2][-1] != "X" and _JOIN.fullmatch(text, last[1], m.start()):
            runs[-1].append(chunk)
        else:
            runs.append([chunk])
    return runs


def _digits(chunk_run: list[tuple[int, int, str]]) -> str:
    return "".join(c[2] for c in chunk_run)


def mask_text(text: str | None) -> str:
    """Mask mobile numbers and ID numbers written inside free text, however they are written.

    For text that leaves the platform or comes from outside (a case published
    over Open311, a grid request, a grid result, a provider's answer, 全局信息穿透
    excerpts): the platform's own fields are masked by their own helpers above.
    """
    text = text or ""
    replacements: list[tuple[int, int, str]] = []
    for run in _runs(text):
        i = 0
        while i < len(run):
            found = _longest_number(text, run, i)
            if found is None:
                i += 1
                continue
            j, masked, country_code = found
            start = run[i][0]
            plus = _PLUS.search(text, 0, start) if country_code else None
            if plus is not None:
                start = plus.start()  # the + of +86 goes with the number
            replacements.append((start, run[j][1], masked))
            i = j + 1
    for start, end, masked in reversed(replacements):
        text = text[:start] + masked + text[end:]
    return text


def _longest_number(text: str, run: list[tuple[int, int, str]], i: int) -> tuple[int, str, bool] | None:
    """The longest number starting at chunk i: (last chunk, masked form, has a country code)."""
    # Every chunk holds a digit, so a number spans at most _LONGEST + 1 chunks: the work per
    # chunk is bounded, however long a run of "1 1 1 1 …" someone types.
    for j in range(min(len(run), i + _LONGEST + 1) - 1, i - 1, -1):
        digits = _digits(run[i:j + 1])
        if len(digits) > _LONGEST + 1:
            continue
        found = _masked_number(digits)
        if found is None and digits.endswith("X"):
            # "13912340003x": a letter after a mobile number is not part of it.
            found = _masked_number(digits[:-1])
            if found is not None:
                found = (found[0] + text[run[j][1] - 1], found[1])
        if found is not None:
            return j, found[0], found[1]
    return None
