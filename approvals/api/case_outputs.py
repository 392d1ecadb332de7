"""Output serializers of the cases API: a case in a list, a case with its events, files, notices, clock stops,
容缺 commitment and extension. Identity numbers and phones leave masked; internal comments and actors only
to staff (context `staff`)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.masking import mask_id_number, mask_phone

from .. import case_pages as pages
from .. import case_selectors as selectors


class CaseMatterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    promised_days = serializers.IntegerField()
    statutory_days = serializers.IntegerField()
    is_instant = serializers.BooleanField()

    class Meta:
        ref_name = "CaseMatter"


class CaseSummarySerializer(serializers.Serializer):
    """A case in a list. Identity number and phone are masked (110101********1234, 138****5678)."""

    id = serializers.IntegerField()
    tracking_code = serializers.CharField(help_text=gettext_lazy("查询码（一码通）"))
    matter = CaseMatterSerializer()
    department_name = serializers.CharField(source="department.name")
    status = serializers.CharField(
        help_text=gettext_lazy("状态：draft、submitted、correction、not_accepted、accepted、review、approval、"
                               "suspended、completed、delivered、withdrawn")
    )
    status_display = serializers.CharField(source="get_status_display")
    source = serializers.CharField(help_text=gettext_lazy("来源：window 窗口受理 / online 网上申请"))
    applicant_kind = serializers.CharField(help_text=gettext_lazy("person 个人 / enterprise 企业"))
    applicant_name = serializers.CharField()
    applicant_id_masked = serializers.SerializerMethodField(help_text=gettext_lazy("已脱敏的身份证号或信用代码"))
    contact_phone_masked = serializers.SerializerMethodField(help_text=gettext_lazy("已脱敏的联系电话"))
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    online_answer_due = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("预审答复期限（行政许可法第32条）")
    )
    accepted_on = serializers.DateField(allow_null=True)
    promised_due = serializers.DateField(allow_null=True, help_text=gettext_lazy("承诺办结日期"))
    statutory_due = serializers.DateField(allow_null=True, help_text=gettext_lazy("法定办结日期"))
    remaining_working_days = serializers.SerializerMethodField(
        help_text=gettext_lazy("距承诺办结日期的剩余工作日（负数为已超期；未在办理中为 null）")
    )
    outcome = serializers.CharField(help_text=gettext_lazy("granted 准予许可 / refused 不予许可；未办结为空"))
    early_completion = serializers.BooleanField(allow_null=True)

    class Meta:
        ref_name = "CaseSummary"

    def get_applicant_id_masked(self, obj) -> str:
        return mask_id_number(obj.id_number or obj.credit_code)

    def get_contact_phone_masked(self, obj) -> str:
        return mask_phone(obj.contact_phone)

    @extend_schema_field(OpenApiTypes.INT)
    def get_remaining_working_days(self, obj):
        return pages.case_clock(obj).remaining


class CaseFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    material_id = serializers.IntegerField(allow_null=True)
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text=gettext_lazy("下载地址（仅申请人和本中心工作人员可下载）"))

    class Meta:
        ref_name = "CaseFile"

    def get_url(self, obj) -> str:
        return f"/cases/files/{obj.pk}/"


class CaseEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    department_name = serializers.SerializerMethodField()
    public_note = serializers.CharField(help_text=gettext_lazy("公开说明（申请人和一码通可见）"))
    comment = serializers.SerializerMethodField(
        help_text=gettext_lazy("内部意见：仅工作人员可见，申请人看到的是空字符串")
    )
    actor_name = serializers.SerializerMethodField(help_text=gettext_lazy("经办人：仅工作人员可见"))

    class Meta:
        ref_name = "CaseEvent"

    def _staff(self) -> bool:
        return bool(self.context.get("staff"))

    def get_kind_display(self, obj) -> str:
        return pages.event_label(obj.kind)

    def get_department_name(self, obj) -> str:
        return obj.department.name if obj.department_id else ""

    def get_comment(self, obj) -> str:
        return obj.comment if self._staff() else ""

    def get_actor_name(self, obj) -> str:
        return obj.actor.display_name if self._staff() and obj.actor_id else ""


class CaseNoticeItemSerializer(serializers.Serializer):
    material_id = serializers.IntegerField(allow_null=True)
    material_name = serializers.SerializerMethodField()
    problem = serializers.CharField()
    resolved = serializers.BooleanField()

    class Meta:
        ref_name = "CaseNoticeItem"

    def get_material_name(self, obj) -> str:
        return obj.material.name if obj.material_id else ""


class CaseNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    note = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    items = CaseNoticeItemSerializer(many=True)

    class Meta:
        ref_name = "CaseNotice"


class CaseClockStopSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()

    class Meta:
        ref_name = "CaseClockStop"


class CaseDeficiencySerializer(serializers.Serializer):
    deadline = serializers.DateField()
    material_ids = serializers.SerializerMethodField()
    fulfilled_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "CaseDeficiency"

    def get_material_ids(self, obj) -> list[int]:
        return [m.pk for m in obj.materials.all()]


class CaseExtensionSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "CaseExtension"


class CaseDetailSerializer(CaseSummarySerializer):
    stage_position = serializers.IntegerField()
    stage_name = serializers.SerializerMethodField()
    deemed_accepted = serializers.BooleanField()
    stopped_days = serializers.IntegerField(help_text=gettext_lazy("补正、特别程序停止计时的工作日"))
    extension_days = serializers.IntegerField()
    not_accepted_reason = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    delivery_method = serializers.CharField()
    mail_tracking_number = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    files = CaseFileSerializer(many=True)
    events = CaseEventSerializer(many=True)
    notices = CaseNoticeSerializer(many=True, source="correction_notices")
    clock_stops = CaseClockStopSerializer(many=True)
    deficiency = serializers.SerializerMethodField()
    extension = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text=gettext_lazy("当前用户在此状态下可执行的操作"))

    class Meta:
        ref_name = "CaseDetail"

    def get_stage_name(self, obj) -> str:
        return pages.stage_name(obj)

    @extend_schema_field(CaseDeficiencySerializer(allow_null=True))
    def get_deficiency(self, obj):
        deficiency = getattr(obj, "deficiency", None) if hasattr(obj, "deficiency") else None
        return CaseDeficiencySerializer(deficiency).data if deficiency else None

    @extend_schema_field(CaseExtensionSerializer(allow_null=True))
    def get_extension(self, obj):
        extension = getattr(obj, "extension", None) if hasattr(obj, "extension") else None
        return CaseExtensionSerializer(extension).data if extension else None

    def get_actions(self, obj) -> list[str]:
        actor = self.context["request"].user
        if selectors.is_case_staff(actor):
            return sorted(selectors.available_actions(actor, obj))
        return sorted(selectors.citizen_actions(actor, obj))


class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = CaseSummarySerializer(many=True)

    class Meta:
        ref_name = "CasePage"
