"""People and devices. Roles are a field, not groups: each role's rights are checked in selectors
and services (hall/permissions.py), and the admin reads the same predicates."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.masking import mask_id_number, mask_phone

from .structure import Centre, Department, Window


class Role(models.TextChoices):
    CITIZEN = "citizen", _("办事群众")
    CLERK = "clerk", _("窗口工作人员")
    APPROVER = "approver", _("审批人员")
    MANAGER = "manager", _("中心管理人员")
    CALLBACK_OPERATOR = "callback_operator", _("回访员")
    SUPERVISOR = "supervisor", _("电子监察")


STAFF_ROLES = (Role.CLERK, Role.APPROVER, Role.MANAGER, Role.CALLBACK_OPERATOR, Role.SUPERVISOR)


class User(AbstractUser):
    class ApplicantKind(models.TextChoices):
        PERSON = "person", _("个人")
        ENTERPRISE = "enterprise", _("企业")

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CITIZEN, db_index=True)
    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    applicant_kind = models.CharField(
        _("申请人类型"), max_length=12, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    enterprise_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    centre = models.ForeignKey(
        Centre, verbose_name=_("所属中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    extra_centres = models.ManyToManyField(
        Centre, verbose_name=_("授权查看的其他中心"), blank=True, related_name="granted_staff"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    is_department_head = models.BooleanField(_("部门负责人"), default=False)
    staff_number = models.CharField(_("工号"), max_length=20, blank=True)
    photo = models.ImageField(_("照片"), upload_to="staff_photos/", blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="user_id_number_unique"
            ),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="user_credit_code_unique"
            ),
            # Staff always belong to a centre; that is what scopes everything they see.
            models.CheckConstraint(
                condition=Q(role="citizen") | Q(centre__isnull=False) | Q(is_superuser=True),
                name="staff_user_has_centre",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.applicant_kind == self.ApplicantKind.ENTERPRISE and self.enterprise_name:
            return self.enterprise_name
        return self.real_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def is_hall_staff(self) -> bool:
        return self.role in STAFF_ROLES


class Device(models.Model):
    """A hall device (kiosk, call display, window rating pad) bound to one centre, authenticated by API key.

    Only a hash of the key is stored; the key is shown once when the device is registered."""

    class Kind(models.TextChoices):
        KIOSK = "kiosk", _("取号机")
        DISPLAY = "display", _("叫号大屏")
        WINDOW_PAD = "window_pad", _("窗口评价器")

    centre = models.ForeignKey(Centre, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="devices")
    kind = models.CharField(_("设备类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    window = models.ForeignKey(
        Window, verbose_name=_("绑定窗口"), null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=128, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    last_seen_at = models.DateTimeField(_("最近在线"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["key_hash", "last_seen_at"])

    class Meta:
        verbose_name = _("大厅设备")
        verbose_name_plural = _("大厅设备")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="window_pad") | Q(window__isnull=False), name="window_pad_has_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class PhoneVerification(models.Model):
    """An SMS code sent to a phone. Only a hash of the code is kept."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("注册")

    phone = models.CharField(max_length=11, db_index=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="phone_verification_lookup")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """An in-app message for a staff member. dedupe_key makes repeated jobs send nothing twice."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notice_once_per_recipient"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_inbox_idx")]

    def __str__(self) -> str:
        return self.title
