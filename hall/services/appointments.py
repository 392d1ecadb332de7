"""Appointments (预约): slot generation from the centre's hours and the calendar, booking (never past
capacity, even for two citizens booking the last place at the same instant), cancellation, kiosk
check-in, and no-show blocking."""

import datetime as dt
import secrets

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed

from .. import workdays
from ..locks import slot_lock
from ..models import (
    Appointment,
    AppointmentSlot,
    BookingBlock,
    Centre,
    Device,
    Matter,
    QueueCategory,
    QueuePolicy,
    Ticket,
)
from .tickets import queue_policy, ticket_issue

PHONE_LENGTH = 11


def _slot_bounds(slot: AppointmentSlot) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(slot.date, slot.starts_at), tz),
        timezone.make_aware(dt.datetime.combine(slot.date, slot.ends_at), tz),
    )


def centre_serves_on(centre: Centre, day: dt.date) -> bool:
    """Does the centre serve on this day? Working days always; a weekend only where the centre serves
    on weekends (午间不休/周末服务 are centre settings); a public holiday never."""
    if workdays.is_working_day(day):
        return True
    info = workdays.day_info(day)
    is_plain_weekend = day.weekday() >= 5 and not info.name
    return centre.weekend_service and is_plain_weekend


def _day_slots(centre: Centre, minutes: int) -> list[tuple[dt.time, dt.time]]:
    slots = []
    cursor = dt.datetime.combine(dt.date.min, centre.opens_at)
    close = dt.datetime.combine(dt.date.min, centre.closes_at)
    lunch_start = dt.datetime.combine(dt.date.min, centre.lunch_starts_at)
    lunch_end = dt.datetime.combine(dt.date.min, centre.lunch_ends_at)
    step = dt.timedelta(minutes=minutes)
    while cursor + step <= close:
        end = cursor + step
        if not centre.lunch_service and cursor < lunch_end and end > lunch_start:
            cursor = max(end, lunch_end)
            continue
        slots.append((cursor.time(), end.time()))
        cursor = end
    return slots


@transaction.atomic
def slots_generate(*, centre_id: int, start: dt.date, days: int) -> int:
    """Create the slots of [start, start + days) for every active category; existing slots are kept
    (ON CONFLICT DO NOTHING), so the daily job can rerun freely. Returns how many were created."""
    centre = Centre.objects.get(pk=centre_id)
    policy = queue_policy(centre_id)
    # Only queues that hold a matter offering appointments get slots.
    categories = list(
        QueueCategory.objects.filter(
            centre=centre, is_active=True, matters__appointment=True, matters__status=Matter.Status.PUBLISHED
        )
        .distinct()
        .values_list("id", flat=True)
    )
    times = _day_slots(centre, policy.slot_minutes)
    rows = [
        AppointmentSlot(
            centre=centre,
            category_id=category_id,
            date=day,
            starts_at=starts,
            ends_at=ends,
            capacity=policy.slot_capacity,
        )
        for offset in range(days)
        if centre_serves_on(centre, day := start + dt.timedelta(days=offset))
        for category_id in categories
        for starts, ends in times
    ]
    before = AppointmentSlot.objects.filter(centre=centre).count()
    AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return AppointmentSlot.objects.filter(centre=centre).count() - before


def _new_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if len(phone) != PHONE_LENGTH or not phone.isdigit() or not phone.startswith("1"):
        raise ValidationFailed(_("请输入正确的11位手机号。"), field="phone")
    return phone


