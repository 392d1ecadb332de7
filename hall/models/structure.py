import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel


class Centre(TimeStampedModel):
    """A service centre (政务服务中心): city centre, county branch (分中心) or township centre (便民服务中心)."""

    class Kind(models.TextChoices):
        CITY = "city", _("市级政务服务中心")
        BRANCH = "branch", _("分中心")
        TOWNSHIP = "township", _("便民服务中心")

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.CITY)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    service_phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    opens_at = models.TimeField(_("上午开始办理"), default=dt.time(9, 0))
    closes_at = models.TimeField(_("下午结束办理"), default=dt.time(17, 0))
    lunch_starts_at = models.TimeField(_("午休开始"), default=dt.time(12, 0))
    lunch_ends_at = models.TimeField(_("午休结束"), default=dt.time(13, 30))
    lunch_service = models.BooleanField(_("午间不休"), default=False)
    weekend_service = models.BooleanField(_("周末服务"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("中心")
        verbose_name_plural = _("中心")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="centre_opens_before_close"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(TimeStampedModel):
    """A department stationed in the centre (进驻部门)."""

    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在驻"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进驻部门")
        verbose_name_plural = _("进驻部门")
        ordering = ["centre_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "code"], name="department_code_unique_in_centre"),
            models.UniqueConstraint(fields=["centre", "name"], name="department_name_unique_in_centre"),
        ]

    def __str__(self) -> str:
        return self.name


class Window(TimeStampedModel):
    """A service window (窗口). Queue categories and calling state arrive with the queue."""

    class Kind(models.TextChoices):
        DEDICATED = "dedicated", _("专窗")
        INTEGRATED = "integrated", _("综合受理窗口")
        TIDAL = "tidal", _("潮汐窗口")
        PRIORITY = "priority", _("绿色通道窗口")
        PICKUP = "pickup", _("出件窗口")

    class Status(models.TextChoices):
        OPEN = "open", _("开放")
        PAUSED = "paused", _("暂停")
        CLOSED = "closed", _("关闭")

    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="windows")
    number = models.CharField(_("窗口号"), max_length=10)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.DEDICATED)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="windows",
        help_text=_("专窗必须属于一个部门；综合受理窗口可不属于部门。"),
    )
    location = models.CharField(_("位置"), max_length=100, blank=True, help_text=_("例如：一楼A区"))
    is_active = models.BooleanField(_("启用"), default=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.CLOSED, editable=False)
    pause_reason = models.CharField(_("暂停原因"), max_length=100, blank=True, editable=False)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True, editable=False)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("当班人员"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["centre_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "number"], name="window_number_unique_in_centre"),
            models.CheckConstraint(
                condition=~Q(kind="dedicated") | Q(department__isnull=False), name="dedicated_window_has_department"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(number)s号窗口 %(name)s") % {"number": self.number, "name": self.name}


class WindowEvent(models.Model):
    """Opening, pausing, resuming and closing a window, and tidal switches: logged for managers."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("开窗")
        PAUSED = "paused", _("暂停")
        RESUMED = "resumed", _("恢复")
        CLOSED = "closed", _("关窗")
        TIDAL_ASSIGNED = "tidal_assigned", _("潮汐调派")
        TIDAL_PROPOSED = "tidal_proposed", _("潮汐调派建议")
        TIDAL_RELEASED = "tidal_released", _("潮汐释放")

    window = models.ForeignKey(Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        "hall.QueueCategory", verbose_name=_("业务类别"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("窗口事件")
        verbose_name_plural = _("窗口事件")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.window_id} {self.kind}"
