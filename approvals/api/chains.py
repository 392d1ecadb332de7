"""Parallel approval chains API (并联审批, session authentication): the centre's chain templates with their
single materials list, the centre's chains and one chain's overview (steps in graph order with their clocks,
the report against the statutory limits, pending findings, notices, the actor's actions), and one POST per
operation — accept a whole chain at a window, report a missing-material finding on one's own step, merge the
findings into one notice, record the resubmission, the lead department's decision after a refusal, and the
decision on a step (through `case_decide`, so that its successors start).

Each operation validates its input (a Chinese `detail` for the first problem), calls one service, and answers
with the chain. A chain of another centre is a 404 whoever asks; the services refuse the rest (another
department's step, or a department that does not lead the chain: 403 with the service's Chinese message)."""
from abc import ABCMeta, abstractmethod

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.masking import mask_name

from .. import chain_selectors
from ..models import Chain, ChainStep
from ..services import cases, chain_notices, chains
from .chain_inputs import (
    ChainAcceptInputSerializer,
    ChainListQuerySerializer,
    FindingInputSerializer,
    IssueNoticeInputSerializer,
    LeadDecideInputSerializer,
    ResubmitInputSerializer,
    StepDecideInputSerializer,
    validated,
)

TAGS = ["chains"]
PAGE_SIZE = 50

_REFUSALS = {
    400: OpenApiResponse(description="输入不正确（detail 为中文说明，field 为字段名）"),
    403: OpenApiResponse(description="无权执行此操作（detail 为服务给出的中文说明）"),
    404: OpenApiResponse(description="并联审批件不存在或无权查看"),
    409: OpenApiResponse(description="当前状态不允许此操作（detail 为中文说明）"),
}


# --------------------------------------------------------------------------- templates

class ChainTemplateStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    matter_id = serializers.IntegerField()
    matter_name = serializers.CharField(source="matter.name")
    department_name = serializers.CharField(source="matter.department.name")
    promised_days = serializers.IntegerField(source="matter.promised_days")
    statutory_days = serializers.IntegerField(source="matter.statutory_days")
    depends_on = serializers.SerializerMethodField(help_text=gettext_lazy("前置步骤的标识"))

    class Meta:
        ref_name = "ChainTemplateStep"

    def get_depends_on(self, step) -> list[str]:
        return [d.key for d in step.depends_on.all()]


class ChainMaterialUseSerializer(serializers.Serializer):
    step_key = serializers.CharField()
    matter_name = serializers.CharField()
    department_name = serializers.CharField()
    material_id = serializers.IntegerField()
    required = serializers.BooleanField()
    deficiency_allowed = serializers.BooleanField()

    class Meta:
        ref_name = "ChainMaterialUse"


class ChainMaterialSerializer(serializers.Serializer):
    """One line of the chain's single materials list: give `material_id` once for every step that needs it."""

    material_id = serializers.SerializerMethodField(help_text=gettext_lazy("受理时填写的材料编号（一份材料只需一次）"))
    name = serializers.CharField()
    form = serializers.CharField()
    required = serializers.BooleanField()
    deficiency_allowed = serializers.BooleanField(help_text=gettext_lazy("需要该材料的每个步骤都允许容缺时才可容缺"))
    notes = serializers.CharField()
    uses = ChainMaterialUseSerializer(many=True)

    class Meta:
        ref_name = "ChainMaterial"

    def get_material_id(self, line) -> int:
        return line.material_ids[0]


class ChainTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    lead_department_name = serializers.CharField(source="lead_department.name")
    promised_days = serializers.IntegerField(help_text=gettext_lazy("承诺总时限（工作日）"))
    steps = ChainTemplateStepSerializer(many=True)
    materials = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ChainTemplate"

    @extend_schema_field(ChainMaterialSerializer(many=True))
    def get_materials(self, template):
        lines = chain_selectors.chain_materials(template)
        return ChainMaterialSerializer(lines, many=True).data


# --------------------------------------------------------------------------- chains

class ChainSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField(help_text=gettext_lazy("查询码（一码通）"))
    template_id = serializers.IntegerField()
    template_name = serializers.CharField(source="template.name")
    lead_department_name = serializers.CharField(source="lead_department.name")
    status = serializers.CharField(help_text=gettext_lazy("in_progress、correction、stopped、completed、withdrawn"))
    status_display = serializers.CharField(source="get_status_display")
    applicant_masked = serializers.SerializerMethodField()
    accepted_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    steps_total = serializers.IntegerField()
    steps_done = serializers.IntegerField()
    statutory_days_sum = serializers.IntegerField(source="statutory_sum", help_text=gettext_lazy("各步骤法定时限之和"))
    elapsed_working_days = serializers.SerializerMethodField(help_text=gettext_lazy("受理至办结（或今天）的工作日"))

    class Meta:
        ref_name = "ChainSummary"

    def get_applicant_masked(self, chain) -> str:
        return mask_name(chain.applicant_name)

    def get_elapsed_working_days(self, chain) -> int:
        return chain_selectors.chain_elapsed_days(chain, today=timezone.localdate())


class ChainPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ChainSummarySerializer(many=True)

    class Meta:
        ref_name = "ChainPage"


class ChainFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step_id = serializers.IntegerField()
    department_name = serializers.CharField(source="step.application.department.name")
    material_id = serializers.IntegerField(allow_null=True)
    material_name = serializers.SerializerMethodField()
    problem = serializers.CharField()
    found_at = serializers.DateTimeField()
    found_by_name = serializers.CharField(source="found_by.display_name")

    class Meta:
        ref_name = "ChainFinding"

    def get_material_name(self, finding) -> str:
        return finding.material.name if finding.material_id else ""


class ChainNoticeItemSerializer(serializers.Serializer):
    department_name = serializers.SerializerMethodField()
    material_id = serializers.IntegerField(allow_null=True)
    material_name = serializers.SerializerMethodField()
    problem = serializers.CharField()
    resolved = serializers.BooleanField()

    class Meta:
        ref_name = "ChainNoticeItem"

    def get_department_name(self, item) -> str:
        return item.department.name if item.department_id else ""

    def get_material_name(self, item) -> str:
        return item.material.name if item.material_id else ""


class ChainNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    note = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    items = ChainNoticeItemSerializer(many=True)

    class Meta:
        ref_name = "ChainNotice"


class ChainStepSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="step.pk")
    key = serializers.CharField()
    depth = serializers.IntegerField(help_text=gettext_lazy("图中的层级：0 为受理即开始的步骤"))
    depends_on = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("前置步骤的标识"))
    application_id = serializers.IntegerField(source="application.pk")
    tracking_code = serializers.CharField(source="application.tracking_code")
    matter_name = serializers.CharField(source="application.matter.name")
    department_name = serializers.CharField(source="application.department.name")
    status = serializers.CharField(source="application.status")
    status_display = serializers.CharField(source="application.get_status_display")
    outcome = serializers.CharField(source="application.outcome")
    state = serializers.CharField(help_text=gettext_lazy("waiting、running、suspended、done、refused、closed"))
    state_label = serializers.CharField()
    stage_name = serializers.CharField()
    started = serializers.BooleanField(source="step.started")
    accepted_on = serializers.DateField(source="application.accepted_on", allow_null=True)
    promised_due = serializers.DateField(source="due", allow_null=True)
    remaining_working_days = serializers.IntegerField(source="remaining", allow_null=True)
    colour = serializers.CharField(help_text=gettext_lazy("green、yellow、red、purple；未在计时为空"))
    colour_label = serializers.CharField()
    clock_stopped = serializers.BooleanField()
    pending_findings = ChainFindingSerializer(many=True, source="findings")
    actions = serializers.SerializerMethodField(help_text=gettext_lazy("当前用户对本步骤可执行的操作"))

    class Meta:
        ref_name = "ChainStep"

    def get_actions(self, card) -> list[str]:
        return [name for name, allowed in (("decide", card.may_decide), ("finding", card.may_report_finding))
                if allowed]


class ChainDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="chain.pk")
    tracking_code = serializers.CharField(source="chain.tracking_code")
    template_id = serializers.IntegerField(source="chain.template_id")
    template_name = serializers.CharField(source="chain.template.name")
    lead_department_name = serializers.CharField(source="chain.lead_department.name")
    status = serializers.CharField(source="chain.status")
    status_display = serializers.CharField(source="chain.get_status_display")
    applicant_name = serializers.CharField(source="chain.applicant_name")
    accepted_on = serializers.DateField(source="chain.accepted_on")
    completed_on = serializers.DateField(source="chain.completed_on", allow_null=True)
    promised_days = serializers.IntegerField(source="report.promised_days")
    elapsed_working_days = serializers.IntegerField(source="report.elapsed_working_days")
    statutory_days_sum = serializers.IntegerField(source="report.statutory_days_sum")
    statutory_critical_path = serializers.IntegerField(source="report.statutory_critical_path")
    faster_percent = serializers.SerializerMethodField(help_text=gettext_lazy("比各步骤法定时限之和快多少（%）"))
    steps = ChainStepSerializer(many=True)
    pending_findings = ChainFindingSerializer(many=True)
    notices = ChainNoticeSerializer(many=True)
    actions = serializers.SerializerMethodField(help_text=gettext_lazy("当前用户对本件可执行的操作"))

    class Meta:
        ref_name = "ChainDetail"

    @extend_schema_field(OpenApiTypes.INT)
    def get_faster_percent(self, overview):
        return overview.report.faster_percent

    def get_actions(self, overview) -> list[str]:
        return sorted(overview.actions)


# --------------------------------------------------------------------------- base views

class _ChainsApi(APIView):
    authentication_classes = [SessionAuthentication]

    def get_chain(self, request, chain_id: int) -> Chain:
        chain = chain_selectors.chain_for_actor(actor=request.user, chain_id=chain_id)
        if chain is None:
            raise NotFound(_("并联审批件不存在或您无权查看。"))
        return chain

    def get_step(self, chain: Chain, step_id: int) -> ChainStep:
        step = ChainStep.objects.filter(chain=chain, pk=step_id).first()
        if step is None:
            raise NotFound(_("并联审批步骤不存在。"))
        return step

    def detail_response(self, request, chain_id: int, *, code: int = status.HTTP_200_OK) -> Response:
        chain = self.get_chain(request, chain_id)
        overview = chain_selectors.chain_overview(actor=request.user, chain=chain)
        return Response(ChainDetailSerializer(overview).data, status=code)


class ChainTemplateListApi(_ChainsApi):
    @extend_schema(
        responses={200: ChainTemplateSerializer(many=True)},
        operation_id="chains_templates",
        summary="本中心启用的并联审批模板：步骤图和合并后的一份材料清单",
        tags=TAGS,
    )
    def get(self, request):
        templates = chain_selectors.chain_templates_for_actor(actor=request.user)
        return Response(ChainTemplateSerializer(templates, many=True).data)



