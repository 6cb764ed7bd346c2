import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequtong.common.idcard import InvalidIdNumber, check_digit, make_id_number, parse_id_number


def test_known_valid_number_parses_birth_and_sex():
    # GB 11643 worked example: 11010519491231002X (female, born 1949-12-31).
    info = parse_id_number("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "F"


def test_bad_checksum_is_refused_in_chinese():
    with pytest.raises(InvalidIdNumber, match="校验位"):
        parse_id_number("110105194912310021")


@pytest.mark.parametrize("bad", ["", "12345", "11010519491231002Y", "1101051949123100234"])
def test_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidIdNumber):
        parse_id_number(bad)


def test_impossible_birth_date_is_refused():
    first17 = "31011319990231123"  # 31 February
    with pytest.raises(InvalidIdNumber, match="出生日期"):
        parse_id_number(first17 + check_digit(first17))


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)), st.integers(0, 999))
def test_generated_numbers_round_trip(birth, seq):
    number = make_id_number("310113", birth, seq)
    info = parse_id_number(number, today=dt.date(2026, 1, 1))
    assert info.birth_date == birth
    assert info.sex == ("M" if seq % 2 else "F")
