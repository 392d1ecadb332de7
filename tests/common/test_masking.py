"""Masking of personal data for display: 110101********1234, 138****5678, 张*."""
import pytest

from common.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199001061234", "110101********1234"),
        ("11010519491231002X", "110105********002X"),
        ("110101900106123", "110101*****6123"),  # 15-digit number of the first generation
        ("1234567890", "12********"),
        ("12", "12"),
        ("", ""),
        (None, ""),
    ],
)
def test_id_number_keeps_region_and_last_four(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("1381234", "138****"),
        ("85098765", "850*****"),
        ("123456", "******"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_keeps_first_three_and_last_four(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("买买提·艾力", "买****力"), ("王", "王"), ("", ""), (None, "")],
)
def test_name_keeps_first_and_last_character(value, masked):
    assert mask_name(value) == masked


def test_masked_id_number_never_contains_the_birth_date():
    assert "19900106" not in mask_id_number("110101199001061234")


@pytest.mark.parametrize("value", ["1234567", "12345678901", "123456789012345", "110101199001061234"])
def test_masking_hides_at_least_four_characters(value):
    assert mask_phone(value).count("*") >= 4
    assert mask_id_number(value).count("*") >= 4
