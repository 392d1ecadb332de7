"""Input serializers of the cases API (approvals/api/cases.py): shape only — types, lengths, choices — with a
Chinese message for every refusal; the rules come from approvals/services. `validated` turns the first problem
into a ValidationFailed (400 with `detail` and `field`), like a service refusal."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from common.api import validated_input

from ..models import Application
from ..services.intake import MAX_NOTICE_ITEMS
from ..services.transitions import SPECIAL_PROCEDURES
from .fields import (
    Input,
    choice_field,
    date_field,
    id_field,
    ids_field,
    messages,
    text_field,
)

Status = Application.Status

validated = validated_input


class ListQuerySerializer(Input):
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        error_messages=messages(gettext_lazy("状态不正确。"), "invalid_choice"),
    )
    page = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, default=1,
        error_messages=messages(
            gettext_lazy("页码不正确。"), "invalid", "min_value", "max_value", "max_string_length"
        ),
    )

    class Meta:
        ref_name = "CaseListQuery"


class DraftInputSerializer(Input):
    matter_id = id_field(gettext_lazy("请指定事项（matter_id 为正整数）。"))
    applicant_kind = choice_field(
        Application.ApplicantKind.choices,
        gettext_lazy("请选择申请人类型。"),
        gettext_lazy("person 个人 / enterprise 企业"),
    )
    applicant_name = text_field(gettext_lazy("申请人名称"), max_length=200,
                                 message=gettext_lazy("请填写申请人名称（2至200个字）。"))
    id_number = text_field(gettext_lazy("身份证号（个人）"), max_length=18, message=gettext_lazy("身份证号应为18位。"))
    credit_code = text_field(gettext_lazy("统一社会信用代码（企业）"), max_length=18,
                              message=gettext_lazy("统一社会信用代码应为18位。"))
    contact_phone = text_field(
        gettext_lazy("11位手机号"), max_length=11, message=gettext_lazy("请输入正确的11位手机号。")
    )

    class Meta:
        ref_name = "CaseDraftInput"


class UploadInputSerializer(Input):
    material_id = id_field(gettext_lazy("请指定材料（material_id 为正整数）。"))
    file = serializers.FileField(
        help_text=gettext_lazy("PDF、JPG 或 PNG，不超过 10MB"),
        error_messages=messages(
            gettext_lazy("请选择要上传的文件。"), "required", "invalid", "no_name", "empty", "null"
        ),
    )

    class Meta:
        ref_name = "CaseUploadInput"


class WithdrawInputSerializer(Input):
    reason = text_field(gettext_lazy("撤回原因（可不填）"))

    class Meta:
        ref_name = "CaseWithdrawInput"


class AcceptAtWindowInputSerializer(DraftInputSerializer):
    provided_material_ids = ids_field(gettext_lazy("已收取的材料"))
    deficient_material_ids = ids_field(gettext_lazy("容缺的材料（须签署承诺并约定补齐期限）"))
    commitment_deadline = date_field(gettext_lazy("容缺材料补齐期限"))
    ticket_id = id_field(gettext_lazy("排队号不正确。"), required=False, allow_null=True, default=None,
                          help_text=gettext_lazy("本窗口正在办理的排队号（可不填）"))
    comment = text_field(gettext_lazy("受理意见（内部）"))

    class Meta:
        ref_name = "CaseAcceptAtWindowInput"


class AcceptOnlineInputSerializer(Input):
    deficient_material_ids = ids_field(gettext_lazy("容缺的材料（须签署承诺并约定补齐期限）"))
    commitment_deadline = date_field(gettext_lazy("容缺材料补齐期限"))
    comment = text_field(gettext_lazy("受理意见（内部）"))

    class Meta:
        ref_name = "CaseAcceptOnlineInput"


class NoticeItemInputSerializer(Input):
    material_id = id_field(gettext_lazy("材料编号应为正整数。"), required=False, allow_null=True, default=None,
                            help_text=gettext_lazy("针对的材料（不针对某一材料可为 null）"))
    problem = text_field(gettext_lazy("问题（300字以内）"), max_length=300,
                          message=gettext_lazy("每项告知须写明问题（300字以内）。"))

    class Meta:
        ref_name = "CaseNoticeItemInput"


class CorrectionInputSerializer(Input):
    items = NoticeItemInputSerializer(
        many=True,
        max_length=MAX_NOTICE_ITEMS,
        error_messages=messages(gettext_lazy("请列出需要补正的全部材料或问题。"), "required", "not_a_list", "null",
                                 "empty", "max_length"),
    )
    note = text_field(gettext_lazy("说明（告知申请人）"))

    class Meta:
        ref_name = "CaseCorrectionInput"


class ReasonInputSerializer(Input):
    reason = text_field(gettext_lazy("理由（必填）"))

    class Meta:
        ref_name = "CaseReasonInput"


class CommentInputSerializer(Input):
    comment = text_field(gettext_lazy("意见（内部，可不填）"))

    class Meta:
        ref_name = "CaseCommentInput"


class DecideInputSerializer(Input):
    outcome = choice_field(Application.Outcome.choices, gettext_lazy("请选择办理结果。"),
                            gettext_lazy("granted 准予许可 / refused 不予许可（须写明理由）"))
    comment = text_field(gettext_lazy("审批意见"))

    class Meta:
        ref_name = "CaseDecideInput"


class SuspendInputSerializer(Input):
    procedure = choice_field(
        [(k.value, k.label) for k in SPECIAL_PROCEDURES],
        gettext_lazy("请选择特别程序类型。"),
        gettext_lazy("hearing 听证 / expert_review 专家评审 / site_inspection 现场勘查 / testing 检验检测"),
    )
    reason = text_field(gettext_lazy("原因（书面告知申请人）"))

    class Meta:
        ref_name = "CaseSuspendInput"


class ExtensionInputSerializer(Input):
    days = choice_field([(10, "10"), (15, "15")], gettext_lazy("延长期限只能为10个或15个工作日。"),
                         gettext_lazy("10 个工作日，联合办理 15 个工作日（行政许可法第42条）"))
    reason = text_field(gettext_lazy("延长理由（告知申请人）"))

    class Meta:
        ref_name = "CaseExtensionInput"


class DeliverInputSerializer(Input):
    method = choice_field(Application.Delivery.choices, gettext_lazy("请选择出件方式。"),
                           gettext_lazy("pickup 窗口领取 / mail 邮寄送达（须填邮件单号） / home 送证上门"))
    mail_tracking_number = text_field(gettext_lazy("邮件单号"), max_length=40,
                                       message=gettext_lazy("邮寄送达须填写邮件单号。"))

    class Meta:
        ref_name = "CaseDeliverInput"
