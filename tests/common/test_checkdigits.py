"""GB 11643-1999 identity numbers and GB 32100-2015 unified social credit codes."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.checkdigits import (
    USCC_CHARSET,
    credit_code_check_char,
    id_number_check_char,
    is_valid_credit_code,
    is_valid_id_number,
)

VALID_ID = "11010519491231002X"
VALID_CODE = "91350100M000100Y43"


@pytest.mark.parametrize("value", [VALID_ID, "11010519491231002x", " 11010519491231002X ", "110101199001061234"])
def test_valid_id_numbers_are_accepted(value):
    assert is_valid_id_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "010105194912310021",  # region code may not start with 0
        "1101051949123100X2",  # X only as the check character
        "110105194902300010",  # 30 February
        "110105189912310010",  # born before 1900
        "110105299912310010",  # born in the future
        "11010519491231002Ｘ",  # full-width X
        "",
        None,
    ],
)
def test_invalid_id_numbers_are_refused(value):
    assert not is_valid_id_number(value)


def test_id_number_check_char_follows_iso_7064_mod_11_2():
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("11010119900106123") == "4"


@pytest.mark.parametrize(
    "value", [VALID_CODE, VALID_CODE.lower(), "91320600000000001" + credit_code_check_char("91320600000000001")]
)
def test_valid_credit_codes_are_accepted(value):
    assert is_valid_credit_code(value)


@pytest.mark.parametrize(
    "value",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100I000100Y43",  # I is not in the GB 32100 character set
        "9135A100M000100Y43",  # the region code (positions 3–8) is digits
        "",
        None,
    ],
)
def test_invalid_credit_codes_are_refused(value):
    assert not is_valid_credit_code(value)


# --- property: any single-character change breaks the check character ---

@st.composite
def id_numbers(draw):
    region = draw(st.integers(min_value=110000, max_value=659999))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


@st.composite
def credit_codes(draw):
    head = draw(st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    body = draw(st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9))
    first17 = head + region + body
    return first17 + credit_code_check_char(first17)


@given(id_numbers())
def test_generated_id_numbers_are_valid(value):
    assert is_valid_id_number(value)


@given(id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_an_id_number_makes_it_invalid(value, position, replacement):
    if value[position] == replacement:
        return
    changed = value[:position] + replacement + value[position + 1 :]
    assert not is_valid_id_number(changed)


@given(credit_codes())
def test_generated_credit_codes_are_valid(value):
    assert is_valid_credit_code(value)


@given(credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARSET + "IOZSV"))
def test_changing_any_one_character_of_a_credit_code_makes_it_invalid(value, position, replacement):
    if value[position] == replacement:
        return
    changed = value[:position] + replacement + value[position + 1 :]
    assert not is_valid_credit_code(changed)
