"""Appointments (预约): slots per category and day with a capacity, bookings, and booking blocks
after repeated no-shows. The rules are in hall/services/appointments.py."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .catalogue import Matter
from .queue import QueueCategory, Ticket
from .structure import Centre


class AppointmentSlot(models.Model):
    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.CASCADE, related_name="slots")
    category = models.ForeignKey(
        QueueCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="slots"
    )
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可约人数"))
    booked = models.PositiveSmallIntegerField(_("已约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["date", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["category", "date", "starts_at"], name="slot_unique_per_category"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="slot_starts_before_end"),
        ]
        indexes = [models.Index(fields=["centre", "date"], name="slot_centre_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")
        CHECKED_IN = "checked_in", _("已签到")
        NO_SHOW = "no_show", _("爽约")

    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(
        AppointmentSlot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="appointments"
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="appointments"
    )
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="appointments")
    code = models.CharField(_("预约码"), max_length=8, unique=True)
    phone = models.CharField(_("手机号"), max_length=11)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket, verbose_name=_("签到取号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-created_at"]
        constraints = [
            # One active booking per person and matter.
            models.UniqueConstraint(
                fields=["citizen", "matter"], condition=Q(status="booked"), name="one_active_booking_per_matter"
            ),
        ]
        indexes = [
            models.Index(fields=["citizen", "status"], name="appointment_citizen_idx"),
            models.Index(fields=["phone", "status"], name="appointment_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class BookingBlock(models.Model):
    """Booking is blocked after repeated no-shows; keyed on the no-show that triggered it, so the
    no-show job can run again without blocking twice."""

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.CASCADE, related_name="booking_blocks"
    )
    trigger = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="+")
    blocked_until = models.DateTimeField(_("限制至"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预约限制")
        verbose_name_plural = _("预约限制")
        indexes = [models.Index(fields=["citizen", "blocked_until"], name="booking_block_idx")]

    def __str__(self) -> str:
        return f"{self.citizen_id} → {self.blocked_until:%Y-%m-%d}"
