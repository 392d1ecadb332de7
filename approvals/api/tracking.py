"""Public tracking API (一码通): GET /api/tracking/<code>/ — the same answer as the page, as JSON.
No authentication; rate limited per client address together with the page; unknown codes all get one 404."""
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound

from .. import selectors
from ..throttles import TrackingLookupThrottle


class TrackedEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    department = serializers.CharField()
    note = serializers.CharField(help_text=_l("公开说明（不含内部意见）"))


class TrackedStepSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    matter_name = serializers.CharField()
    department_name = serializers.CharField()
    applicant = serializers.CharField(help_text=_l("已脱敏的申请人名称"))
    status = serializers.CharField()
    status_label = serializers.CharField()
    stage_label = serializers.CharField(help_text=_l("当前环节"))
    accepted_on = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text=_l("承诺办结日期"))
    remaining_days = serializers.IntegerField(allow_null=True, help_text=_l("剩余工作日（负数为已超期）"))
    answer_due = serializers.DateField(allow_null=True, help_text=_l("网上申请预审答复期限"))
    outcome_label = serializers.CharField()
    completed_on = serializers.DateField(allow_null=True)
    early_days = serializers.IntegerField(allow_null=True, help_text=_l("提前办结的工作日数"))
    delivery_label = serializers.CharField()
    events = TrackedEventSerializer(many=True)


class TrackedCaseSerializer(TrackedStepSerializer):
    kind = serializers.SerializerMethodField()

    def get_kind(self, obj) -> str:
        return "case"


class TrackedChainSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    tracking_code = serializers.CharField()
    name = serializers.CharField()
    applicant = serializers.CharField(help_text=_l("已脱敏的申请人名称"))
    lead_department = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    accepted_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    steps = TrackedStepSerializer(many=True)

    def get_kind(self, obj) -> str:
        return "chain"


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TrackingDetailApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TrackingLookupThrottle,)

    @extend_schema(
        operation_id="tracking_retrieve",
        summary="一码通：按查询码查询办件进度",
        responses={
            200: PolymorphicProxySerializer(
                component_name="Tracking",
                serializers={"case": TrackedCaseSerializer, "chain": TrackedChainSerializer},
                resource_type_field_name="kind",
            ),
            404: DetailSerializer,
            429: DetailSerializer,
        },
    )
    def get(self, request, code: str):
        found = selectors.tracking_lookup(code=code)
        if found is None:
            raise NotFound(_("未找到该查询码对应的办件，请核对后重新输入。"))
        serializer = TrackedChainSerializer if isinstance(found, selectors.TrackedChain) else TrackedCaseSerializer
        return Response(serializer(found).data, headers={"Cache-Control": "no-store"})

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=_("查询过于频繁，请稍后再试。"))


urlpatterns = [path("api/tracking/<str:code>/", TrackingDetailApi.as_view(), name="api_tracking")]
