"""Cases API (办件, session authentication): list and read the cases the actor may see, and one POST per
operation — for citizens: create a draft, upload a material file (multipart), submit, resubmit after a one-time
notice, withdraw; for staff: accept at the window, accept an online submission, issue a one-time notice, refuse
(不予受理), and each transition of the department's stages, suspension, extension, 容缺 fulfilment and delivery.

Each operation validates its input (a Chinese `detail` for the first problem), calls one service of
approvals/services, and answers with the case. A case the actor may not see is a 404 whoever asks; the services
refuse the rest (a department acting on another's case: 403 with the service's Chinese message)."""
from abc import ABCMeta, abstractmethod

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound

from .. import case_selectors as selectors
from ..models import Application
from ..services import cases, intake, transitions
from .case_inputs import (
    AcceptAtWindowInputSerializer,
    AcceptOnlineInputSerializer,
    CommentInputSerializer,
    CorrectionInputSerializer,
    DecideInputSerializer,
    DeliverInputSerializer,
    DraftInputSerializer,
    ExtensionInputSerializer,
    ListQuerySerializer,
    ReasonInputSerializer,
    SuspendInputSerializer,
    UploadInputSerializer,
    WithdrawInputSerializer,
    validated,
)
from .case_outputs import CaseDetailSerializer, CaseFileSerializer, CasePageSerializer, CaseSummarySerializer

PAGE_SIZE = 50
TAGS = ["cases"]
Status = Application.Status


# --------------------------------------------------------------------------- base views

_REFUSALS = {
    400: OpenApiResponse(description="输入不正确（detail 为中文说明，field 为字段名）"),
    403: OpenApiResponse(description="无权执行此操作（detail 为服务给出的中文说明）"),
    404: OpenApiResponse(description="办件不存在或无权查看"),
    409: OpenApiResponse(description="当前状态不允许此操作（detail 为中文说明）"),
}


class _CasesApi(APIView):
    authentication_classes = [SessionAuthentication]

    def detail_response(self, request, application_id: int, *, code: int = status.HTTP_200_OK) -> Response:
        application = self.get_case(request, application_id)
        staff = selectors.is_case_staff(request.user)
        data = CaseDetailSerializer(application, context={"request": request, "staff": staff}).data
        return Response(data, status=code)

    def get_case(self, request, application_id: int) -> Application:
        actor = request.user
        if selectors.is_case_staff(actor):
            application = selectors.application_for_staff(actor=actor, application_id=application_id)
        else:
            application = selectors.application_for_citizen(actor=actor, application_id=application_id)
        if application is None:
            raise NotFound(_("办件不存在或您无权查看。"))
        return application


