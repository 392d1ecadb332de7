"""Staff accounts. A manager creates and edits staff of their own centre only; a superuser any centre.

Roles are a field (hall.models.Role), not groups. `is_staff` (entry to the admin) follows the role:
managers and supervisors get it, others work in the hall pages. Nobody gets `is_superuser` here."""
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed

from ..models import Centre, Department, Role, User
from ..models.people import STAFF_ROLES
from ..permissions import ensure_manager_of, is_manager, is_superuser
from .accounts import PHONE_RE, clean_password, clean_real_name

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,30}$")
ADMIN_ROLES = (Role.MANAGER, Role.SUPERVISOR)
UNCHANGED = object()


def _clean_username(value) -> str:
    username = str(value or "").strip()
    if not username:
        raise ValidationFailed(_("请填写用户名。"), field="username")
    if not USERNAME_RE.match(username):
        raise ValidationFailed(_("用户名应为 3–30 个字母、数字或 _ . @ + - 字符。"), field="username")
    if PHONE_RE.match(username):
        raise ValidationFailed(_("用户名不能是手机号。"), field="username")
    return username


def _clean_role(value) -> str:
    if value not in STAFF_ROLES:
        raise ValidationFailed(_("请选择工作人员角色。"), field="role")
    return value


def _clean_staff_number(value) -> str:
    number = str(value or "").strip()
    if len(number) > 20:
        raise ValidationFailed(_("工号不能超过 20 个字符。"), field="staff_number")
    return number


def _target_centre_id(actor, centre_id: int | None) -> int:
    if not is_manager(actor):
        raise PermissionDeniedError()
    if centre_id is None:
        centre_id = getattr(actor, "centre_id", None)
    if centre_id is None:
        raise ValidationFailed(_("请选择所属中心。"), field="centre")
    ensure_manager_of(actor, centre_id)
    if not Centre.objects.filter(pk=centre_id).exists():
        raise ValidationFailed(_("所选中心不存在。"), field="centre")
    return centre_id


def _department(department_id, *, centre_id: int, role: str) -> Department | None:
    if department_id in (None, ""):
        if role == Role.APPROVER:
            raise ValidationFailed(_("审批人员必须属于一个部门。"), field="department")
        return None
    department = Department.objects.filter(pk=department_id, centre_id=centre_id).first()
    if department is None:
        raise ValidationFailed(_("所选部门不属于该中心。"), field="department")
    return department


def staff_create_check(
    *, actor, username, password, real_name, role, department_id=None, staff_number="", centre_id=None
) -> User:
    """The rules of staff_create without the write; returns the unsaved user."""
    centre_id = _target_centre_id(actor, centre_id)
    username = _clean_username(username)
    role = _clean_role(role)
    user = User(
        username=username,
        real_name=clean_real_name(real_name),
        role=role,
        centre_id=centre_id,
        department=_department(department_id, centre_id=centre_id, role=role),
        staff_number=_clean_staff_number(staff_number),
        is_staff=role in ADMIN_ROLES,
    )
    clean_password(password, user=user)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("该用户名已被使用。"), field="username")
    return user


@transaction.atomic
def staff_create(
    *, actor, username, password, real_name, role, department_id=None, staff_number="", centre_id=None
) -> User:
    user = staff_create_check(
        actor=actor,
        username=username,
        password=password,
        real_name=real_name,
        role=role,
        department_id=department_id,
        staff_number=staff_number,
        centre_id=centre_id,
    )
    user.set_password(password)
    user._history_user = actor
    user._change_reason = _("新增工作人员")
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("该用户名已被使用。"), field="username") from None
    return user


def _editable_staff(actor, user: User) -> None:
    if user.is_superuser and not is_superuser(actor):
        raise PermissionDeniedError(_("不能修改超级管理员。"))
    if not user.is_hall_staff:
        raise PermissionDeniedError(_("这里只能修改工作人员账号。"))
    ensure_manager_of(actor, user.centre_id)


def staff_update_check(
    *,
    actor,
    user: User,
    real_name,
    role,
    department_id=None,
    staff_number="",
    is_department_head=False,
    is_active=True,
    centre_id=UNCHANGED,
    extra_centre_ids=UNCHANGED,
) -> dict:
    """The rules of staff_update without the write; returns the cleaned values."""
    _editable_staff(actor, user)
    if (centre_id is not UNCHANGED or extra_centre_ids is not UNCHANGED) and not is_superuser(actor):
        raise PermissionDeniedError(_("只有超级管理员可以调整工作人员的中心。"))
    target_centre = user.centre_id if centre_id is UNCHANGED else _target_centre_id(actor, centre_id)
    role = _clean_role(role)
    if user.pk == getattr(actor, "pk", None) and not is_active:
        raise ValidationFailed(_("不能停用自己的账号。"), field="is_active")
    values = {
        # Only a changed name is checked: older accounts may predate the naming rule.
        "real_name": user.real_name if real_name == user.real_name else clean_real_name(real_name),
        "role": role,
        "centre_id": target_centre,
        "department": _department(department_id, centre_id=target_centre, role=role),
        "staff_number": _clean_staff_number(staff_number),
        "is_department_head": bool(is_department_head),
        "is_active": bool(is_active),
        "is_staff": role in ADMIN_ROLES or user.is_superuser,
    }
    if extra_centre_ids is not UNCHANGED:
        ids = {int(pk) for pk in extra_centre_ids or ()} - {target_centre}
        if Centre.objects.filter(pk__in=ids).count() != len(ids):
            raise ValidationFailed(_("所选中心不存在。"), field="extra_centres")
        values["extra_centre_ids"] = ids
    return values


@transaction.atomic
def staff_update(*, actor, user_id: int, photo=UNCHANGED, **fields) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("该工作人员不存在。"))
    values = staff_update_check(actor=actor, user=user, **fields)
    extra_centre_ids = values.pop("extra_centre_ids", None)
    for name, value in values.items():
        setattr(user, name, value)
    changed = list(values)
    if photo is not UNCHANGED:
        user.photo = photo
        changed.append("photo")
    user._history_user = actor
    user._change_reason = _("修改工作人员信息")
    user.save(update_fields=changed)
    if extra_centre_ids is not None:
        user.extra_centres.set(extra_centre_ids)
    return user
