"""The working-day calendar. Only the exceptions to Monday–Friday are stored: public holidays on
weekdays (and the named weekend days of a holiday) and adjusted working weekends (调休上班).
A year is published when a CalendarYear row exists; other years are computed provisionally."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar 数据包")
        IMPORT = "import", _("管理员导入")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    notice = models.CharField(_("放假通知文号"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("已发布的年度放假安排")
        verbose_name_plural = _("工作日历")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    year = models.ForeignKey(CalendarYear, verbose_name=_("年份"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True, help_text=_("节日名称，或“调休上班”"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