class ChainListApi(_ChainsApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="按状态筛选", enum=Chain.Status.values),
            OpenApiParameter("page", int, description="页码，从 1 开始"),
        ],
        responses={200: ChainPageSerializer, 400: _REFUSALS[400]},
        operation_id="chains_list",
        summary="本中心的并联审批件，最近受理的在前",
        tags=TAGS,
    )
    def get(self, request):
        query = validated(ChainListQuerySerializer, request.query_params.dict())
        rows = chain_selectors.chains_for_actor(actor=request.user)
        if query.get("status"):
            rows = rows.filter(status=query["status"])
        count = rows.count()
        pages = max(1, -(-count // PAGE_SIZE))
        page = min(query["page"], pages)
        results = list(rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
        return Response({"count": count, "page": page, "pages": pages,
                         "results": ChainSummarySerializer(results, many=True).data})


class ChainDetailApi(_ChainsApi):
    @extend_schema(
        responses={200: ChainDetailSerializer, 404: _REFUSALS[404]},
        operation_id="chains_retrieve",
        summary="并联审批件：各步骤（按图的层级）、期限、预警、待告知意见、一次性告知和可执行的操作",
        tags=TAGS,
    )
    def get(self, request, chain_id: int):
        return self.detail_response(request, chain_id)


# --------------------------------------------------------------------------- operations


class ChainAcceptApi(_ChainsApi):
    @extend_schema(
        request=ChainAcceptInputSerializer,
        responses={201: ChainDetailSerializer, **_REFUSALS},
        operation_id="chains_accept",
        summary="一窗受理整个并联审批：一张表单，一份材料清单（共用材料只交一次）",
        tags=TAGS,
    )
    def post(self, request):
        data = validated(ChainAcceptInputSerializer, request.data)
        chain = chains.chain_accept(actor=request.user, **data)
        return self.detail_response(request, chain.pk, code=status.HTTP_201_CREATED)


def _operation(summary: str, request_serializer=None, *, created: bool = False):
    return extend_schema(
        request=request_serializer,
        responses={201 if created else 200: ChainDetailSerializer, **_REFUSALS},
        summary=summary,
        tags=TAGS,
    )


class _ChainOperationApi(_ChainsApi, metaclass=ABCMeta):
    input_serializer: type[serializers.Serializer] | None = None

    @abstractmethod
    def operate(self, *, actor, chain: Chain, data: dict) -> None:
        """Call the one service of this operation."""

    def post(self, request, chain_id: int):
        chain = self.get_chain(request, chain_id)
        data = validated(self.input_serializer, request.data) if self.input_serializer else {}
        self.operate(actor=request.user, chain=chain, data=data)
        return self.detail_response(request, chain.pk)


class _StepOperationApi(_ChainsApi, metaclass=ABCMeta):
    input_serializer: type[serializers.Serializer]
    code = status.HTTP_200_OK

    @abstractmethod
    def operate(self, *, actor, step: ChainStep, data: dict) -> None:
        """Call the one service of this operation."""

    def post(self, request, chain_id: int, step_id: int):
        chain = self.get_chain(request, chain_id)
        step = self.get_step(chain, step_id)
        data = validated(self.input_serializer, request.data)
        self.operate(actor=request.user, step=step, data=data)
        return self.detail_response(request, chain.pk, code=self.code)



@_operation("本部门对本步骤登记补正意见（由主办窗口合并为一次性告知）", FindingInputSerializer, created=True)
class ChainStepFindingApi(_StepOperationApi):
    input_serializer = FindingInputSerializer
    code = status.HTTP_201_CREATED

    def operate(self, *, actor, step, data):
        chain_notices.chain_step_report_finding(step_id=step.pk, actor=actor, material_id=data["material_id"],
                                                problem=data["problem"])


@_operation("办结本部门的步骤：准予许可或不予许可（后续步骤随之开始）", StepDecideInputSerializer)
class ChainStepDecideApi(_StepOperationApi):
    input_serializer = StepDecideInputSerializer

    def operate(self, *, actor, step, data):
        cases.case_decide(application_id=step.application_id, actor=actor, outcome=data["outcome"],
                          comment=data["comment"])



@_operation("主办窗口将各部门的补正意见合并为一次性告知，全部步骤同时停止计时", IssueNoticeInputSerializer)
class ChainIssueNoticeApi(_ChainOperationApi):
    input_serializer = IssueNoticeInputSerializer

    def operate(self, *, actor, chain, data):
        chain_notices.chain_issue_notice(chain_id=chain.pk, actor=actor, note=data["note"])



@_operation("登记申请人按告知书补交的材料，全部步骤同时恢复计时", ResubmitInputSerializer)
class ChainResubmitApi(_ChainOperationApi):
    input_serializer = ResubmitInputSerializer

    def operate(self, *, actor, chain, data):
        chain_notices.chain_resubmit(chain_id=chain.pk, actor=actor,
                                     provided_material_ids=data["provided_material_ids"])



@_operation("有步骤不予许可后，主办部门决定继续办理或终止办理", LeadDecideInputSerializer)
class ChainLeadDecideApi(_ChainOperationApi):
    input_serializer = LeadDecideInputSerializer

    def operate(self, *, actor, chain, data):
        chains.chain_lead_decide(chain_id=chain.pk, actor=actor, decision=data["decision"], comment=data["comment"])


urlpatterns = [
    path("api/chains/", ChainListApi.as_view(), name="api_chains"),
    path("api/chains/templates/", ChainTemplateListApi.as_view(), name="api_chain_templates"),
    path("api/chains/accept/", ChainAcceptApi.as_view(), name="api_chain_accept"),
    path("api/chains/<int:chain_id>/", ChainDetailApi.as_view(), name="api_chain"),
    path("api/chains/<int:chain_id>/issue-notice/", ChainIssueNoticeApi.as_view(), name="api_chain_issue_notice"),
    path("api/chains/<int:chain_id>/resubmit/", ChainResubmitApi.as_view(), name="api_chain_resubmit"),
    path("api/chains/<int:chain_id>/lead-decide/", ChainLeadDecideApi.as_view(), name="api_chain_lead_decide"),
    path("api/chains/<int:chain_id>/steps/<int:step_id>/findings/", ChainStepFindingApi.as_view(),
         name="api_chain_step_finding"),
    path("api/chains/<int:chain_id>/steps/<int:step_id>/decide/", ChainStepDecideApi.as_view(),
         name="api_chain_step_decide"),
]
