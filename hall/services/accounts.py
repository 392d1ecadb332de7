"""Citizen and enterprise accounts: SMS codes and self-registration.

A code is 6 digits from `secrets`; only its HMAC (keyed by SECRET_KEY) is stored. The SMS is sent after commit.
Every uniqueness check here is backed by a database constraint, so a race ends in Conflict, never a duplicate."""
import datetime as dt
import hashlib
import hmac
import re
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import sms
from common.checkdigits import (
    USCC_CHARSET,
    credit_code_check_char,
    id_number_check_char,
    is_valid_credit_code,
    is_valid_id_number,
    normalize_credit_code,
    normalize_id_number,
)
from common.errors import Conflict, ValidationFailed

from ..models import PhoneVerification, Role, User

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_RE = re.compile(r"^\d{6}$")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# Minority names are written with a middle dot between parts (e.g. 买买提·艾力).
REAL_NAME_RE = re.compile(rf"^[{_HAN}](?:[{_HAN}·]{{0,28}}[{_HAN}])$")
SMS_RESEND_SECONDS = 60
SMS_DAILY_LIMIT = 10
SMS_MAX_ATTEMPTS = 5
ENTERPRISE_NAME_MAX = 100

_PASSWORD_MESSAGES = {
    "password_too_short": lambda p: _("密码太短，至少需要 %(min_length)d 个字符。") % p,
    "password_too_common": lambda p: _("密码过于常见，请换一个更难猜的密码。"),
    "password_entirely_numeric": lambda p: _("密码不能全部是数字。"),
    "password_too_similar": lambda p: _("密码与您的个人信息过于相似。"),
}


# --- checks shared by registration, the forms and staff accounts (pure, no writes) ---

def clean_phone(value) -> str:
    phone = str(value or "").strip()
    if not phone:
        raise ValidationFailed(_("请填写手机号。"), field="phone")
    if not PHONE_RE.match(phone):
        raise ValidationFailed(_("手机号格式不正确，应为 11 位中国大陆手机号。"), field="phone")
    return phone


def clean_real_name(value, *, field: str = "real_name") -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationFailed(_("请填写姓名。"), field=field)
    if not REAL_NAME_RE.match(name):
        raise ValidationFailed(_("姓名应为 2–30 个汉字（少数民族姓名可用“·”分隔）。"), field=field)
    return name


def id_number_problem(value: str) -> str | None:
    """The precise reason a resident identity number (GB 11643-1999) is wrong, or None."""
    if not value:
        return _("请填写身份证号。")
    if len(value) != 18:
        return _("身份证号应为 18 位，当前为 %(count)d 位。") % {"count": len(value)}
    if not re.match(r"^\d{17}[\dX]$", value):
        return _("身份证号前 17 位应为数字，最后一位为数字或 X。")
    if value[0] == "0":
        return _("身份证号的地区码不正确。")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期不正确。")
    if birth.year < 1900 or birth > timezone.localdate():
        return _("身份证号中的出生日期不正确。")
    if id_number_check_char(value[:17]) != value[17]:
        return _("身份证号校验位不正确，请核对后重新输入。")
    if not is_valid_id_number(value):
        return _("身份证号不正确。")
    return None


def clean_id_number(value) -> str:
    number = normalize_id_number(str(value or ""))
    problem = id_number_problem(number)
    if problem:
        raise ValidationFailed(problem, field="id_number")
    return number


def credit_code_problem(value: str) -> str | None:
    """The precise reason a unified social credit code (GB 32100-2015) is wrong, or None."""
    if not value:
        return _("请填写统一社会信用代码。")
    if len(value) != 18:
        return _("统一社会信用代码应为 18 位，当前为 %(count)d 位。") % {"count": len(value)}
    if any(c not in USCC_CHARSET for c in value):
        return _("统一社会信用代码只能包含数字和大写字母（不使用 I、O、Z、S、V）。")
    if not value[2:8].isdigit():
        return _("统一社会信用代码第 3–8 位应为行政区划码（数字）。")
    if credit_code_check_char(value[:17]) != value[17]:
        return _("统一社会信用代码校验位不正确，请核对后重新输入。")
    if not is_valid_credit_code(value):
        return _("统一社会信用代码不正确。")
    return None


