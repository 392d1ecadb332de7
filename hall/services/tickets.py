"""Queue tickets: issue, call next, recall, start, finish, no-show, re-queue, transfer, cancel.

Every path (pages, API, devices) calls these functions, so the display, the pad and the audit see
every call. Each transition locks the window first, then the ticket, re-checks the state, saves the
changed fields with history and writes a TicketEvent.
"""

import datetime as dt
import time
from functools import partial

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed

from ..locks import ticket_lock, window_active_ticket_lock, window_lock
from ..models import Device, QueueCategory, QueuePolicy, Ticket, TicketEvent, Window, WindowCategory
from .ticket_writes import call_next_statement, on_duty_fast_path, window_step, write
from .windows import ensure_on_duty

MAX_REASON_LENGTH = 200
NEAR_NOTICE_DELAY_SECONDS = 1.0

NEXT_SEQUENCE_SQL = """
INSERT INTO hall_ticketsequence (centre_id, category_id, service_date, last_number)
VALUES (%s, %s, %s, 1)
ON CONFLICT (centre_id, category_id, service_date)
DO UPDATE SET last_number = hall_ticketsequence.last_number + 1
RETURNING last_number
"""


def queue_policy(centre_id: int) -> QueuePolicy:
    """The centre's queue rules, or the defaults (unsaved) until a manager edits them: a read, never a write."""
    return QueuePolicy.objects.filter(centre_id=centre_id).first() or QueuePolicy(centre_id=centre_id)


