"""Queue configuration writes: queue categories (prefix, matters, tidal thresholds), a window's calling
profile (the categories it calls, in order, with "serve first after N minutes") and the centre's queue policy.

Only a manager of the centre changes them (hall.permissions.ensure_manager_of). Refusals raise common.errors
with a Chinese message and save nothing; the `*_check` functions are the same rules without the write, for
the admin forms. Tidal assignments are not part of a calling profile: hall.services.tidal owns them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, NotFound, ValidationFailed

from ..locks import window_lock
from ..models import Centre, Matter, QueueCategory, QueuePolicy, Ticket, User, WindowCategory
from ..permissions import ensure_manager_of

CATEGORY_FIELDS = (
    "prefix", "name", "position", "is_active", "tidal_waiting_threshold", "tidal_wait_minutes_threshold",
    "tidal_release_waiting",
)
POLICY_FIELDS = (
    "ageing_minutes", "max_recalls", "no_show_requeue_places", "near_notice_people_ahead", "tidal_mode",
    "booking_days_ahead", "slot_minutes", "slot_capacity", "booking_cancel_hours", "check_in_early_minutes",
    "no_show_block_count", "no_show_block_days",
)
MAX_SERVE_FIRST_MINUTES = 480


@dataclass(frozen=True)
class CallingLink:
    """One category of a window's calling profile; the list order is the calling order."""

    category_id: int
    serve_first_after_minutes: int | None = None


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


def _save(instance: models.Model, *, actor: User, reason: str, update_fields: Sequence[str] | None = None) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        raise Conflict(_("数据已被他人修改，请刷新后重试。")) from None


# ---------------------------------------------------------------- categories

def queue_category_check(
    *,
    centre_id: int,
    prefix: str,
    is_active: bool = True,
    tidal_waiting_threshold: int = 15,
    tidal_release_waiting: int = 5,
    category_id: int | None = None,
) -> None:
    if QueueCategory.objects.filter(centre_id=centre_id, prefix=prefix).exclude(pk=category_id).exists():
        raise ValidationFailed(_("该中心已有前缀为“%(prefix)s”的业务类别。") % {"prefix": prefix}, field="prefix")
    if tidal_release_waiting >= tidal_waiting_threshold:
        # Otherwise the tidal job would assign and release the same window on every run.
        raise ValidationFailed(_("潮汐释放人数应小于调度阈值。"), field="tidal_release_waiting")
    if category_id is None:
        return
    today = Ticket.objects.filter(category_id=category_id, service_date=timezone.localdate())
    current = QueueCategory.objects.filter(pk=category_id).values("prefix", "is_active").first() or {}
    if current.get("prefix") not in (None, prefix) and today.exists():
        raise ValidationFailed(_("该类别今天已经取过号，不能修改号码前缀，请明天再改。"), field="prefix")
    if current.get("is_active") and not is_active:
        waiting = today.filter(status=Ticket.Status.WAITING).count()
        if waiting:
            raise ValidationFailed(
                _("该类别还有 %(count)d 人等候，不能停用。") % {"count": waiting}, field="is_active"
            )


def _category_check(category: QueueCategory) -> None:
    queue_category_check(
        centre_id=category.centre_id,
        prefix=category.prefix,
        is_active=category.is_active,
        tidal_waiting_threshold=category.tidal_waiting_threshold,
        tidal_release_waiting=category.tidal_release_waiting,
        category_id=category.pk,
    )


@transaction.atomic
def queue_category_create(*, actor: User, centre: Centre, prefix: str, name: str, **fields: Any) -> QueueCategory:
    ensure_manager_of(actor, centre.pk)
    category = QueueCategory(centre=centre, prefix=prefix, name=name)
    _apply(category, fields, CATEGORY_FIELDS)
    _clean(category, exclude=["matters"])
    _category_check(category)
    _save(category, actor=actor, reason=_("新增排队业务类别"))
    return category


@transaction.atomic
def queue_category_update(*, actor: User, category_id: int, data: Mapping[str, Any]) -> QueueCategory:
    category = QueueCategory.objects.select_for_update(of=("self",)).filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("该业务类别不存在。"))
    ensure_manager_of(actor, category.centre_id)
    changed = _apply(category, data, CATEGORY_FIELDS)
    if not changed:
        return category
    _clean(category, exclude=["matters"])
    _category_check(category)  # compares with the stored row, so before our own save
    _save(category, actor=actor, reason=_("修改排队业务类别"), update_fields=[*changed, "updated_at"])
    return category


