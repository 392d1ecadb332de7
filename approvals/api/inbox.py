"""The department inbox API (部门待办, session authentication): the same rows as the inbox page — the open cases
of the actor's department (managers and supervisors: their centre's, optionally one department's), overdue
first, each with its warning colour and its words, the masked applicant, the stage, the remaining working days,
the due date and the chain it belongs to. Bad filters are a Chinese 400."""

from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import PermissionDeniedError, ValidationFailed

from .. import inbox_selectors
from ..selectors import WARNING_COLOURS
from .chain_inputs import InboxQuerySerializer, validated

TAGS = ["inbox"]
PAGE_SIZE = 50



class InboxChainSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="chain_id")
    tracking_code = serializers.CharField()
    name = serializers.CharField(source="template_name")
    step_key = serializers.CharField()
    status = serializers.CharField(source="chain_status")
    status_display = serializers.CharField(source="chain_status_label")

    class Meta:
        ref_name = "InboxChain"


class InboxRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="application.pk")
    tracking_code = serializers.CharField(source="application.tracking_code")
    matter_id = serializers.IntegerField(source="application.matter_id")
    matter_name = serializers.CharField(source="application.matter.name")
    department_name = serializers.CharField(source="application.department.name")
    applicant_masked = serializers.CharField(source="applicant", help_text=gettext_lazy("已脱敏的申请人名称"))
    status = serializers.CharField(source="application.status")
    status_display = serializers.CharField(source="application.get_status_display")
    stage_name = serializers.CharField(source="entry.stage_name")
    colour = serializers.CharField(
        source="entry.colour", help_text=gettext_lazy("green 正常 / yellow 黄牌 / red 红牌 / purple 紫牌（环节超时）")
    )
    colour_label = serializers.CharField(source="entry.colour_label", help_text=gettext_lazy("预警颜色的文字说明"))
    remaining_working_days = serializers.IntegerField(
        source="entry.remaining_days", help_text=gettext_lazy("距承诺办结日期的剩余工作日（负数为已超期）")
    )
    overdue = serializers.BooleanField(source="entry.overdue")
    clock_stopped = serializers.BooleanField(source="entry.clock_stopped")
    promised_due = serializers.DateField(source="application.promised_due")
    handler_name = serializers.SerializerMethodField()
    chain = serializers.SerializerMethodField(help_text=gettext_lazy("所属并联审批件（不属于并联审批为 null）"))
    url = serializers.SerializerMethodField(help_text=gettext_lazy("办件页面地址"))

    class Meta:
        ref_name = "InboxRow"

    def get_handler_name(self, row) -> str:
        handler = row.application.handler
        return handler.display_name if handler is not None else ""

    @extend_schema_field(InboxChainSerializer(allow_null=True))
    def get_chain(self, row):
        return InboxChainSerializer(row.chain).data if row.chain else None

    def get_url(self, row) -> str:
        try:
            return reverse("case_detail", args=[row.application.pk])
        except NoReverseMatch:  # the case pages are another module's: fall back to their documented path
            return f"/cases/{row.application.pk}/"


class InboxColourCountSerializer(serializers.Serializer):
    colour = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()

    class Meta:
        ref_name = "InboxColourCount"


class InboxPageSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text=gettext_lazy("department 本部门 / centre 本中心（管理人员、电子监察）"))
    department_id = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    page = serializers.SerializerMethodField()
    pages = serializers.SerializerMethodField()
    colour_counts = serializers.SerializerMethodField()
    stages = serializers.ListField(child=serializers.CharField())
    results = InboxRowSerializer(many=True, source="rows")

    class Meta:
        ref_name = "InboxPage"

    @extend_schema_field(OpenApiTypes.INT)
    def get_department_id(self, inbox):
        return inbox.department.pk if inbox.department else None

    def get_page(self, inbox) -> int:
        return inbox.page.number

    def get_pages(self, inbox) -> int:
        return inbox.page.paginator.num_pages

    @extend_schema_field(InboxColourCountSerializer(many=True))
    def get_colour_counts(self, inbox):
        rows = [{"colour": c, "label": label, "count": n} for c, label, n in inbox.colour_choices]
        return InboxColourCountSerializer(rows, many=True).data


class CaseInboxApi(APIView):
    authentication_classes = [SessionAuthentication]

    @extend_schema(
        parameters=[
            OpenApiParameter("colour", str, enum=list(WARNING_COLOURS), description="按预警颜色筛选"),
            OpenApiParameter("stage", str, description="按环节名称筛选"),
            OpenApiParameter("department", int, description="部门（仅管理人员、电子监察）"),
            OpenApiParameter("page", int, description="页码，从 1 开始"),
        ],
        responses={
            200: InboxPageSerializer,
            400: OpenApiResponse(description="筛选条件不正确（detail 为中文说明）"),
            403: OpenApiResponse(description="没有部门待办（仅限部门工作人员、管理人员和电子监察）"),
        },
        operation_id="cases_inbox",
        summary="部门待办：本部门在办办件，超期的在前，按承诺办结日期排列",
        tags=TAGS,
    )
    def get(self, request):
        query = validated(InboxQuerySerializer, request.query_params.dict())
        if query.get("department") and not inbox_selectors.has_centre_inbox(request.user):
            query.pop("department")  # a department's own inbox has nothing to choose
        inbox = inbox_selectors.inbox_for_actor(
            actor=request.user,
            department_id=query.get("department"),
            colour=query.get("colour", ""),
            stage=query.get("stage", ""),
            page=query["page"],
            page_size=PAGE_SIZE,
        )
        if inbox is None:
            raise PermissionDeniedError(_("只有部门工作人员、管理人员和电子监察有部门待办。"))
        if inbox.ignored_filters:
            raise ValidationFailed(_("部门不属于本中心。"), field="department")
        return Response(InboxPageSerializer(inbox).data)


urlpatterns = [
    path("api/cases/inbox/", CaseInboxApi.as_view(), name="api_case_inbox"),
]
