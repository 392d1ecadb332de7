"""Applications (办件): one case for one published matter, its state machine, its clock."""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel


def new_tracking_code() -> str:
    """Random and unguessable (not sequential): 16 characters of a 31-symbol alphabet ≈ 79 bits."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class Application(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待预审")
        CORRECTION = "correction", _("待补正")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        ACCEPTED = "accepted", _("已受理")
        REVIEW = "review", _("审核中")
        APPROVAL = "approval", _("审批中")
        SUSPENDED = "suspended", _("特别程序中")
        COMPLETED = "completed", _("已办结")
        DELIVERED = "delivered", _("已出件")
        WITHDRAWN = "withdrawn", _("已撤回")

    # The transition table: the only moves a service may make (approvals/services/transitions.py).
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.ACCEPTED, Status.NOT_ACCEPTED, Status.CORRECTION, Status.WITHDRAWN},
        Status.CORRECTION: {Status.SUBMITTED, Status.NOT_ACCEPTED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.REVIEW, Status.COMPLETED, Status.SUSPENDED, Status.WITHDRAWN},
        Status.REVIEW: {Status.APPROVAL, Status.ACCEPTED, Status.SUSPENDED, Status.WITHDRAWN},
        Status.APPROVAL: {Status.COMPLETED, Status.REVIEW, Status.SUSPENDED, Status.WITHDRAWN},
        Status.SUSPENDED: {Status.ACCEPTED, Status.REVIEW, Status.APPROVAL, Status.WITHDRAWN},
        Status.COMPLETED: {Status.DELIVERED},
        Status.NOT_ACCEPTED: set(),
        Status.DELIVERED: set(),
        Status.WITHDRAWN: set(),
    }
    OPEN_STATUSES = (Status.ACCEPTED, Status.REVIEW, Status.APPROVAL, Status.SUSPENDED)

    class Source(models.TextChoices):
        WINDOW = "window", _("窗口受理")
        ONLINE = "online", _("网上申请")

    class ApplicantKind(models.TextChoices):
        PERSON = "person", _("个人")
        ENTERPRISE = "enterprise", _("企业")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("准予许可")
        REFUSED = "refused", _("不予许可")

    class Delivery(models.TextChoices):
        PICKUP = "pickup", _("窗口领取")
        MAIL = "mail", _("邮寄送达")
        HOME = "home", _("送证上门")

    centre = models.ForeignKey("hall.Centre", verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    matter = models.ForeignKey(
        "hall.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="applications"
    )
    department = models.ForeignKey(
        "hall.Department", verbose_name=_("办理部门"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人账户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant_kind = models.CharField(_("申请人类型"), max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=200)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=11)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.DRAFT, db_index=True)
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True, default=new_tracking_code, editable=False)
    ticket = models.ForeignKey(
        "hall.Ticket", verbose_name=_("排队号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("当前经办人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    stage_position = models.PositiveSmallIntegerField(_("当前环节"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    online_answer_due = models.DateField(_("预审答复期限"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    promised_due = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    statutory_due = models.DateField(_("法定办结日期"), null=True, blank=True)
    stopped_days = models.PositiveSmallIntegerField(_("停止计时（工作日）"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("延长（工作日）"), default=0)
    suspended_from = models.CharField(_("暂停前状态"), max_length=14, choices=Status.choices, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), blank=True)
    outcome = models.CharField(_("办理结果"), max_length=8, choices=Outcome.choices, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    early_completion = models.BooleanField(_("提前办结"), null=True, blank=True)
    delivery_method = models.CharField(_("出件方式"), max_length=8, choices=Delivery.choices, blank=True)
    mail_tracking_number = models.CharField(_("邮件单号"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(_("出件时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applicant_kind="person", id_number__regex=r"^\d{17}[\dX]$")
                | Q(applicant_kind="enterprise", credit_code__regex=r"^[0-9A-Z]{18}$"),
                name="application_applicant_identified",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "review", "approval", "suspended", "completed", "delivered"])
                | Q(accepted_on__isnull=False, promised_due__isnull=False, statutory_due__isnull=False),
                name="accepted_application_has_due_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "promised_due"], name="application_inbox_idx"),
            # The department inbox: open cases by due date.
            models.Index(
                fields=["department", "promised_due", "id"],
                condition=Q(status__in=["accepted", "review", "approval", "suspended"]),
                name="application_open_inbox_idx",
            ),
            # The warning job's one pass over the cases whose clock runs: an index-only scan of every column it
            # reads (fixed-width ones first, which makes each entry cheap to read).
            models.Index(
                fields=["accepted_on"],
                include=["promised_due", "id", "matter", "centre", "department", "stage_position", "stopped_days",
                         "extension_days", "handler", "tracking_code"],
                condition=Q(status__in=["accepted", "review", "approval"]),
                name="application_running_clock_idx",
            ),
            # The warning job's Art. 32 cards: the few open cases deemed accepted.
            models.Index(
                fields=["online_answer_due"],
                condition=Q(deemed_accepted=True, status__in=["accepted", "review", "approval", "suspended"]),
                name="application_deemed_open_idx",
            ),
            models.Index(fields=["applicant", "-created_at"], name="application_applicant_idx"),
            models.Index(fields=["centre", "status"], name="application_centre_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.matter_id}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class ApplicationEvent(models.Model):
    """Every transition: who, when, from and to, an internal comment and an optional public note (the only
    text the tracking page may show)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=30)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    stage_position = models.PositiveSmallIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "hall.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("内部意见"), blank=True)
    public_note = models.CharField(_("公开说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件流转记录")
        verbose_name_plural = _("办件流转记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class ClockStop(models.Model):
    """A period the clock does not run: correction (补正) or a special procedure (行政许可法 Art. 45)."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("补正材料")
        HEARING = "hearing", _("听证")
        EXPERT_REVIEW = "expert_review", _("专家评审")
        SITE_INSPECTION = "site_inspection", _("现场勘查")
        TESTING = "testing", _("检验检测")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="clock_stops")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    notice_sent_at = models.DateTimeField(_("书面告知时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("停止计时")
        verbose_name_plural = _("停止计时")
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(ended_on__isnull=True), name="one_open_clock_stop_per_application"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="clock_stop_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind} {self.started_on}"


class ExtensionRequest(models.Model):
    """行政许可法 Art. 42: one extension, approved by the department head, the reason sent to the applicant."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="extension")
    days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.CharField(_("延长理由"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [models.CheckConstraint(condition=Q(days__in=[10, 15]), name="extension_days_by_law")]

    def __str__(self) -> str:
        return f"{self.application_id} +{self.days}"


class DishonestyEntry(models.Model):
    """The centre's dishonesty list (失信名单): listed applicants cannot use accept-with-deficiency."""

    centre = models.ForeignKey("hall.Centre", on_delete=models.CASCADE, related_name="+")
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    reason = models.CharField(_("原因"), max_length=300)
    listed_on = models.DateField(_("列入日期"))
    until = models.DateField(_("截止日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("失信名单")
        verbose_name_plural = _("失信名单")
        constraints = [
            models.CheckConstraint(condition=~Q(id_number="") | ~Q(credit_code=""), name="dishonesty_entry_identified"),
        ]

    def __str__(self) -> str:
        return self.name