@transaction.atomic
def queue_category_set_matters(*, actor: User, category_id: int, matter_ids: Sequence[int]) -> QueueCategory:
    """The matters a category takes tickets for: matters of the same centre only."""
    category = QueueCategory.objects.select_for_update(of=("self",)).filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("该业务类别不存在。"))
    ensure_manager_of(actor, category.centre_id)
    wanted = set(matter_ids)
    found = set(Matter.objects.filter(pk__in=wanted, centre_id=category.centre_id).values_list("pk", flat=True))
    if wanted - found:
        raise ValidationFailed(_("只能选择本中心的事项。"), field="matters")
    category.matters.set(sorted(found))
    return category


# ---------------------------------------------------------------- calling profiles

def window_calling_profile_check(*, centre_id: int, links: Sequence[CallingLink], tidal_category_ids=()) -> None:
    ids = [link.category_id for link in links]
    if len(ids) != len(set(ids)):
        raise ValidationFailed(_("同一业务类别只能出现一次。"), field="category")
    if set(ids) & set(tidal_category_ids):
        raise ValidationFailed(
            _("该业务类别正由潮汐调派办理，请先在实时大厅释放，再加入叫号配置。"), field="category"
        )
    if len(set(QueueCategory.objects.filter(pk__in=ids, centre_id=centre_id).values_list("pk", flat=True))) != len(
        set(ids)
    ):
        raise ValidationFailed(_("只能选择本中心的业务类别。"), field="category")
    for link in links:
        minutes = link.serve_first_after_minutes
        if minutes is not None and not 1 <= minutes <= MAX_SERVE_FIRST_MINUTES:
            raise ValidationFailed(
                _("优先叫号的等候分钟数应在1到%(max)d之间。") % {"max": MAX_SERVE_FIRST_MINUTES},
                field="serve_first_after_minutes",
            )


@transaction.atomic
def window_calling_profile_set(*, actor: User, window_id: int, links: Sequence[CallingLink]) -> list[WindowCategory]:
    """Replace the window's own categories with `links`, in that order (positions 1, 2, …). A category
    already linked keeps its row (so its history continues); those left out are removed. Tidal
    assignments stay as they are."""
    window = window_lock(window_id)
    ensure_manager_of(actor, window.centre_id)
    existing = {
        link.category_id: link
        for link in WindowCategory.objects.select_for_update().filter(window=window).order_by("pk")
    }
    tidal = {cid for cid, link in existing.items() if link.is_tidal_assignment}
    window_calling_profile_check(centre_id=window.centre_id, links=links, tidal_category_ids=tidal)
    wanted = {link.category_id for link in links}
    for category_id, row in existing.items():
        if category_id not in wanted and category_id not in tidal:
            row._history_user, row._change_reason = actor, _("移出叫号配置")
            row.delete()
    result = []
    for position, link in enumerate(links, start=1):
        row = existing.get(link.category_id) or WindowCategory(window=window, category_id=link.category_id)
        if row.pk and (row.position, row.serve_first_after_minutes) == (position, link.serve_first_after_minutes):
            result.append(row)
            continue
        row.position, row.serve_first_after_minutes = position, link.serve_first_after_minutes
        _save(row, actor=actor, reason=_("修改叫号配置"))
        result.append(row)
    return result


# ---------------------------------------------------------------- policy

@transaction.atomic
def queue_policy_update(*, actor: User, centre_id: int, data: Mapping[str, Any]) -> QueuePolicy:
    """A centre's queue and booking rules (one row per centre, created with the defaults on first save)."""
    ensure_manager_of(actor, centre_id)
    if not Centre.objects.filter(pk=centre_id).exists():
        raise NotFound(_("中心不存在。"))
    policy = QueuePolicy.objects.select_for_update().filter(centre_id=centre_id).first()
    creating = policy is None
    if creating:
        policy = QueuePolicy(centre_id=centre_id)
    changed = _apply(policy, data, POLICY_FIELDS)
    if not changed and not creating:
        return policy
    _clean(policy)
    if creating:
        _save(policy, actor=actor, reason=_("设置排队与预约规则"))
    else:
        _save(policy, actor=actor, reason=_("修改排队与预约规则"), update_fields=[*changed, "updated_at"])
    return policy
