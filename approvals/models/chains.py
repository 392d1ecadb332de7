"""Parallel approval chains (并联审批): a template is a graph of steps over matters and departments with a
lead department (主办部门); an accepted chain makes one application (case) per step."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel

from .applications import Application, new_tracking_code


class ChainTemplate(TimeStampedModel):
    centre = models.ForeignKey("hall.Centre", verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    lead_department = models.ForeignKey(
        "hall.Department", verbose_name=_("主办部门"), on_delete=models.PROTECT, related_name="+"
    )
    promised_days = models.PositiveSmallIntegerField(_("承诺总时限（工作日）"))
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("并联审批模板")
        verbose_name_plural = _("并联审批模板")
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="chain_template_code_unique")]

    def __str__(self) -> str:
        return self.name


class ChainTemplateStep(models.Model):
    template = models.ForeignKey(ChainTemplate, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(_("步骤标识"), max_length=40)
    matter = models.ForeignKey("hall.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))
    depends_on = models.ManyToManyField(
        "self", verbose_name=_("前置步骤"), symmetrical=False, blank=True, related_name="successors"
    )
    history = HistoricalRecords(m2m_fields=[depends_on])

    class Meta:
        verbose_name = _("并联审批步骤")
        verbose_name_plural = _("并联审批步骤")
        ordering = ["template_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="chain_step_key_unique"),
            models.UniqueConstraint(fields=["template", "matter"], name="chain_step_matter_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Chain(TimeStampedModel):
    """One accepted chain: the cases of its steps, one notice and one clock stop for all of them."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("办理中")
        CORRECTION = "correction", _("待补正")
        STOPPED = "stopped", _("已中止，待主办部门决定")
        COMPLETED = "completed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")

    template = models.ForeignKey(ChainTemplate, verbose_name=_("模板"), on_delete=models.PROTECT, related_name="chains")
    centre = models.ForeignKey("hall.Centre", on_delete=models.PROTECT, related_name="+")
    lead_department = models.ForeignKey("hall.Department", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True, default=new_tracking_code, editable=False)
    applicant_name = models.CharField(_("申请人"), max_length=200)
    accepted_on = models.DateField(_("受理日期"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(_("办结日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("并联审批件")
        verbose_name_plural = _("并联审批件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template_id} {self.tracking_code}"


class ChainStep(models.Model):
    """A step of an accepted chain: its case (an Application of the step's matter and department)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="steps")
    template_step = models.ForeignKey(ChainTemplateStep, on_delete=models.PROTECT, related_name="+")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="chain_step")
    started = models.BooleanField(_("已开始"), default=False)

    class Meta:
        verbose_name = _("并联审批环节")
        verbose_name_plural = _("并联审批环节")
        constraints = [
            models.UniqueConstraint(fields=["chain", "template_step"], name="chain_step_once_per_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}:{self.template_step_id}"


class ChainFinding(models.Model):
    """A department's missing-material finding on its step, waiting to be merged into the chain's one notice."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="findings")
    step = models.ForeignKey(ChainStep, on_delete=models.CASCADE, related_name="findings")
    material = models.ForeignKey("hall.Material", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    problem = models.CharField(_("问题"), max_length=300)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(auto_now_add=True)
    notice = models.ForeignKey(
        "approvals.CorrectionNotice", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )

    class Meta:
        verbose_name = _("部门补正意见")
        verbose_name_plural = _("部门补正意见")

    def __str__(self) -> str:
        return self.problem


class CaseWarning(models.Model):
    """A deadline warning raised by the warning job, once per case, stage and level (the unique key makes a
    rerun a no-op). Feeds performance."""

    class Level(models.TextChoices):
        YELLOW = "yellow", _("黄牌")
        RED = "red", _("红牌")
        PURPLE = "purple", _("紫牌")

    class Reason(models.TextChoices):
        DEADLINE = "deadline", _("办理期限")
        STAGE_OVERRUN = "stage_overrun", _("环节超时")
        ONLINE_UNANSWERED = "online_unanswered", _("网上申请逾期未答复")
        DEFICIENCY_OVERDUE = "deficiency_overdue", _("容缺材料逾期未补齐")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="warnings")
    stage_position = models.PositiveSmallIntegerField(_("环节"))
    level = models.CharField(_("级别"), max_length=8, choices=Level.choices)
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey("hall.Department", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("期限"))
    raised_at = models.DateTimeField(_("预警时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件预警")
        verbose_name_plural = _("办件预警")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "stage_position", "level", "reason"], name="warning_once_per_level"
            ),
        ]
        indexes = [models.Index(fields=["department", "level", "-raised_at"], name="warning_department_idx")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.level}"