def _record(ticket: Ticket, kind: str, *, actor=None, window=None, device=None, reason: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        window=window,
        device=device,
        reason=reason,
    )


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationFailed(_("请填写原因。"), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(_("原因不能超过200个字。"), field="reason")
    return reason


def _next_sequence(centre_id: int, category_id: int, service_date: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SEQUENCE_SQL, [centre_id, category_id, service_date])
        return cursor.fetchone()[0]


def _new_ticket(*, category: QueueCategory, service_date, issued_at, queued_at, **fields) -> Ticket:
    sequence = _next_sequence(category.centre_id, category.pk, service_date)
    return Ticket.objects.create(
        centre_id=category.centre_id,
        category=category,
        service_date=service_date,
        sequence=sequence,
        number=f"{category.prefix}{sequence:03d}",
        issued_at=issued_at,
        queued_at=queued_at,
        **fields,
    )


@transaction.atomic
def ticket_issue(
    *,
    category_id: int,
    source: str,
    actor=None,
    device: Device | None = None,
    priority_class: str = Ticket.PriorityClass.NORMAL,
    priority_group: str = "",
    matter_id: int | None = None,
    citizen=None,
    holder_name: str = "",
    phone: str = "",
) -> Ticket:
    """Issue the next number of a category. The sequence row is locked by the upsert for the rest of
    this transaction, so concurrent issues get contiguous numbers and a rollback leaves no gap."""
    if source not in Ticket.Source.values:
        raise ValidationFailed(_("取号方式不正确。"), field="source")
    if priority_class not in Ticket.PriorityClass.values:
        raise ValidationFailed(_("优先级不正确。"), field="priority_class")
    if priority_class == Ticket.PriorityClass.PRIORITY_GROUP and priority_group not in Ticket.PriorityGroup.values:
        raise ValidationFailed(_("请选择绿色通道类别（老年人、残疾人、孕妇、军人）。"), field="priority_group")
    if priority_class != Ticket.PriorityClass.PRIORITY_GROUP:
        priority_group = ""
    category = QueueCategory.objects.filter(pk=category_id, is_active=True).select_related("centre").first()
    if category is None:
        raise NotFound(_("该业务类别不存在或已停用。"))
    if device is not None and device.centre_id != category.centre_id:
        raise PermissionDeniedError(_("该设备不属于此中心，不能取号。"))
    if matter_id is not None and not category.matters.filter(pk=matter_id).exists():
        raise ValidationFailed(_("该事项不在此业务类别中。"), field="matter")
    if citizen is not None and source == Ticket.Source.REMOTE:
        today = timezone.localdate()
        if Ticket.objects.filter(
            citizen=citizen, category=category, service_date=today, status=Ticket.Status.WAITING
        ).exists():
            raise InvalidTransition(_("您在该业务类别已有等候中的号，请勿重复取号。"))
    now = timezone.now()
    ticket = _new_ticket(
        category=category,
        service_date=timezone.localdate(now),
        issued_at=now,
        queued_at=now,
        source=source,
        priority_class=priority_class,
        priority_group=priority_group,
        matter_id=matter_id,
        citizen=citizen,
        holder_name=(holder_name or "")[:50],
        phone=(phone or "")[:11],
    )
    _record(ticket, TicketEvent.Kind.ISSUED, actor=actor, device=device)
    return ticket


def _ensure_window_can_call(window: Window) -> None:
    if window.status == Window.Status.PAUSED:
        raise InvalidTransition(_("窗口已暂停，不能叫号。请先恢复窗口。"))
    if window.status != Window.Status.OPEN:
        raise InvalidTransition(_("窗口未开放，不能叫号。"))


def _ensure_no_active_ticket(window: Window) -> None:
    active = window_active_ticket_lock(window)
    if active is not None:
        raise InvalidTransition(_("请先处理当前的 %(number)s 号。") % {"number": active.number})


def _called(ticket: Ticket) -> Ticket:
    # robust: a broker outage must not turn a completed call into an error at the window.
    transaction.on_commit(partial(_schedule_near_notices, ticket.category_id), robust=True)
    return ticket


# category id → when this process's next near-notice job for it runs (monotonic seconds)
_near_notice_job_at: dict[int, float] = {}


def _schedule_near_notices(category_id: int) -> None:
    """After a call, the "3 people ahead" job for its category. The job looks at the whole queue, so one run a
    second per category and process covers every call before it: a call while a job is still due sends none."""
    from ..tasks import queue_send_near_notices

    now = time.monotonic()
    if _near_notice_job_at.get(category_id, 0.0) > now:
        return
    _near_notice_job_at[category_id] = now + NEAR_NOTICE_DELAY_SECONDS
    queue_send_near_notices.apply_async(kwargs={"category_id": category_id}, countdown=NEAR_NOTICE_DELAY_SECONDS)


@transaction.atomic
def ticket_call_next(*, window_id: int, actor) -> Ticket | None:
    """Call the best waiting ticket for the window, or None when nobody is waiting for it.

    The order — "serve first" categories past their wait, then priority class with ageing, then the window's
    category order, then queue time — and the locking are in the database function hall_ticket_call_next
    (migration 0005): it locks the window, picks, marks the ticket called and writes its history and event in
    one round trip. When it calls nobody, the checks below say why, or it looks again under their lock."""
    if on_duty_fast_path(actor, window_id):
        called = call_next_statement(window_id, actor, centre_id=actor.centre_id, any_clerk=False)
        if called is not None:
            return _called(called)
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    _ensure_window_can_call(window)
    _ensure_no_active_ticket(window)
    called = call_next_statement(window.pk, actor, centre_id=window.centre_id, any_clerk=True)
    return _called(called) if called is not None else None


@transaction.atomic
def ticket_call_specific(*, window_id: int, ticket_id: int, actor, reason: str) -> Ticket:
    """Call a ticket out of order. Allowed only with a reason, which is logged for supervisors."""
    reason = _clean_reason(reason, required=True)
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    _ensure_window_can_call(window)
    _ensure_no_active_ticket(window)
    ticket = ticket_lock(ticket_id)
    if ticket.centre_id != window.centre_id or ticket.status != Ticket.Status.WAITING:
        raise InvalidTransition(_("该号不在等候中，不能叫号。"))
    if not WindowCategory.objects.filter(window=window, category_id=ticket.category_id).exists():
        raise InvalidTransition(_("本窗口不办理该业务类别。"))
    changes = {"status": Ticket.Status.CALLED, "window": window, "clerk": actor, "called_at": timezone.now(),
               "recall_count": 0}
    return _called(write(ticket, TicketEvent.Kind.PICKED, changes, actor=actor, window=window, reason=reason))


def _active_ticket_or_refuse(window: Window, *, expected: tuple[str, ...], action: str) -> Ticket:
    ticket = window_active_ticket_lock(window)
    if ticket is None:
        raise InvalidTransition(_("本窗口当前没有号，不能%(action)s。") % {"action": action})
    if ticket.status not in expected:
        raise InvalidTransition(
            _("%(number)s 号当前状态为“%(status)s”，不能%(action)s。")
            % {"number": ticket.number, "status": ticket.get_status_display(), "action": action}
        )
    return ticket


@transaction.atomic
def ticket_recall(*, window_id: int, actor) -> Ticket:
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    ticket = _active_ticket_or_refuse(window, expected=(Ticket.Status.CALLED,), action=_("重呼"))
    policy = queue_policy(window.centre_id)
    if ticket.recall_count >= policy.max_recalls:
        raise InvalidTransition(_("已重呼%(count)d次，请按过号处理。") % {"count": policy.max_recalls})
    changes = {"recall_count": ticket.recall_count + 1, "called_at": timezone.now()}
    return write(ticket, TicketEvent.Kind.RECALLED, changes, actor=actor, window=window)


@transaction.atomic
def ticket_start(*, window_id: int, actor) -> Ticket:
    if on_duty_fast_path(actor, window_id):
        started = window_step(window_id, actor, expected=(Ticket.Status.CALLED,), status=Ticket.Status.SERVING,
                              kind=TicketEvent.Kind.STARTED, started=True)
        if started is not None:
            return started
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    ticket = _active_ticket_or_refuse(window, expected=(Ticket.Status.CALLED,), action=_("开始办理"))
    changes = {"status": Ticket.Status.SERVING, "started_at": timezone.now()}
    return write(ticket, TicketEvent.Kind.STARTED, changes, actor=actor, window=window)


@transaction.atomic
def ticket_finish(*, window_id: int, actor) -> Ticket:
    """Finish the service. The window pad then shows the rating buttons for this ticket."""
    if on_duty_fast_path(actor, window_id):
        finished = window_step(window_id, actor, expected=(Ticket.Status.SERVING,), status=Ticket.Status.DONE,
                               kind=TicketEvent.Kind.FINISHED, finished=True)
        if finished is not None:
            return finished
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    ticket = window_active_ticket_lock(window)
    if ticket is None:
        raise InvalidTransition(_("本窗口当前没有号，不能办结。"))
    if ticket.status != Ticket.Status.SERVING:
        raise InvalidTransition(_("%(number)s 号尚未开始办理，不能办结。") % {"number": ticket.number})
    changes = {"status": Ticket.Status.DONE, "finished_at": timezone.now()}
    return write(ticket, TicketEvent.Kind.FINISHED, changes, actor=actor, window=window)


@transaction.atomic
def ticket_mark_no_show(*, window_id: int, actor) -> Ticket:
    if on_duty_fast_path(actor, window_id):
        no_show = window_step(window_id, actor, expected=(Ticket.Status.CALLED,), status=Ticket.Status.NO_SHOW,
                              kind=TicketEvent.Kind.NO_SHOW)
        if no_show is not None:
            return no_show
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    ticket = _active_ticket_or_refuse(window, expected=(Ticket.Status.CALLED,), action=_("过号"))
    return write(ticket, TicketEvent.Kind.NO_SHOW, {"status": Ticket.Status.NO_SHOW}, actor=actor, window=window)


@transaction.atomic
def ticket_requeue_no_show(*, ticket_id: int, actor=None, device: Device | None = None) -> Ticket:
    """A no-show who comes back the same day waits again, a fixed number of places behind the head."""
    ticket = ticket_lock(ticket_id)
    if device is not None and device.centre_id != ticket.centre_id:
        raise PermissionDeniedError(_("该设备不属于此中心。"))
    if (
        device is None
        and getattr(actor, "centre_id", None) != ticket.centre_id
        and not getattr(actor, "is_superuser", False)
    ):
        raise PermissionDeniedError()
    if ticket.status != Ticket.Status.NO_SHOW:
        raise InvalidTransition(_("只有过号的号可以重新排队。"))
    if ticket.service_date != timezone.localdate():
        raise InvalidTransition(_("过号已超过当日，请重新取号。"))
    places = queue_policy(ticket.centre_id).no_show_requeue_places
    ahead = list(
        Ticket.objects.filter(
            category_id=ticket.category_id, service_date=ticket.service_date, status=Ticket.Status.WAITING
        )
        .order_by("queued_at", "id")
        .values_list("queued_at", flat=True)[:places]
    )
    changes = {
        "queued_at": ahead[-1] + dt.timedelta(microseconds=1) if len(ahead) == places else timezone.now(),
        "status": Ticket.Status.WAITING,
        "window": None,
        "clerk": None,
        "called_at": None,
        "recall_count": 0,
    }
    return write(ticket, TicketEvent.Kind.REQUEUED, changes, actor=actor, device=device)


@transaction.atomic
def ticket_transfer(*, window_id: int, actor, category_id: int, reason: str = "") -> Ticket:
    """Send the window's current ticket to another category. The new ticket keeps the original issue
    and queue times, so the citizen does not lose their place."""
    reason = _clean_reason(reason, required=False)
    window = window_lock(window_id)
    ensure_on_duty(actor, window)
    ticket = _active_ticket_or_refuse(window, expected=(Ticket.Status.CALLED, Ticket.Status.SERVING), action=_("转移"))
    target = QueueCategory.objects.filter(pk=category_id, centre_id=window.centre_id, is_active=True).first()
    if target is None:
        raise ValidationFailed(_("目标业务类别不存在。"), field="category")
    if target.pk == ticket.category_id:
        raise ValidationFailed(_("不能转移到同一业务类别。"), field="category")
    if not Window.objects.filter(category_links__category=target, status=Window.Status.OPEN, is_active=True).exists():
        raise InvalidTransition(_("目前没有开放的窗口办理“%(name)s”，不能转移。") % {"name": target.name})
    write(
        ticket,
        TicketEvent.Kind.TRANSFERRED,
        {"status": Ticket.Status.TRANSFERRED, "finished_at": timezone.now()},
        actor=actor,
        window=window,
        reason=reason or target.name,
    )
    new_ticket = _new_ticket(
        category=target,
        service_date=ticket.service_date,
        issued_at=ticket.issued_at,
        queued_at=ticket.queued_at,
        source=ticket.source,
        priority_class=ticket.priority_class,
        priority_group=ticket.priority_group,
        matter_id=None,
        citizen_id=ticket.citizen_id,
        holder_name=ticket.holder_name,
        phone=ticket.phone,
        transferred_from=ticket,
    )
    _record(
        new_ticket,
        TicketEvent.Kind.ISSUED,
        actor=actor,
        window=window,
        reason=_("由 %(number)s 转入") % {"number": ticket.number},
    )
    return new_ticket


@transaction.atomic
def ticket_cancel(*, ticket_id: int, actor) -> Ticket:
    """A citizen gives up their own waiting ticket (or staff of the centre do it for them)."""
    ticket = ticket_lock(ticket_id)
    is_owner = ticket.citizen_id is not None and ticket.citizen_id == getattr(actor, "pk", None)
    is_staff = getattr(actor, "is_hall_staff", False) and actor.centre_id == ticket.centre_id
    if not (is_owner or is_staff or getattr(actor, "is_superuser", False)):
        raise PermissionDeniedError(_("只能取消自己的号。"))
    if ticket.status != Ticket.Status.WAITING:
        raise InvalidTransition(_("只有等候中的号可以取消。"))
    return write(ticket, TicketEvent.Kind.CANCELLED, {"status": Ticket.Status.CANCELLED}, actor=actor)
