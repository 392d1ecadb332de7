"""Warning policy (预警规则): organisational policy per centre, in the database, editable by managers, with
history. The warning job reads it in SQL (a missing row means the default)."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel

DEFAULT_YELLOW_SHARE = Decimal("0.30")


class WarningPolicy(TimeStampedModel):
    centre = models.OneToOneField(
        "hall.Centre", verbose_name=_("中心"), on_delete=models.CASCADE, related_name="warning_policy"
    )
    yellow_share = models.DecimalField(
        _("黄牌预警阈值（剩余时限占比）"),
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_YELLOW_SHARE,
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.95"))],
        help_text=_("剩余工作日少于承诺时限的这一比例时亮黄牌，例如 0.30 表示不足三成。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办件预警规则")
        verbose_name_plural = _("办件预警规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(yellow_share__gte=Decimal("0.05")) & Q(yellow_share__lte=Decimal("0.95")),
                name="warning_policy_yellow_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.yellow_share}"
