"""Submitted material files, the one-time notice (一次性告知) and accept-with-deficiency (容缺受理)."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .applications import Application


def material_upload_path(instance: "MaterialFile", filename: str) -> str:
    """Random names under MEDIA_ROOT (outside the web root); the original name is kept in the row only."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"materials/{instance.application_id}/{uuid.uuid4().hex}.{suffix}"


class MaterialFile(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    material = models.ForeignKey("hall.Material", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(_("文件"), upload_to=material_upload_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料文件")
        verbose_name_plural = _("申请材料文件")

    def __str__(self) -> str:
        return self.original_name


class CorrectionNotice(models.Model):
    """One notice listing everything missing or wrong; the resubmission is checked against it."""

    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="correction_notices"
    )
    # A chain's notice merges every department's findings and is issued once by the lead window.
    chain = models.ForeignKey(
        "approvals.Chain", null=True, blank=True, on_delete=models.CASCADE, related_name="correction_notices"
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)
    answered_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一次性告知书")
        verbose_name_plural = _("一次性告知书")
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, chain__isnull=True)
                | models.Q(application__isnull=True, chain__isnull=False),
                name="correction_notice_for_a_case_or_a_chain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.issued_at:%Y-%m-%d}"


class CorrectionItem(models.Model):
    notice = models.ForeignKey(CorrectionNotice, on_delete=models.CASCADE, related_name="items")
    department = models.ForeignKey(
        "hall.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    material = models.ForeignKey("hall.Material", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    problem = models.CharField(_("问题"), max_length=300)
    resolved = models.BooleanField(_("已补正"), default=False)

    class Meta:
        verbose_name = _("告知事项")
        verbose_name_plural = _("告知事项")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.problem


class DeficiencyCommitment(models.Model):
    """容缺受理: the applicant signs to supply the listed materials by a deadline; hand-out waits for them."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="deficiency")
    materials = models.ManyToManyField("hall.Material", related_name="+")
    deadline = models.DateField(_("补齐期限"))
    signed_at = models.DateTimeField(_("签署时间"), auto_now_add=True)
    fulfilled_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("容缺承诺")
        verbose_name_plural = _("容缺承诺")

    def __str__(self) -> str:
        return f"{self.application_id} {self.deadline}"
