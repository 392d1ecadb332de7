"""Window duty: open, pause (with a reason), resume and close. A paused or closed window cannot call."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import InvalidTransition, PermissionDeniedError, ValidationFailed

from ..locks import window_active_ticket_lock, window_lock
from ..models import Role, Window, WindowEvent

PAUSE_REASONS = {
    "break": gettext_lazy("休息"),
    "meeting": gettext_lazy("会议"),
    "training": gettext_lazy("业务培训"),
    "system": gettext_lazy("系统故障"),
    "other": gettext_lazy("其他"),
}
MAX_REASON_LENGTH = 100


STAFF_WINDOW_ROLES = (Role.CLERK, Role.APPROVER, Role.MANAGER)


def ensure_can_staff_window(actor, window: Window) -> None:
    """Window staff, approvers and managers of the window's centre may sit at it; nobody else."""
    if getattr(actor, "is_superuser", False):
        return
    if getattr(actor, "role", None) not in STAFF_WINDOW_ROLES:
        raise PermissionDeniedError(_("只有窗口工作人员可以操作窗口。"))
    if actor.centre_id != window.centre_id:
        raise PermissionDeniedError(_("不能操作其他中心的窗口。"))


def ensure_on_duty(actor, window: Window) -> None:
    ensure_can_staff_window(actor, window)
    if window.clerk_id != actor.pk and not getattr(actor, "is_superuser", False):
        raise PermissionDeniedError(_("您不是该窗口的当班人员，请先在该窗口开窗。"))


def _record(window: Window, kind: str, actor, reason: str = "", category=None) -> None:
    WindowEvent.objects.create(window=window, kind=kind, actor=actor, reason=reason, category=category)


def _save_status(window: Window, actor, change_reason: str, fields: list[str]) -> None:
    window.status_changed_at = timezone.now()
    window._history_user = actor
    window._change_reason = change_reason
    window.save(update_fields=[*fields, "status_changed_at", "updated_at"])


@transaction.atomic
def window_open(*, window_id: int, actor) -> Window:
    window = window_lock(window_id)
    ensure_can_staff_window(actor, window)
    if not window.is_active:
        raise InvalidTransition(_("该窗口已停用。"))
    if window.status == Window.Status.OPEN and window.clerk_id == actor.pk:
        raise InvalidTransition(_("该窗口已开放。"))
    if window.status != Window.Status.CLOSED and window.clerk_id not in (None, actor.pk):
        raise InvalidTransition(_("该窗口正由其他工作人员值守，请对方先关窗。"))
    if Window.objects.filter(clerk=actor).exclude(pk=window.pk).exclude(status=Window.Status.CLOSED).exists():
        raise InvalidTransition(_("您已在其他窗口值守，请先关闭该窗口。"))
    window.status, window.clerk, window.pause_reason = Window.Status.OPEN, actor, ""
    _save_status(window, actor, "opened", ["status", "clerk", "pause_reason"])
    _record(window, WindowEvent.Kind.OPENED, actor)
    return window


@transaction.atomic
def window_pause(*, window_id: int, actor, reason: str, note: str = "") -> Window:
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    if reason not in PAUSE_REASONS:
        raise ValidationFailed(_("请选择暂停原因。"), field="reason")
    note = (note or "").strip()
    if len(note) > MAX_REASON_LENGTH:
        raise ValidationFailed(_("暂停说明不能超过100个字。"), field="note")
    if reason == "other" and not note:
        raise ValidationFailed(_("选择“其他”时请填写暂停说明。"), field="note")
    if window.status != Window.Status.OPEN:
        raise InvalidTransition(_("只有开放中的窗口可以暂停。"))
    active = window_active_ticket_lock(window)
    if active is not None:
        raise InvalidTransition(_("请先处理当前的 %(number)s 号，再暂停窗口。") % {"number": active.number})
    label = str(PAUSE_REASONS[reason]) + (f"：{note}" if note else "")
    window.status, window.pause_reason = Window.Status.PAUSED, label
    _save_status(window, actor, "paused", ["status", "pause_reason"])
    _record(window, WindowEvent.Kind.PAUSED, actor, reason=label)
    return window


@transaction.atomic
def window_resume(*, window_id: int, actor) -> Window:
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    if window.status != Window.Status.PAUSED:
        raise InvalidTransition(_("只有暂停中的窗口可以恢复。"))
    window.status, window.pause_reason = Window.Status.OPEN, ""
    _save_status(window, actor, "resumed", ["status", "pause_reason"])
    _record(window, WindowEvent.Kind.RESUMED, actor)
    return window


@transaction.atomic
def window_close(*, window_id: int, actor) -> Window:
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    if window.status == Window.Status.CLOSED:
        raise InvalidTransition(_("该窗口已关闭。"))
    active = window_active_ticket_lock(window)
    if active is not None:
        raise InvalidTransition(_("请先处理当前的 %(number)s 号，再关闭窗口。") % {"number": active.number})
    window.status, window.clerk, window.pause_reason = Window.Status.CLOSED, None, ""
    _save_status(window, actor, "closed", ["status", "clerk", "pause_reason"])
    _record(window, WindowEvent.Kind.CLOSED, actor)
    return window
