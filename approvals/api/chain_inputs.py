"""Input serializers of the chains and inbox APIs (approvals/api/chains.py, inbox.py): shape only — types,
lengths, choices — with a Chinese message for every refusal; the rules come from approvals/services.
`validated` turns the first problem into a 400 with `detail` and `field`, like a service refusal (the same
rule as approvals/api/case_inputs.py)."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from common.api import validated_input

from ..models import Application, Chain
from ..selectors import WARNING_COLOURS
from ..services.chains import LeadDecision
from .fields import (
    Input,
    Text,
    choice_field,
    date_field,
    id_field,
    ids_field,
    messages,
    page_field,
    text_field,
)

validated = validated_input


# --- inbox ------------------------------------------------------------------------------------------------


class InboxQuerySerializer(Input):
    colour = serializers.ChoiceField(
        choices=WARNING_COLOURS,
        required=False,
        help_text=gettext_lazy("预警颜色：green 正常 / yellow 黄牌 / red 红牌 / purple 紫牌"),
        error_messages=messages(gettext_lazy("预警颜色应为 green、yellow、red 或 purple。"), "invalid_choice"),
    )
    stage = Text(
        required=False,
        max_length=40,
        help_text=gettext_lazy("环节名称，如“审核”"),
        error_messages=messages(gettext_lazy("环节名称不正确。"), "max_length", "invalid", "blank"),
    )
    department = id_field(gettext_lazy("部门编号应为正整数。"), required=False)
    page = page_field()

    class Meta:
        ref_name = "InboxQuery"


# --- chains -----------------------------------------------------------------------------------------------


class ChainListQuerySerializer(Input):
    status = serializers.ChoiceField(
        choices=Chain.Status.choices,
        required=False,
        error_messages=messages(gettext_lazy("状态不正确。"), "invalid_choice"),
    )
    page = page_field()

    class Meta:
        ref_name = "ChainListQuery"


class ChainAcceptInputSerializer(Input):
    template_id = id_field(gettext_lazy("请指定并联审批模板（template_id 为正整数）。"))
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
    contact_phone = text_field(gettext_lazy("11位手机号"), max_length=11,
                               message=gettext_lazy("请输入正确的11位手机号。"))
    provided_material_ids = ids_field(gettext_lazy("已收取的材料（材料清单中每行的 material_id，共用材料只需一次）"))
    deficient_material_ids = ids_field(gettext_lazy("容缺的材料（须签署承诺并约定补齐期限）"))
    commitment_deadline = date_field(gettext_lazy("容缺材料补齐期限"))
    ticket_id = id_field(gettext_lazy("排队号不正确。"), required=False, allow_null=True, default=None,
                         help_text=gettext_lazy("本窗口正在办理的排队号（可不填）"))
    comment = text_field(gettext_lazy("受理意见（内部）"))

    class Meta:
        ref_name = "ChainAcceptInput"


class FindingInputSerializer(Input):
    material_id = id_field(gettext_lazy("材料编号应为正整数。"), required=False, allow_null=True, default=None,
                           help_text=gettext_lazy("缺少或不符合要求的材料（不针对某一材料可为 null）"))
    problem = text_field(gettext_lazy("问题（300字以内）"), max_length=300,
                         message=gettext_lazy("请写明问题（300字以内）。"))

    class Meta:
        ref_name = "ChainFindingInput"


class StepDecideInputSerializer(Input):
    outcome = choice_field(Application.Outcome.choices, gettext_lazy("请选择办理结果。"),
                           gettext_lazy("granted 准予许可 / refused 不予许可（须写明理由）"))
    comment = text_field(gettext_lazy("审批意见"))

    class Meta:
        ref_name = "ChainStepDecideInput"


class IssueNoticeInputSerializer(Input):
    note = text_field(gettext_lazy("说明（告知申请人）"))

    class Meta:
        ref_name = "ChainIssueNoticeInput"


class ResubmitInputSerializer(Input):
    provided_material_ids = ids_field(gettext_lazy("申请人补交的材料（须包含告知书列出的每项材料）"))

    class Meta:
        ref_name = "ChainResubmitInput"


class LeadDecideInputSerializer(Input):
    decision = choice_field(LeadDecision.choices, gettext_lazy("请选择继续办理或终止办理。"),
                            gettext_lazy("continue 继续办理 / terminate 终止办理（须写明理由）"))
    comment = text_field(gettext_lazy("意见（终止办理须写明理由）"))

    class Meta:
        ref_name = "ChainLeadDecideInput"