@transaction.atomic
def appointment_book(*, citizen, slot_id: int, matter_id: int, phone: str = "") -> Appointment:
    if not getattr(citizen, "is_authenticated", False) or not getattr(citizen, "is_citizen", False):
        raise PermissionDeniedError(_("请先以办事群众身份登录再预约。"))
    phone = _clean_phone(phone or citizen.phone or "")
    slot = AppointmentSlot.objects.select_related("centre", "category").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(_("该预约时段不存在。"))
    matter = Matter.objects.filter(pk=matter_id, status=Matter.Status.PUBLISHED, centre_id=slot.centre_id).first()
    if matter is None:
        raise NotFound(_("该事项不存在或未发布。"))
    if not matter.appointment:
        raise ValidationFailed(_("该事项不提供预约。"), field="matter")
    if not slot.category.matters.filter(pk=matter.pk).exists():
        raise ValidationFailed(_("该时段不办理此事项，请选择“%(name)s”的时段。") % {"name": matter.name}, field="slot")
    now = timezone.now()
    starts, _ends = _slot_bounds(slot)
    if starts <= now:
        raise InvalidTransition(_("该时段已过，请选择其他时段。"))
    policy = queue_policy(slot.centre_id)
    if slot.date > timezone.localdate(now) + dt.timedelta(days=policy.booking_days_ahead):
        raise InvalidTransition(_("最多可提前%(days)d天预约。") % {"days": policy.booking_days_ahead})
    if not centre_serves_on(slot.centre, slot.date):
        raise InvalidTransition(_("该日为节假日或中心不办公，不能预约。"))
    block = BookingBlock.objects.filter(citizen=citizen, blocked_until__gt=now).order_by("-blocked_until").first()
    if block is not None:
        raise PermissionDeniedError(
            _("您近期多次预约未到，%(until)s前不能预约。")
            % {"until": timezone.localtime(block.blocked_until).strftime("%Y-%m-%d %H:%M")}
        )
    if Appointment.objects.filter(citizen=citizen, matter=matter, status=Appointment.Status.BOOKED).exists():
        raise Conflict(_("您已预约该事项，请勿重复预约。"))
    # The capacity check and the increment are one statement: the row lock makes the last place go to
    # exactly one of two simultaneous bookings.
    taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise Conflict(_("该时段已约满，请选择其他时段。"))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                appointment = Appointment(
                    centre_id=slot.centre_id,
                    slot=slot,
                    citizen=citizen,
                    matter=matter,
                    code=_new_code(),
                    phone=phone,
                )
                appointment._history_user = citizen
                appointment.save()
                return appointment
        except IntegrityError as exc:
            if "one_active_booking_per_matter" in str(exc):
                raise Conflict(_("您已预约该事项，请勿重复预约。")) from None
    raise Conflict(_("预约码生成失败，请重试。"))


@transaction.atomic
def appointment_cancel(*, appointment_id: int, actor) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("slot").filter(pk=appointment_id).first()
    )
    if appointment is None or (appointment.citizen_id != actor.pk and not getattr(actor, "is_superuser", False)):
        raise NotFound(_("预约不存在。"))
    if appointment.status != Appointment.Status.BOOKED:
        raise InvalidTransition(
            _("该预约当前为“%(status)s”，不能取消。") % {"status": appointment.get_status_display()}
        )
    policy = queue_policy(appointment.centre_id)
    starts, _ends = _slot_bounds(appointment.slot)
    if timezone.now() > starts - dt.timedelta(hours=policy.booking_cancel_hours):
        raise InvalidTransition(_("距预约开始已不足%(hours)d小时，不能取消。") % {"hours": policy.booking_cancel_hours})
    slot_lock(appointment.slot_id)
    AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, timezone.now()
    appointment._history_user, appointment._change_reason = actor, "cancelled"
    appointment.save(update_fields=["status", "cancelled_at"])
    return appointment


@transaction.atomic
def appointment_check_in(
    *, device: Device | None = None, actor=None, centre_id: int, code: str = "", phone: str = ""
) -> Ticket:
    """Check in at the kiosk by booking code or phone, from 30 minutes before the slot to its end.
    Gives a ticket with appointment priority."""
    if device is not None and device.centre_id != centre_id:
        raise PermissionDeniedError(_("该设备不属于此中心。"))
    code, phone = (code or "").strip(), (phone or "").strip()
    if not code and not phone:
        raise ValidationFailed(_("请输入预约码或手机号。"), field="code")
    if code and (len(code) != 8 or not code.isdigit()):
        raise ValidationFailed(_("预约码为8位数字。"), field="code")
    if phone:
        phone = _clean_phone(phone)
    now = timezone.now()
    qs = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__category")
        .filter(centre_id=centre_id, status=Appointment.Status.BOOKED, slot__date=timezone.localdate(now))
    )
    qs = qs.filter(code=code) if code else qs.filter(phone=phone)
    candidates = list(qs.order_by("slot__starts_at"))
    if not candidates:
        raise NotFound(_("未找到今日在本中心的有效预约。"))
    policy = queue_policy(centre_id)
    early = dt.timedelta(minutes=policy.check_in_early_minutes)
    for appointment in candidates:
        starts, ends = _slot_bounds(appointment.slot)
        if starts - early <= now <= ends:
            break
    else:
        first = candidates[0]
        starts, ends = _slot_bounds(first.slot)
        raise InvalidTransition(
            _("请在预约时段开始前%(minutes)d分钟至结束之间签到（%(start)s–%(end)s）。")
            % {
                "minutes": policy.check_in_early_minutes,
                "start": timezone.localtime(starts - early).strftime("%H:%M"),
                "end": timezone.localtime(ends).strftime("%H:%M"),
            }
        )
    ticket = ticket_issue(
        category_id=appointment.slot.category_id,
        source=Ticket.Source.APPOINTMENT,
        actor=actor,
        device=device,
        priority_class=Ticket.PriorityClass.APPOINTMENT,
        matter_id=appointment.matter_id,
        citizen=appointment.citizen,
        phone=appointment.phone,
    )
    appointment.status, appointment.checked_in_at, appointment.ticket = Appointment.Status.CHECKED_IN, now, ticket
    appointment._change_reason = "checked_in"
    appointment.save(update_fields=["status", "checked_in_at", "ticket"])
    return ticket


