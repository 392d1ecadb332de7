"""Masking of personal data for display (规范: 身份证号 110101********1234, 手机 138****5678)."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) < 15:
        # Not a 15- or 18-character identity number: keeping 10 characters would reveal almost all of it.
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    if len(value) < 11:
        # Shorter than a mobile number: keeping 7 characters would hide almost nothing.
        return value[:3] + "*" * (len(value) - 3)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜; enterprise names keep their first and last characters."""
    if not value:
        return ""
    value = str(value)
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