def clean_credit_code(value) -> str:
    code = normalize_credit_code(str(value or ""))
    problem = credit_code_problem(code)
    if problem:
        raise ValidationFailed(problem, field="credit_code")
    return code


def clean_enterprise_name(value) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationFailed(_("请填写企业名称。"), field="enterprise_name")
    if len(name) < 2 or len(name) > ENTERPRISE_NAME_MAX:
        raise ValidationFailed(
            _("企业名称应为 2–%(max)d 个字符。") % {"max": ENTERPRISE_NAME_MAX}, field="enterprise_name"
        )
    return name


def clean_password(password, *, user: User) -> str:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), with Chinese messages."""
    if not isinstance(password, str) or not password:
        raise ValidationFailed(_("请填写密码。"), field="password")
    if len(password) > 128:
        raise ValidationFailed(_("密码不能超过 128 个字符。"), field="password")
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        messages = []
        for error in exc.error_list:
            translate = _PASSWORD_MESSAGES.get(error.code)
            messages.append(translate(error.params or {}) if translate else " ".join(error.messages))
        raise ValidationFailed(" ".join(messages), field="password") from None
    return password


def _ensure_phone_free(phone: str) -> None:
    if User.objects.filter(phone=phone).exists():
        raise Conflict(_("该手机号已注册，请直接登录。"), field="phone")


def _ensure_id_number_free(id_number: str) -> None:
    if User.objects.filter(id_number=id_number).exists():
        raise Conflict(_("该身份证号已注册，请直接登录。"), field="id_number")


def _ensure_credit_code_free(credit_code: str) -> None:
    if User.objects.filter(credit_code=credit_code).exists():
        raise Conflict(_("该统一社会信用代码已注册。"), field="credit_code")


# --- SMS codes ---

def _code_hash(*, phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _lock_phone(phone: str) -> None:
    """Serialise code requests and registrations of one phone (transaction-scoped advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"phone:{phone}"])


