"""common.masking.mask_text catches a mobile or ID number however it is written (issue 12 item 1)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequtong.common.masking import mask_id_number, mask_phone, mask_text

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")

# The formats of the outside probe, literally.
PROBE = [
    ("13912340003", "13912340003"),
    ("+8613912340003", "13912340003"),
    ("139-1234-0003", "13912340003"),
    ("139 1234 0003", "13912340003"),
    ("１３９１２３４０００３", "13912340003"),
    ("8613912340003", "13912340003"),
    ("139.1234.0003", "13912340003"),
    ("310113196001011234", "310113196001011234"),
    ("310113 19600101 1234", "310113196001011234"),
    ("3101 1319 6001 0112 3X", "31011319600101123X"),
    ("310113600101123", "310113600101123"),
]


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9X]", "", text.translate(TO_ASCII).upper())


@pytest.mark.parametrize(("written", "number"), PROBE)
def test_every_probe_format_is_masked(written: str, number: str) -> None:
    masked = mask_text(f"请联系我{written}，谢谢")
    assert number not in digits_of(masked), masked
    expected = mask_phone(number) if len(number) == 11 else mask_id_number(number)
    assert expected in masked
    assert masked.startswith("请联系我") and masked.endswith("，谢谢")


def test_two_numbers_side_by_side_are_both_masked() -> None:
    masked = mask_text("13912340003 13912340004 和 139 1234 0005")
    assert masked == "139****0003 139****0004 和 139****0005"


def test_a_number_inside_a_long_run_of_spaced_digits_does_not_leak() -> None:
    # Single digits joined by spaces read as 15-digit ID numbers too: masked generously.
    masked = mask_text("1 " * 2000 + "139 1234 0003" + " 2" * 2000)
    assert "13912340003" not in digits_of(masked) and "*" in masked


@pytest.mark.parametrize("text", [
    "电话021-56781234", "2026-12-03 13:45 开会", "3号楼101室", "金额 1,000.50 元", "编号 1391234000",
    "房价 139 万", "",
])
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


# --- generated formats ---------------------------------------------------------------

mobiles = st.builds(lambda second, rest: "1" + second + rest,
                    st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
ids18 = st.builds(lambda body, check: body + check,
                  st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
ids15 = st.text("0123456789", min_size=15, max_size=15)
SEPARATORS = ["", " ", "-", ".", "－", "．", "　", " - "]
# Surroundings carry no digits: a digit next to the number would make it a different number.
around = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=12)


def _group(number: str, sizes: list[int]) -> list[str]:
    out, i = [], 0
    for n in sizes:
        if i >= len(number):
            break
        out.append(number[i:i + n])
        i += n
    if i < len(number):
        out.append(number[i:])
    return out


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["mobile", "id18", "id15"]))
    number = draw({"mobile": mobiles, "id18": ids18, "id15": ids15}[kind])
    if kind == "mobile":
        sizes = draw(st.sampled_from([[11], [3, 4, 4], [3, 8], [7, 4]]))
    else:
        sizes = draw(st.sampled_from([[len(number)], [6, 8, 4], [4, 4, 4, 4, 4], [6, 6, 6]]))
    sep = draw(st.sampled_from(SEPARATORS))
    parts = _group(number, sizes)
    prefix = draw(st.sampled_from(["", "+86", "86", "+86 ", "0086", "＋８６"])) if kind == "mobile" else ""
    written = prefix + sep.join(parts)
    # Full-width digits, everywhere or in some places.
    mode = draw(st.sampled_from(["ascii", "full", "mixed"]))
    if mode == "full":
        written = written.translate(FULL_WIDTH)
    elif mode == "mixed":
        flags = draw(st.lists(st.booleans(), min_size=len(written), max_size=len(written)))
        written = "".join(c.translate(FULL_WIDTH) if f else c for c, f in zip(written, flags, strict=True))
    return written, number


@settings(max_examples=400, deadline=None)
@given(written_numbers(), around, around)
def test_generated_formats_never_leak_the_number(case: tuple[str, str], before: str, after: str) -> None:
    written, number = case
    masked = mask_text(before + written + after)
    assert number not in digits_of(masked)
    expected = mask_phone(number) if len(number) == 11 else mask_id_number(number)
    assert expected in masked


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Nd", "Cs"))))
def test_text_without_digits_is_unchanged(text: str) -> None:
    assert mask_text(text) == text
