"""Catalogue writes: departments, windows and matters (事项清单), with their materials and stages.

Only a manager of the centre (hall.permissions.ensure_manager_of) changes its catalogue. Every refusal
raises a common.errors exception with a Chinese message, and nothing is saved. The `*_check` functions
are the same rules without the write; the admin forms call them to show the errors beside the field."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Centre, Department, Material, Matter, MatterStage, User, Window
from hall.permissions import ensure_manager_of, is_superuser

# Matter status transitions: 清单之外无审批 — only a published matter takes cases.
MATTER_TRANSITIONS: dict[str, set[str]] = {
    Matter.Status.DRAFT: {Matter.Status.PUBLISHED},
    Matter.Status.PUBLISHED: {Matter.Status.WITHDRAWN},
    Matter.Status.WITHDRAWN: {Matter.Status.PUBLISHED},
}

CENTRE_FIELDS = (
    "name", "address", "service_phone", "opens_at", "closes_at", "lunch_starts_at", "lunch_ends_at",
    "lunch_service", "weekend_service",
)
CENTRE_CREATE_FIELDS = ("code", "kind", "parent", *CENTRE_FIELDS)
DEPARTMENT_FIELDS = ("code", "name", "short_name", "is_active")
WINDOW_FIELDS = ("number", "name", "kind", "department", "location", "is_active")
MATTER_FIELDS = (
    "department", "code", "name", "kind", "statutory_days", "promised_days", "fee", "fee_basis", "conditions",
    "legal_basis", "online_apply", "appointment", "mail_delivery",
)


@dataclass(frozen=True)
class MaterialSpec:
    name: str
    form: str = Material.Form.ORIGINAL
    copies: int = 1
    required: bool = True
    deficiency_allowed: bool = False
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class StageSpec:
    name: str
    share_percent: int


# ---------------------------------------------------------------- helpers

def _clean(instance: models.Model, *, exclude: Sequence[str] = ()) -> None:
    """Field validation of the model (lengths, choices, ranges), as one Chinese message."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = instance._meta.get_field(field).verbose_name if field != "__all__" else ""
        text = f"{label}：{messages[0]}" if label else messages[0]
        raise ValidationFailed(text, field=None if field == "__all__" else field) from None


def _save(instance: models.Model, *, actor: User, reason: str, update_fields: Sequence[str] | None = None) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        # Another request wrote the same unique value between our check and our save.
        raise Conflict(_("数据已被他人修改，请刷新后重试。")) from None


