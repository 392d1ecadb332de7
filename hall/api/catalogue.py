"""Public, read-only catalogue API: centres, departments and published matters (清单之外无审批).

Anyone may read it; nothing internal (drafts, status, timestamps, history) leaves through it."""
from django import forms
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from hall import selectors
from hall.models import Centre, Department, Material, Matter, MatterStage, Window


class CentreSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Centre
        fields = ("id", "code", "name", "kind", "kind_display", "parent", "address", "service_phone", "opens_at",
                  "closes_at", "lunch_starts_at", "lunch_ends_at", "lunch_service", "weekend_service")


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "centre", "code", "name", "short_name")


class MaterialSerializer(serializers.ModelSerializer):
    form_display = serializers.CharField(source="get_form_display", read_only=True)

    class Meta:
        model = Material
        fields = ("position", "name", "form", "form_display", "copies", "required", "deficiency_allowed", "notes")


class MatterStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatterStage
        fields = ("position", "name", "share_percent")


class WindowSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Window
        fields = ("number", "name", "kind", "kind_display", "location")


class MatterListSerializer(serializers.ModelSerializer):
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_instant = serializers.BooleanField(read_only=True, help_text=_("即办件：承诺时限为 0，当场办结。"))

    class Meta:
        model = Matter
        fields = ("id", "code", "name", "centre", "centre_name", "department", "department_name", "kind",
                  "kind_display", "statutory_days", "promised_days", "is_instant", "fee", "online_apply",
                  "appointment", "mail_delivery")


class MatterDetailSerializer(MatterListSerializer):
    materials = MaterialSerializer(many=True, read_only=True)
    stages = MatterStageSerializer(many=True, read_only=True)
    windows = serializers.SerializerMethodField(help_text=_("办理窗口：本部门窗口及综合受理窗口。"))

    class Meta(MatterListSerializer.Meta):
        fields = (*MatterListSerializer.Meta.fields, "fee_basis", "conditions", "legal_basis", "materials",
                  "stages", "windows")

    @extend_schema_field(WindowSerializer(many=True))
    def get_windows(self, matter):
        return WindowSerializer(selectors.windows_serving_matter(matter), many=True).data


class IdFilter(filters.NumberFilter):
    """An integer id; 1.5 or "abc" is a 400, not a silently truncated match."""

    field_class = forms.IntegerField


class DepartmentFilter(filters.FilterSet):
    centre = IdFilter(field_name="centre_id", label=_("中心"))

    class Meta:
        model = Department
        fields = ("centre",)


class MatterFilter(filters.FilterSet):
    centre = IdFilter(field_name="centre_id", label=_("中心"))
    department = IdFilter(field_name="department_id", label=_("实施部门"))
    kind = filters.ChoiceFilter(choices=Matter.Kind.choices, label=_("事项类型"))
    q = filters.CharFilter(method="search", label=_("事项名称、编码或部门名称"))

    class Meta:
        model = Matter
        fields = ("centre", "department", "kind", "q")

    def search(self, queryset, name, value):
        return selectors.matter_text_search(queryset, value)


class PublicReadOnly(viewsets.ReadOnlyModelViewSet):
    # Public reads: no session (so no CSRF) and no device key; everyone is throttled as anonymous.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AnonRateThrottle,)


class CentreViewSet(PublicReadOnly):
    """服务中心：地址、咨询电话、办理时间。"""

    serializer_class = CentreSerializer
    queryset = Centre.objects.order_by("id")


class DepartmentViewSet(PublicReadOnly):
    """进驻部门（在驻的）。"""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    queryset = Department.objects.filter(is_active=True).order_by("centre_id", "code")


class MatterViewSet(PublicReadOnly):
    """已发布的事项清单；详情含申请材料、办理环节和办理窗口。"""

    filterset_class = MatterFilter

    def get_queryset(self):
        qs = selectors.published_matters().order_by("centre_id", "department__code", "code")
        if self.action == "retrieve":
            qs = qs.prefetch_related("materials", "stages")
        return qs

    def get_serializer_class(self):
        return MatterDetailSerializer if self.action == "retrieve" else MatterListSerializer


router = DefaultRouter()
router.register("catalogue/centres", CentreViewSet, basename="catalogue-centre")
router.register("catalogue/departments", DepartmentViewSet, basename="catalogue-department")
router.register("catalogue/matters", MatterViewSet, basename="catalogue-matter")

urlpatterns = [path("", include(router.urls))]