class CaseListApi(_CasesApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="按状态筛选", enum=Status.values),
            OpenApiParameter("page", int, description="页码，从 1 开始"),
        ],
        responses={200: CasePageSerializer, 400: _REFUSALS[400]},
        operation_id="cases_list",
        summary="办件列表：申请人看到自己的申请，工作人员看到本中心的办件",
        tags=TAGS,
    )
    def get(self, request):
        query = validated(ListQuerySerializer, request.query_params.dict())
        if selectors.is_citizen(request.user):
            cases = selectors.applications_for_citizen(actor=request.user)
        else:
            cases = selectors.applications_for_staff(actor=request.user)
        if query.get("status"):
            cases = cases.filter(status=query["status"])
        count = cases.count()
        pages = max(1, -(-count // PAGE_SIZE))
        page = min(query["page"], pages)
        rows = list(cases[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
        body = {"count": count, "page": page, "pages": pages, "results": CaseSummarySerializer(rows, many=True).data}
        return Response(body)


class CaseDetailApi(_CasesApi):
    @extend_schema(
        responses={200: CaseDetailSerializer, 404: _REFUSALS[404]},
        operation_id="cases_retrieve",
        summary="办件详情（流转记录、材料文件、一次性告知、停止计时、容缺、延期）",
        tags=TAGS,
    )
    def get(self, request, application_id: int):
        return self.detail_response(request, application_id)


def _operation(summary: str, request_serializer=None, *, created: bool = False):
    return extend_schema(
        request=request_serializer,
        responses={201 if created else 200: CaseDetailSerializer, **_REFUSALS},
        summary=summary,
        tags=TAGS,
    )


class _CaseOperationApi(_CasesApi, metaclass=ABCMeta):
    """POST on a case the actor can see: validate the body, call one service, answer with the case."""

    input_serializer: type[serializers.Serializer] | None = None

    @abstractmethod
    def operate(self, *, actor, application: Application, data: dict) -> None:
        """Call the one service of this operation."""

    def post(self, request, application_id: int):
        application = self.get_case(request, application_id)
        data = validated(self.input_serializer, request.data) if self.input_serializer else {}
        self.operate(actor=request.user, application=application, data=data)
        return self.detail_response(request, application.pk)


# --------------------------------------------------------------------------- citizen operations

class CaseDraftCreateApi(_CasesApi):
    @extend_schema(
        request=DraftInputSerializer,
        responses={201: CaseDetailSerializer, **_REFUSALS},
        summary="网上申请：创建草稿（仅限可网上申请的事项，须以办事群众身份登录）",
        tags=TAGS,
    )
    def post(self, request):
        data = validated(DraftInputSerializer, request.data)
        draft = intake.application_create_draft(actor=request.user, **data)
        return self.detail_response(request, draft.pk, code=status.HTTP_201_CREATED)


class CaseFileUploadApi(_CasesApi):
    # JSON is parsed too, so that a client sending it gets the Chinese "choose a file" answer, not a 415.
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": UploadInputSerializer},
        responses={201: CaseFileSerializer, **_REFUSALS},
        summary="上传申请材料文件（草稿或待补正的申请；按内容核验类型）",
        tags=TAGS,
    )
    def post(self, request, application_id: int):
        application = self.get_case(request, application_id)
        data = validated(UploadInputSerializer, request.data)
        uploaded = intake.application_attach_file(
            application_id=application.pk, actor=request.user, material_id=data["material_id"],
            uploaded_file=data["file"],
        )
        return Response(CaseFileSerializer(uploaded).data, status=status.HTTP_201_CREATED)


@_operation("提交预审（草稿 → 待预审；行政许可法第32条五个工作日答复期限开始计算）")
class CaseSubmitApi(_CaseOperationApi):
    def operate(self, *, actor, application, data):
        transitions.application_submit(application_id=application.pk, actor=actor)


@_operation("按一次性告知补正后重新提交（每项告知材料须已重新上传）")
class CaseResubmitApi(_CaseOperationApi):
    def operate(self, *, actor, application, data):
        intake.application_resubmit(application_id=application.pk, actor=actor)


@_operation("申请人撤回（办结前均可）", WithdrawInputSerializer)
class CaseWithdrawApi(_CaseOperationApi):
    input_serializer = WithdrawInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_withdraw(application_id=application.pk, actor=actor, reason=data["reason"])


# --------------------------------------------------------------------------- staff operations

class CaseAcceptAtWindowApi(_CasesApi):
    @extend_schema(
        request=AcceptAtWindowInputSerializer,
        responses={201: CaseDetailSerializer, **_REFUSALS},
        summary="窗口受理（一窗受理；即办件当场办结）",
        tags=TAGS,
    )
    def post(self, request):
        data = validated(AcceptAtWindowInputSerializer, request.data)
        application = intake.application_accept_at_window(actor=request.user, **data)
        return self.detail_response(request, application.pk, code=status.HTTP_201_CREATED)


@_operation("预审通过，受理网上申请（逾期答复的依法自收到之日起视为受理）", AcceptOnlineInputSerializer)
class CaseAcceptOnlineApi(_CaseOperationApi):
    input_serializer = AcceptOnlineInputSerializer

    def operate(self, *, actor, application, data):
        intake.application_accept_online(application_id=application.pk, actor=actor, **data)


@_operation("出具一次性告知书（列明全部需补正的材料，补正期间停止计时）", CorrectionInputSerializer)
class CaseRequestCorrectionApi(_CaseOperationApi):
    input_serializer = CorrectionInputSerializer

    def operate(self, *, actor, application, data):
        items = [(item["material_id"], item["problem"]) for item in data["items"]]
        intake.application_request_correction(application_id=application.pk, actor=actor, items=items,
                                              note=data["note"])


@_operation("不予受理（理由告知申请人）", ReasonInputSerializer)
class CaseRejectApi(_CaseOperationApi):
    input_serializer = ReasonInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_reject_acceptance(application_id=application.pk, actor=actor, reason=data["reason"])


@_operation("进入审核环节（本部门）", CommentInputSerializer)
class CaseStartReviewApi(_CaseOperationApi):
    input_serializer = CommentInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_start_review(application_id=application.pk, actor=actor, comment=data["comment"])


@_operation("报送审批（本部门）", CommentInputSerializer)
class CaseSubmitForApprovalApi(_CaseOperationApi):
    input_serializer = CommentInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_submit_for_approval(application_id=application.pk, actor=actor,
                                                    comment=data["comment"])


@_operation("退回上一环节（须写明理由）", ReasonInputSerializer)
class CaseReturnApi(_CaseOperationApi):
    input_serializer = ReasonInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_return(application_id=application.pk, actor=actor, reason=data["reason"])


@_operation("办结：准予许可或不予许可", DecideInputSerializer)
class CaseDecideApi(_CaseOperationApi):
    input_serializer = DecideInputSerializer

    def operate(self, *, actor, application, data):
        cases.case_decide(application_id=application.pk, actor=actor, outcome=data["outcome"],
                          comment=data["comment"])


@_operation("进入特别程序，停止计时（行政许可法第45条）", SuspendInputSerializer)
class CaseSuspendApi(_CaseOperationApi):
    input_serializer = SuspendInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_suspend(application_id=application.pk, actor=actor, kind=data["procedure"],
                                        reason=data["reason"])


@_operation("特别程序结束，恢复计时", CommentInputSerializer)
class CaseResumeApi(_CaseOperationApi):
    input_serializer = CommentInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_resume(application_id=application.pk, actor=actor, comment=data["comment"])


@_operation("申请延长办理期限（一次，待部门负责人批准）", ExtensionInputSerializer)
class CaseRequestExtensionApi(_CaseOperationApi):
    input_serializer = ExtensionInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_request_extension(application_id=application.pk, actor=actor, days=int(data["days"]),
                                                  reason=data["reason"])


@_operation("部门负责人批准延期（理由告知申请人）")
class CaseApproveExtensionApi(_CaseOperationApi):
    def operate(self, *, actor, application, data):
        transitions.application_approve_extension(application_id=application.pk, actor=actor)


@_operation("容缺材料已补齐")
class CaseFulfilDeficiencyApi(_CaseOperationApi):
    def operate(self, *, actor, application, data):
        intake.deficiency_fulfil(application_id=application.pk, actor=actor)


@_operation("出件：窗口领取、邮寄送达或送证上门", DeliverInputSerializer)
class CaseDeliverApi(_CaseOperationApi):
    input_serializer = DeliverInputSerializer

    def operate(self, *, actor, application, data):
        transitions.application_deliver(application_id=application.pk, actor=actor, method=data["method"],
                                        mail_tracking_number=data["mail_tracking_number"])


OPERATIONS = {
    "submit": CaseSubmitApi,
    "resubmit": CaseResubmitApi,
    "withdraw": CaseWithdrawApi,
    "accept-online": CaseAcceptOnlineApi,
    "request-correction": CaseRequestCorrectionApi,
    "reject": CaseRejectApi,
    "start-review": CaseStartReviewApi,
    "submit-for-approval": CaseSubmitForApprovalApi,
    "return": CaseReturnApi,
    "decide": CaseDecideApi,
    "suspend": CaseSuspendApi,
    "resume": CaseResumeApi,
    "request-extension": CaseRequestExtensionApi,
    "approve-extension": CaseApproveExtensionApi,
    "fulfil-deficiency": CaseFulfilDeficiencyApi,
    "deliver": CaseDeliverApi,
}

urlpatterns = [
    path("api/cases/", CaseListApi.as_view(), name="api_cases"),
    path("api/cases/drafts/", CaseDraftCreateApi.as_view(), name="api_case_drafts"),
    path("api/cases/accept-at-window/", CaseAcceptAtWindowApi.as_view(), name="api_case_accept_at_window"),
    path("api/cases/<int:application_id>/", CaseDetailApi.as_view(), name="api_case"),
    path("api/cases/<int:application_id>/files/", CaseFileUploadApi.as_view(), name="api_case_files"),
    *(
        path(f"api/cases/<int:application_id>/{name}/", view.as_view(), name=f"api_case_{name.replace('-', '_')}")
        for name, view in OPERATIONS.items()
    ),
]
