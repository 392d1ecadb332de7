"""The queue: categories, tickets numbered per centre, category and day, their events, and the
centre's queue policy. Calling order and every state change live in hall/services/tickets.py."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel

from .catalogue import Matter
from .structure import Centre, Window


def new_ticket_token() -> str:
    return secrets.token_urlsafe(12)


class QueuePolicy(TimeStampedModel):
    """A centre's queue rules, editable by managers (organisational policy lives in the database)."""

    class TidalMode(models.TextChoices):
        ASSIGN = "assign", _("自动调度")
        PROPOSE = "propose", _("提出建议，由管理人员确认")

    centre = models.OneToOneField(Centre, verbose_name=_("中心"), on_delete=models.CASCADE, related_name="queue_policy")
    ageing_minutes = models.PositiveSmallIntegerField(
        _("普通号等候老化（分钟/级）"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("普通号每等候这么多分钟，优先级提升一级，避免被优先号长期插队。"),
    )
    max_recalls = models.PositiveSmallIntegerField(_("最多重呼次数"), default=3, validators=[MaxValueValidator(10)])
    no_show_requeue_places = models.PositiveSmallIntegerField(
        _("过号重新排队后退位数"), default=3, validators=[MaxValueValidator(50)]
    )
    near_notice_people_ahead = models.PositiveSmallIntegerField(_("前方剩余人数提醒"), default=3)
    tidal_mode = models.CharField(
        _("潮汐窗口调度方式"), max_length=10, choices=TidalMode.choices, default=TidalMode.ASSIGN
    )
    booking_days_ahead = models.PositiveSmallIntegerField(
        _("可提前预约天数"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("预约时段长度（分钟）"), default=30, validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("每时段默认可约人数"), default=10, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    booking_cancel_hours = models.PositiveSmallIntegerField(_("最晚提前取消（小时）"), default=1)
    check_in_early_minutes = models.PositiveSmallIntegerField(_("最早提前签到（分钟）"), default=30)
    no_show_block_count = models.PositiveSmallIntegerField(_("爽约次数上限"), default=3)
    no_show_block_days = models.PositiveSmallIntegerField(_("爽约限制预约天数"), default=30)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("排队与预约规则")
        verbose_name_plural = _("排队与预约规则")

    def __str__(self) -> str:
        return str(self.centre)


class QueueCategory(TimeStampedModel):
    """A queue (业务类别) with a letter prefix; tickets of one category are numbered A001, A002 … per day."""

    centre = models.ForeignKey(
        Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="queue_categories"
    )
    prefix = models.CharField(
        _("号码前缀"), max_length=2, validators=[RegexValidator(r"^[A-Z]{1,2}$", _("前缀须为一到两位大写字母。"))]
    )
    name = models.CharField(_("名称"), max_length=50)
    matters = models.ManyToManyField(Matter, verbose_name=_("包含事项"), blank=True, related_name="queue_categories")
    position = models.PositiveSmallIntegerField(_("排序"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)
    tidal_waiting_threshold = models.PositiveSmallIntegerField(
        _("潮汐调度：等候人数阈值"), default=15, help_text=_("等候人数超过此值时调派潮汐窗口。")
    )
    tidal_wait_minutes_threshold = models.PositiveSmallIntegerField(_("潮汐调度：最长等候分钟阈值"), default=30)
    tidal_release_waiting = models.PositiveSmallIntegerField(_("潮汐释放：等候人数低于"), default=5)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("排队业务类别")
        verbose_name_plural = _("排队业务类别")
        ordering = ["centre_id", "position", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "prefix"], name="queue_category_prefix_unique_in_centre"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class WindowCategory(models.Model):
    """A category a window serves, in the window's priority order, with an optional "serve first when
    its longest wait passes N minutes" rule (the window's calling profile)."""

    window = models.ForeignKey(Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="category_links")
    category = models.ForeignKey(
        QueueCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="window_links"
    )
    position = models.PositiveSmallIntegerField(_("优先顺序"), default=1)
    serve_first_after_minutes = models.PositiveSmallIntegerField(
        _("最长等候超过（分钟）时优先叫"), null=True, blank=True
    )
    is_tidal_assignment = models.BooleanField(_("潮汐调派"), default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窗口叫号配置")
        verbose_name_plural = _("窗口叫号配置")
        ordering = ["window_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["window", "category"], name="window_category_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.window_id}:{self.category_id}#{self.position}"


class TicketSequence(models.Model):
    """The last number issued per centre, category and day; incremented inside the issuing transaction
    (INSERT … ON CONFLICT DO UPDATE … RETURNING), so numbers are contiguous and unique under concurrency."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE)
    category = models.ForeignKey(QueueCategory, on_delete=models.CASCADE)
    service_date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "category", "service_date"], name="ticket_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.service_date} {self.last_number}"


class Ticket(TimeStampedModel):
    class Source(models.TextChoices):
        KIOSK = "kiosk", _("取号机")
        REMOTE = "remote", _("网上取号")
        APPOINTMENT = "appointment", _("预约签到")
        STAFF = "staff", _("工作人员代取")

    class PriorityClass(models.TextChoices):
        APPOINTMENT = "appointment", _("预约")
        PRIORITY_GROUP = "priority_group", _("绿色通道")
        NORMAL = "normal", _("普通")

    class PriorityGroup(models.TextChoices):
        ELDERLY = "elderly", _("老年人")
        DISABLED = "disabled", _("残疾人")
        PREGNANT = "pregnant", _("孕妇")
        MILITARY = "military", _("军人")

    class Status(models.TextChoices):
        WAITING = "waiting", _("等候中")
        CALLED = "called", _("已叫号")
        SERVING = "serving", _("办理中")
        DONE = "done", _("已办结")
        NO_SHOW = "no_show", _("过号")
        TRANSFERRED = "transferred", _("已转移")
        CANCELLED = "cancelled", _("已取消")

    # No single-column index on centre or window: the composite indexes below start with them, and every index
    # is written on each call, start and finish.
    centre = models.ForeignKey(
        Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    category = models.ForeignKey(
        QueueCategory, verbose_name=_("业务类别"), on_delete=models.PROTECT, related_name="tickets"
    )
    service_date = models.DateField(_("日期"))
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=8)
    source = models.CharField(_("取号方式"), max_length=12, choices=Source.choices)
    priority_class = models.CharField(
        _("优先级"), max_length=16, choices=PriorityClass.choices, default=PriorityClass.NORMAL
    )
    priority_group = models.CharField(_("绿色通道类别"), max_length=10, choices=PriorityGroup.choices, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.WAITING)
    issued_at = models.DateTimeField(_("取号时间"))
    queued_at = models.DateTimeField(
        _("排队时间"), help_text=_("排序用：取号时间；过号重排时后移若干位；转移时保留原取号时间。")
    )
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_tickets",
    )
    recall_count = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办事人账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    holder_name = models.CharField(_("办事人姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    transferred_from = models.OneToOneField(
        "self", verbose_name=_("转自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_to"
    )
    near_notice_sent_at = models.DateTimeField(_("即将叫号提醒时间"), null=True, blank=True)
    # The ticket's live page and QR code use this random token, never the sequential id.
    token = models.CharField(_("查询码"), max_length=32, unique=True, default=new_ticket_token, editable=False)
    # The history is read by ticket (id) and date; indexes on its copies of the foreign keys would only cost
    # writes on every transition.
    history = HistoricalRecords(
        no_db_index=["centre", "category", "citizen", "clerk", "matter", "window", "transferred_from", "token"]
    )

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "category", "service_date", "sequence"], name="ticket_number_unique_per_day"
            ),
            # At most one ticket is being called or served at a window at any moment.
            models.UniqueConstraint(
                fields=["window"], condition=Q(status__in=["called", "serving"]), name="one_active_ticket_per_window"
            ),
            models.CheckConstraint(
                condition=~Q(priority_class="priority_group") | ~Q(priority_group=""),
                name="priority_group_ticket_names_group",
            ),
        ]
        indexes = [
            # The call-next heads: per category, day and priority class, in queue order.
            # In the calling order within each (category, priority class) queue, id breaking ties: call-next
            # reads a queue's first few heads straight from it, without a sort.
            models.Index(
                fields=["category", "service_date", "priority_class", "queued_at", "id"],
                condition=Q(status="waiting"),
                name="ticket_waiting_queue_idx",
            ),
            models.Index(fields=["centre", "service_date", "status"], name="ticket_centre_day_idx"),
            models.Index(fields=["window", "status"], name="ticket_window_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class TicketEvent(models.Model):
    """What happened to a ticket, by whom, at which window: the audit trail displays and pads read."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("取号")
        CALLED = "called", _("叫号")
        RECALLED = "recalled", _("重呼")
        STARTED = "started", _("开始办理")
        FINISHED = "finished", _("办结")
        NO_SHOW = "no_show", _("过号")
        REQUEUED = "requeued", _("过号重排")
        TRANSFERRED = "transferred", _("转移")
        CANCELLED = "cancelled", _("取消")
        PICKED = "picked", _("选号（不按顺序）")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey("hall.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("排队号事件")
        verbose_name_plural = _("排队号事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="ticket_event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