def _apply(instance: models.Model, data: Mapping[str, Any], allowed: Sequence[str]) -> list[str]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationFailed(_("不能修改字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    changed = []
    for field, value in data.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _lock(model: type[models.Model], pk: int, message: str):
    obj = model.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound(message)
    return obj


# ---------------------------------------------------------------- centres

@transaction.atomic
def centre_create(
    *, actor: User, code: str, name: str, kind: str = Centre.Kind.CITY, parent: Centre | None = None, **details: Any
) -> Centre:
    """A new centre (a county branch or township centre joining the deployment): superusers only."""
    if not is_superuser(actor):
        raise PermissionDeniedError()
    centre = Centre(code=code, name=name, kind=kind, parent=parent)
    _apply(centre, details, CENTRE_FIELDS)
    _clean(centre)
    _centre_check(centre)
    _save(centre, actor=actor, reason=_("新增中心"))
    return centre


def _centre_check(centre: Centre) -> None:
    if centre.opens_at >= centre.closes_at:
        raise ValidationFailed(_("开始办理时间必须早于结束办理时间。"), field="closes_at")
    others = Centre.objects.exclude(pk=centre.pk)
    if others.filter(name=centre.name).exists():
        raise ValidationFailed(_("已有名为“%(name)s”的中心。") % {"name": centre.name}, field="name")
    if others.filter(code=centre.code).exists():
        raise ValidationFailed(_("已有编码为“%(code)s”的中心。") % {"code": centre.code}, field="code")


@transaction.atomic
def centre_update(*, actor: User, centre_id: int, data: Mapping[str, Any]) -> Centre:
    """Address, phone and hours of a centre, by its manager. Code, kind and parent belong to the superuser."""
    ensure_manager_of(actor, centre_id)
    centre = _lock(Centre, centre_id, _("中心不存在。"))
    changed = _apply(centre, data, CENTRE_FIELDS)
    if not changed:
        return centre
    _clean(centre, exclude=["parent"])
    _centre_check(centre)
    _save(centre, actor=actor, reason=_("修改中心信息"), update_fields=[*changed, "updated_at"])
    return centre


# ---------------------------------------------------------------- departments

def department_check(*, centre_id: int, code: str, name: str, department_id: int | None = None) -> None:
    others = Department.objects.filter(centre_id=centre_id).exclude(pk=department_id)
    if others.filter(code=code).exists():
        raise ValidationFailed(_("该中心已有编码为“%(code)s”的部门。") % {"code": code}, field="code")
    if others.filter(name=name).exists():
        raise ValidationFailed(_("该中心已有名为“%(name)s”的部门。") % {"name": name}, field="name")


@transaction.atomic
def department_create(
    *, actor: User, centre: Centre, code: str, name: str, short_name: str = "", is_active: bool = True
) -> Department:
    ensure_manager_of(actor, centre.pk)
    department = Department(centre=centre, code=code, name=name, short_name=short_name, is_active=is_active)
    _clean(department)
    department_check(centre_id=centre.pk, code=code, name=name)
    _save(department, actor=actor, reason=_("新增部门"))
    return department


@transaction.atomic
def department_update(*, actor: User, department_id: int, data: Mapping[str, Any]) -> Department:
    department = _lock(Department, department_id, _("部门不存在。"))
    ensure_manager_of(actor, department.centre_id)
    changed = _apply(department, data, DEPARTMENT_FIELDS)
    if not changed:
        return department
    _clean(department)
    department_check(
        centre_id=department.centre_id, code=department.code, name=department.name, department_id=department.pk
    )
    _save(department, actor=actor, reason=_("修改部门"), update_fields=[*changed, "updated_at"])
    return department


# ---------------------------------------------------------------- windows

def window_check(
    *, centre_id: int, number: str, kind: str, department: Department | None, window_id: int | None = None
) -> None:
    if Window.objects.filter(centre_id=centre_id, number=number).exclude(pk=window_id).exists():
        raise ValidationFailed(_("该中心已有%(number)s号窗口。") % {"number": number}, field="number")
    if kind == Window.Kind.DEDICATED and department is None:
        raise ValidationFailed(_("专窗必须属于本中心的一个部门。"), field="department")
    if department is not None and department.centre_id != centre_id:
        raise ValidationFailed(_("窗口所属部门必须是本中心的部门。"), field="department")


@transaction.atomic
def window_create(
    *,
    actor: User,
    centre: Centre,
    number: str,
    name: str,
    kind: str = Window.Kind.DEDICATED,
    department: Department | None = None,
    location: str = "",
    is_active: bool = True,
) -> Window:
    ensure_manager_of(actor, centre.pk)
    window = Window(
        centre=centre, number=number, name=name, kind=kind, department=department, location=location,
        is_active=is_active,
    )
    _clean(window, exclude=["department"])
    window_check(centre_id=centre.pk, number=number, kind=kind, department=department)
    _save(window, actor=actor, reason=_("新增窗口"))
    return window


@transaction.atomic
def window_update(*, actor: User, window_id: int, data: Mapping[str, Any]) -> Window:
    window = _lock(Window, window_id, _("窗口不存在。"))
    ensure_manager_of(actor, window.centre_id)
    changed = _apply(window, data, WINDOW_FIELDS)
    if not changed:
        return window
    _clean(window, exclude=["department"])
    window_check(
        centre_id=window.centre_id, number=window.number, kind=window.kind, department=window.department,
        window_id=window.pk,
    )
    _save(window, actor=actor, reason=_("修改窗口"), update_fields=[*changed, "updated_at"])
    return window


# ---------------------------------------------------------------- matters

def matter_check(
    *,
    centre_id: int,
    department: Department,
    code: str,
    statutory_days: int,
    promised_days: int,
    fee: Decimal | int | str,
    matter_id: int | None = None,
) -> None:
    if department.centre_id != centre_id:
        raise ValidationFailed(_("实施部门必须是本中心的部门。"), field="department")
    if Matter.objects.filter(centre_id=centre_id, code=code).exclude(pk=matter_id).exists():
        raise ValidationFailed(_("该中心已有编码为“%(code)s”的事项。") % {"code": code}, field="code")
    if promised_days > statutory_days:
        raise ValidationFailed(_("承诺时限不能超过法定时限。"), field="promised_days")
    try:
        negative = Decimal(str(fee)) < 0
    except InvalidOperation:
        raise ValidationFailed(_("收费金额格式不正确。"), field="fee") from None
    if negative:
        raise ValidationFailed(_("收费金额不能为负数。"), field="fee")


def _matter_clean(matter: Matter) -> None:
    # Our own messages first: they say more than the generic field validators.
    matter_check(
        centre_id=matter.centre_id, department=matter.department, code=matter.code,
        statutory_days=matter.statutory_days, promised_days=matter.promised_days, fee=matter.fee,
        matter_id=matter.pk,
    )
    _clean(matter)


@transaction.atomic
def matter_create(
    *,
    actor: User,
    centre: Centre,
    department: Department,
    code: str,
    name: str,
    kind: str,
    statutory_days: int,
    promised_days: int,
    fee: Decimal | int = 0,
    fee_basis: str = "",
    conditions: str = "",
    legal_basis: str = "",
    online_apply: bool = False,
    appointment: bool = False,
    mail_delivery: bool = False,
) -> Matter:
    """A new matter starts as a draft; it takes cases once published (matter_publish)."""
    ensure_manager_of(actor, centre.pk)
    matter = Matter(
        centre=centre, department=department, code=code, name=name, kind=kind, statutory_days=statutory_days,
        promised_days=promised_days, fee=fee, fee_basis=fee_basis, conditions=conditions, legal_basis=legal_basis,
        online_apply=online_apply, appointment=appointment, mail_delivery=mail_delivery, status=Matter.Status.DRAFT,
    )
    _matter_clean(matter)
    _save(matter, actor=actor, reason=_("新增事项"))
    return matter


@transaction.atomic
def matter_update(*, actor: User, matter_id: int, data: Mapping[str, Any]) -> Matter:
    matter = _lock(Matter, matter_id, _("事项不存在。"))
    ensure_manager_of(actor, matter.centre_id)
    changed = _apply(matter, data, MATTER_FIELDS)
    if not changed:
        return matter
    _matter_clean(matter)
    _save(matter, actor=actor, reason=_("修改事项"), update_fields=[*changed, "updated_at"])
    return matter


def materials_check(materials: Sequence[MaterialSpec]) -> None:
    for spec in materials:
        if not (spec.name or "").strip():
            raise ValidationFailed(_("材料名称不能为空。"), field="materials")
        if spec.deficiency_allowed and not spec.required:
            raise ValidationFailed(
                _("“%(name)s”不是必需材料，不能设为可容缺。") % {"name": spec.name}, field="materials"
            )
        if spec.form not in Material.Form.values:
            raise ValidationFailed(_("“%(name)s”的材料形式不正确。") % {"name": spec.name}, field="materials")
        if not 1 <= spec.copies <= 99:
            raise ValidationFailed(_("“%(name)s”的份数应在1到99之间。") % {"name": spec.name}, field="materials")


@transaction.atomic
def matter_set_materials(*, actor: User, matter_id: int, materials: Sequence[MaterialSpec]) -> list[Material]:
    """Replace the matter's material list with `materials`, in that order. A spec with an id updates that
    material (so its history continues); materials left out are removed."""
    matter = _lock(Matter, matter_id, _("事项不存在。"))
    ensure_manager_of(actor, matter.centre_id)
    materials_check(materials)
    existing = {m.pk: m for m in Material.objects.select_for_update().filter(matter=matter).order_by("pk")}
    unknown = {spec.id for spec in materials if spec.id is not None} - set(existing)
    if unknown:
        raise ValidationFailed(_("材料不属于该事项。"), field="materials")
    kept = {spec.id for spec in materials if spec.id is not None}
    for material in existing.values():
        if material.pk not in kept:
            material._history_user, material._change_reason = actor, _("删除申请材料")
            material.delete()
    result = []
    for position, spec in enumerate(materials, start=1):
        values = {
            "position": position, "name": spec.name.strip(), "form": spec.form, "copies": spec.copies,
            "required": spec.required, "deficiency_allowed": spec.deficiency_allowed, "notes": spec.notes,
        }
        material = existing.get(spec.id) if spec.id is not None else Material(matter=matter)
        changed = _apply(material, values, list(values))
        if material.pk is None or changed:
            _clean(material, exclude=["matter"])
            _save(material, actor=actor, reason=_("修改申请材料"))
        result.append(material)
    return result


def stages_check(stages: Sequence[StageSpec], *, matter: Matter | None = None) -> None:
    if not stages:
        if matter is not None and matter.is_published:
            raise ValidationFailed(_("已发布的事项至少需要一个办理环节。"), field="stages")
        return
    for spec in stages:
        if not (spec.name or "").strip():
            raise ValidationFailed(_("环节名称不能为空。"), field="stages")
        if not 1 <= spec.share_percent <= 100:
            raise ValidationFailed(_("每个环节的时限占比应在1%到100%之间。"), field="stages")
    total = sum(spec.share_percent for spec in stages)
    if total != 100:
        raise ValidationFailed(
            _("各环节时限占比之和应为100%%，现为%(total)s%%。") % {"total": total}, field="stages"
        )


@transaction.atomic
def matter_set_stages(*, actor: User, matter_id: int, stages: Sequence[StageSpec]) -> list[MatterStage]:
    """The stage template, in order; each stage's share of the promised limit, summing to 100 %."""
    matter = _lock(Matter, matter_id, _("事项不存在。"))
    ensure_manager_of(actor, matter.centre_id)
    stages_check(stages, matter=matter)
    existing = {s.position: s for s in MatterStage.objects.select_for_update().filter(matter=matter)}
    result = []
    for position, spec in enumerate(stages, start=1):
        stage = existing.pop(position, None) or MatterStage(matter=matter, position=position)
        changed = _apply(stage, {"name": spec.name.strip(), "share_percent": spec.share_percent},
                         ["name", "share_percent"])
        if stage.pk is None or changed:
            _save(stage, actor=actor, reason=_("修改办理环节"))
        result.append(stage)
    for stage in existing.values():
        stage._history_user, stage._change_reason = actor, _("删除办理环节")
        stage.delete()
    return result


def _matter_transition(*, actor: User, matter_id: int, target: str, reason: str) -> Matter:
    matter = _lock(Matter, matter_id, _("事项不存在。"))
    ensure_manager_of(actor, matter.centre_id)
    if target not in MATTER_TRANSITIONS.get(matter.status, set()):
        raise InvalidTransition(
            _("事项当前为“%(status)s”，不能%(action)s。")
            % {"status": matter.get_status_display(), "action": reason}
        )
    return matter


@transaction.atomic
def matter_publish(*, actor: User, matter_id: int, reason: str = "") -> Matter:
    """Publish into the public catalogue (清单之外无审批). Needs a stage template summing to 100 %."""
    matter = _matter_transition(actor=actor, matter_id=matter_id, target=Matter.Status.PUBLISHED, reason=_("发布"))
    shares = list(MatterStage.objects.filter(matter=matter).values_list("share_percent", flat=True))
    if not shares:
        raise ValidationFailed(_("事项至少需要一个办理环节才能发布。"), field="stages")
    if sum(shares) != 100:
        raise ValidationFailed(_("各环节时限占比之和应为100%才能发布。"), field="stages")
    matter.status = Matter.Status.PUBLISHED
    matter.published_at = timezone.now()
    _save(matter, actor=actor, reason=reason or _("发布事项"), update_fields=["status", "published_at", "updated_at"])
    return matter


@transaction.atomic
def matter_withdraw(*, actor: User, matter_id: int, reason: str = "") -> Matter:
    """Take a matter out of the public catalogue; no new cases can be filed against it."""
    matter = _matter_transition(actor=actor, matter_id=matter_id, target=Matter.Status.WITHDRAWN, reason=_("下架"))
    matter.status = Matter.Status.WITHDRAWN
    _save(matter, actor=actor, reason=reason or _("下架事项"), update_fields=["status", "updated_at"])
    return matter