@transaction.atomic
def sms_code_request(*, phone: str, purpose: str = PhoneVerification.Purpose.REGISTER) -> PhoneVerification:
    phone = clean_phone(phone)
    if purpose not in PhoneVerification.Purpose.values:
        raise ValidationFailed(_("验证码用途不正确。"), field="purpose")
    _lock_phone(phone)
    if purpose == PhoneVerification.Purpose.REGISTER:
        _ensure_phone_free(phone)
    now = timezone.now()
    sent = PhoneVerification.objects.filter(phone=phone, purpose=purpose)
    last = sent.order_by("-created_at", "-id").first()
    if last is not None and (now - last.created_at).total_seconds() < SMS_RESEND_SECONDS:
        wait = SMS_RESEND_SECONDS - int((now - last.created_at).total_seconds())
        raise ValidationFailed(_("获取验证码过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": wait}, field="phone")
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if sent.filter(created_at__gte=day_start).count() >= SMS_DAILY_LIMIT:
        raise ValidationFailed(
            _("该手机号今日获取验证码已达 %(limit)d 次，请明天再试。") % {"limit": SMS_DAILY_LIMIT}, field="phone"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.SMS_CODE_TTL_SECONDS
    verification = PhoneVerification.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_code_hash(phone=phone, purpose=purpose, code=code),
        expires_at=now + dt.timedelta(seconds=ttl),
    )
    text = _("【%(site)s】您的验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。") % {
        "site": settings.SERVICE_HALL_NAME,
        "code": code,
        "minutes": max(ttl // 60, 1),
    }
    transaction.on_commit(partial(sms.send_sms, phone, text))
    return verification


def _code_refusal(verification: PhoneVerification | None, *, phone: str, purpose: str, code: str):
    """None when the code matches (the caller consumes it); else (message, counts_as_attempt)."""
    if verification is None:
        return _("请先获取短信验证码。"), False
    if verification.consumed_at is not None:
        return _("验证码已使用，请重新获取。"), False
    if verification.expires_at <= timezone.now():
        return _("验证码已过期，请重新获取。"), False
    if verification.attempts >= SMS_MAX_ATTEMPTS:
        return _("验证码错误次数过多，请重新获取。"), False
    if not hmac.compare_digest(verification.code_hash, _code_hash(phone=phone, purpose=purpose, code=code)):
        left = SMS_MAX_ATTEMPTS - verification.attempts - 1
        if left <= 0:
            return _("验证码不正确，错误次数过多，请重新获取。"), True
        return _("验证码不正确，还可尝试 %(left)d 次。") % {"left": left}, True
    return None


_CONSTRAINT_MESSAGES = {
    "phone": lambda: (_("该手机号已注册，请直接登录。"), "phone"),
    "user_id_number_unique": lambda: (_("该身份证号已注册，请直接登录。"), "id_number"),
    "user_credit_code_unique": lambda: (_("该统一社会信用代码已注册。"), "credit_code"),
}


def _conflict_from(exc: IntegrityError) -> Conflict:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
    for key, message in _CONSTRAINT_MESSAGES.items():
        if key in constraint:
            text, field = message()
            return Conflict(text, field=field)
    return Conflict(_("该账号信息已被注册，请勿重复注册。"))


def _new_username(prefix: str) -> str:
    # Never the phone: usernames appear in lists and logs, phones must not.
    return f"{prefix}{secrets.token_hex(6)}"


def _register(*, user: User, phone: str, code: str, password: str) -> User:
    code = str(code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationFailed(_("请输入 6 位数字验证码。"), field="code")
    purpose = PhoneVerification.Purpose.REGISTER
    refusal = None
    with transaction.atomic():
        _lock_phone(phone)
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(phone=phone, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        refusal = _code_refusal(verification, phone=phone, purpose=purpose, code=code)
        if refusal is not None:
            if refusal[1]:
                verification.attempts += 1
                verification.save(update_fields=["attempts"])
        else:
            user.set_password(password)
            user._change_reason = _("自助注册")
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:
                raise _conflict_from(exc) from None
            verification.consumed_at = timezone.now()
            verification.save(update_fields=["consumed_at"])
    # Raised after the block so that a wrong guess still counts against the code.
    if refusal is not None:
        raise ValidationFailed(refusal[0], field="code")
    return user


def citizen_register(*, phone: str, code: str, password: str, real_name: str, id_number: str) -> User:
    phone = clean_phone(phone)
    real_name = clean_real_name(real_name)
    id_number = clean_id_number(id_number)
    user = User(
        username=_new_username("p"),
        phone=phone,
        role=Role.CITIZEN,
        applicant_kind=User.ApplicantKind.PERSON,
        real_name=real_name,
        id_number=id_number,
    )
    clean_password(password, user=user)
    _ensure_phone_free(phone)
    _ensure_id_number_free(id_number)
    return _register(user=user, phone=phone, code=code, password=password)


def enterprise_register(
    *, phone: str, code: str, password: str, enterprise_name: str, credit_code: str, contact_name: str
) -> User:
    phone = clean_phone(phone)
    enterprise_name = clean_enterprise_name(enterprise_name)
    credit_code = clean_credit_code(credit_code)
    contact_name = clean_real_name(contact_name, field="contact_name")
    user = User(
        username=_new_username("e"),
        phone=phone,
        role=Role.CITIZEN,
        applicant_kind=User.ApplicantKind.ENTERPRISE,
        real_name=contact_name,
        enterprise_name=enterprise_name,
        credit_code=credit_code,
    )
    clean_password(password, user=user)
    _ensure_phone_free(phone)
    _ensure_credit_code_free(credit_code)
    return _register(user=user, phone=phone, code=code, password=password)
