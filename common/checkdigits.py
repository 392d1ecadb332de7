"""Check digits of Chinese identifiers.

GB 11643-1999: citizen identity number, 17 digits + ISO 7064 MOD 11-2 check character (0-9 or X).
GB 32100-2015: unified social credit code, 18 characters over 31 symbols (no I, O, Z, S, V),
the 18th a MOD 31 check character.
"""
import datetime as dt
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True for an 18-character resident identity number with a valid birth date and check digit."""
    value = normalize_id_number(value)
    if not _ID_RE.match(value):
        return False
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > dt.date.today():
        return False
    return id_number_check_char(value[:17]) == value[17]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def credit_code_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """True for an 18-character unified social credit code whose check character matches."""
    value = normalize_credit_code(value)
    if not _USCC_RE.match(value):
        return False
    return credit_code_check_char(value[:17]) == value[17]
