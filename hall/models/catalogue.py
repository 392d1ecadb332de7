"""The public matter catalogue (事项清单): 清单之外无审批 — a case can only be filed against a published matter."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel

from .structure import Centre, Department


class Matter(TimeStampedModel):
    class Kind(models.TextChoices):
        LICENCE = "licence", _("行政许可")
        PUBLIC_SERVICE = "public_service", _("公共服务")
        CONVENIENCE = "convenience", _("便民服务")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已下架")

    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="matters")
    department = models.ForeignKey(
        Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="matters"
    )
    code = models.CharField(_("事项编码"), max_length=40)
    name = models.CharField(_("事项名称"), max_length=200)
    kind = models.CharField(_("事项类型"), max_length=20, choices=Kind.choices)
    statutory_days = models.PositiveSmallIntegerField(
        _("法定时限（工作日）"), validators=[MaxValueValidator(365)]
    )
    promised_days = models.PositiveSmallIntegerField(
        _("承诺时限（工作日）"), validators=[MaxValueValidator(365)], help_text=_("0 表示即办件，当场办结。")
    )
    fee = models.DecimalField(_("收费金额（元）"), max_digits=10, decimal_places=2, default=0)
    fee_basis = models.CharField(_("收费依据"), max_length=300, blank=True, help_text=_("不收费可留空。"))
    conditions = models.TextField(_("受理条件"), blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    online_apply = models.BooleanField(_("可网上申请"), default=False)
    appointment = models.BooleanField(_("可预约办理"), default=False)
    mail_delivery = models.BooleanField(_("可邮寄送达"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项清单")
        ordering = ["centre_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "code"], name="matter_code_unique_in_centre"),
            models.CheckConstraint(
                condition=Q(promised_days__lte=F("statutory_days")), name="matter_promised_within_statutory"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="matter_fee_not_negative"),
        ]
        indexes = [models.Index(fields=["centre", "status", "kind"], name="matter_catalogue_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_instant(self) -> bool:
        """即办件: promised limit 0, completed the same day at the window."""
        return self.promised_days == 0

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Material(TimeStampedModel):
    """A required material (申请材料) of a matter."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        ORIGINAL_AND_COPY = "original_and_copy", _("原件及复印件")
        ELECTRONIC = "electronic", _("电子件")

    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(_("材料形式"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(
        _("份数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    required = models.BooleanField(_("必需"), default=True)
    deficiency_allowed = models.BooleanField(
        _("可容缺"), default=False, help_text=_("受理时可暂缺，申请人签署承诺书后限期补齐（容缺受理）。")
    )
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["matter_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deficiency_allowed=False) | Q(required=True), name="material_deficiency_only_if_required"
            ),
            models.CheckConstraint(condition=Q(copies__gte=1), name="material_copies_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class MatterStage(TimeStampedModel):
    """A stage of the matter's template (受理/审核/审批/办结) with its share of the promised limit."""

    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节名称"), max_length=50)
    share_percent = models.PositiveSmallIntegerField(
        _("时限占比（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["matter_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "position"], name="matter_stage_position_unique"),
            models.CheckConstraint(
                condition=Q(share_percent__gte=1) & Q(share_percent__lte=100), name="matter_stage_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