MARK_NO_SHOWS_SQL = """
UPDATE hall_appointment a SET status = 'no_show'
FROM hall_appointmentslot s
WHERE a.slot_id = s.id AND a.status = 'booked' AND (s.date + s.ends_at) AT TIME ZONE %(tz)s < %(now)s
RETURNING a.id
"""

BLOCK_SQL = """
INSERT INTO hall_bookingblock (citizen_id, trigger_id, blocked_until, created_at)
SELECT DISTINCT ON (a.citizen_id) a.citizen_id, a.id, %(now)s + make_interval(days => %(block_days)s), %(now)s
FROM hall_appointment a
JOIN hall_appointmentslot s ON s.id = a.slot_id
WHERE a.status = 'no_show' AND a.centre_id = ANY(%(centres)s)
  AND s.date >= (%(now)s AT TIME ZONE %(tz)s)::date - %(window_days)s
  AND NOT EXISTS (SELECT 1 FROM hall_bookingblock b WHERE b.citizen_id = a.citizen_id AND b.blocked_until > %(now)s)
  AND (SELECT count(*) FROM hall_appointment x JOIN hall_appointmentslot xs ON xs.id = x.slot_id
       WHERE x.citizen_id = a.citizen_id AND x.status = 'no_show'
         AND xs.date >= (%(now)s AT TIME ZONE %(tz)s)::date - %(window_days)s) >= %(count)s
ORDER BY a.citizen_id, s.date DESC, a.id DESC
ON CONFLICT DO NOTHING
"""


@transaction.atomic
def appointments_mark_no_shows(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Periodic job: bookings whose slot has ended without check-in become no-shows (history rows are
    written in bulk); citizens with too many no-shows in the window are blocked. A rerun is a no-op."""
    now = now or timezone.now()
    tz = str(timezone.get_current_timezone())
    with connection.cursor() as cursor:
        cursor.execute(MARK_NO_SHOWS_SQL, {"tz": tz, "now": now})
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        changed = list(Appointment.objects.filter(id__in=ids))
        Appointment.history.bulk_history_create(changed, default_change_reason="no_show")
    blocked = 0
    for policy_centres, policy in _policies_by_rule():
        with connection.cursor() as cursor:
            cursor.execute(
                BLOCK_SQL,
                {
                    "tz": tz,
                    "now": now,
                    "centres": policy_centres,
                    "block_days": policy[1],
                    "window_days": 30,
                    "count": policy[0],
                },
            )
            blocked += cursor.rowcount
    return {"no_shows": len(ids), "blocked": blocked}


def _policies_by_rule() -> list[tuple[list[int], tuple[int, int]]]:
    """Centres grouped by (no-show count, block days), so the block insert runs once per distinct rule."""
    groups: dict[tuple[int, int], list[int]] = {}
    policies = {p.centre_id: p for p in QueuePolicy.objects.all()}
    default = QueuePolicy()
    for centre_id in Centre.objects.values_list("id", flat=True):
        policy = policies.get(centre_id, default)
        groups.setdefault((policy.no_show_block_count, policy.no_show_block_days), []).append(centre_id)
    return [(centres, rule) for rule, centres in groups.items()]
