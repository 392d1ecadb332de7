"""Public working-day API: due dates and working-day counts, and a year's published status and days."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from common.api import first_error_message
from common.errors import ValidationFailed

from .. import calendar_selectors, workdays

MAX_DAYS = 3650
_DATE_ERRORS = {"invalid": _("日期格式应为 YYYY-MM-DD。"), "required": _("请提供开始日期 start。")}


class WorkingDaysQuerySerializer(serializers.Serializer):
    start = serializers.DateField(error_messages=_DATE_ERRORS, help_text=_("开始日期 YYYY-MM-DD"))
    days = serializers.IntegerField(
        required=False,
        min_value=-MAX_DAYS,
        max_value=MAX_DAYS,
        error_messages={
            "invalid": _("days 应为整数。"),
            "min_value": _("days 不能小于 -3650。"),
            "max_value": _("days 不能大于 3650。"),
            "max_string_length": _("days 应为整数。"),
        },
        help_text=_("工作日数（可为负数，表示向前推算）"),
    )
    end = serializers.DateField(
        required=False, error_messages={"invalid": _("日期格式应为 YYYY-MM-DD。")}, help_text=_("结束日期 YYYY-MM-DD")
    )

    def validate(self, attrs):
        if ("days" in attrs) == ("end" in attrs):
            raise serializers.ValidationError(_("请提供 days（推算到期日）或 end（统计工作日数）之一。"))
        for field in ("start", "end"):
            if field in attrs and not workdays.FIRST_YEAR <= attrs[field].year <= workdays.LAST_YEAR:
                raise serializers.ValidationError({field: _("日期须在 1900–2099 年之间。")})
        return attrs


class DueDateSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    due_date = serializers.DateField(help_text=_("第 days 个工作日"))
    provisional = serializers.BooleanField(help_text=_("涉及尚未发布放假安排的年份，结果为临时推算"))


class WorkingDayCountSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    working_days = serializers.IntegerField(help_text=_("(start, end] 内的工作日数；end 早于 start 时为负数"))
    provisional = serializers.BooleanField()


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_working = serializers.BooleanField()
    name = serializers.CharField()


class CalendarYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    provisional = serializers.BooleanField()
    source = serializers.CharField(allow_blank=True)
    notice = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    days = CalendarDaySerializer(many=True, help_text=_("节假日与调休上班日；临时日历为推算的法定节假日"))


def _raise_invalid(serializer) -> None:
    if not serializer.is_valid():
        field, message = first_error_message(serializer.errors)
        raise ValidationFailed(message, field=field)


class WorkingDaysView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        summary=_("工作日推算"),
        description=_("start + days：第 days 个工作日（到期日）；start + end：两日之间的工作日数。"),
        parameters=[WorkingDaysQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="WorkingDaysResult",
                serializers=[DueDateSerializer, WorkingDayCountSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def get(self, request):
        query = WorkingDaysQuerySerializer(data=request.query_params)
        _raise_invalid(query)
        start = query.validated_data["start"]
        if "days" in query.validated_data:
            days = query.validated_data["days"]
            due = workdays.add_working_days(start, days)
            provisional = workdays.any_provisional(start, due)
            return Response(
                DueDateSerializer({"start": start, "days": days, "due_date": due, "provisional": provisional}).data
            )
        end = query.validated_data["end"]
        count = workdays.working_days_between(start, end)
        body = {"start": start, "end": end, "working_days": count, "provisional": workdays.any_provisional(start, end)}
        return Response(WorkingDayCountSerializer(body).data)


class CalendarYearView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        summary=_("年度工作日历"),
        parameters=[OpenApiParameter("year", int, OpenApiParameter.PATH, description=_("年份（1900–2099）"))],
        responses={200: CalendarYearSerializer},
    )
    def get(self, request, year: int):
        if not workdays.FIRST_YEAR <= year <= workdays.LAST_YEAR:
            raise ValidationFailed(_("年份须在 1900–2099 之间。"), field="year")
        status = calendar_selectors.calendar_year_status(year)
        holidays, working = calendar_selectors.calendar_year_days(year)
        record = status.record
        body = {
            "year": year,
            "provisional": status.provisional,
            "source": record.source if record else "",
            "notice": record.notice if record else "",
            "updated_at": record.imported_at if record else None,
            "days": sorted(
                ({"date": d.date, "is_working": d.is_working, "name": d.name} for d in [*holidays, *working]),
                key=lambda d: d["date"],
            ),
        }
        return Response(CalendarYearSerializer(body).data)


urlpatterns = [
    path("calendar/working-days/", WorkingDaysView.as_view(), name="api_calendar_working_days"),
    path("calendar/years/<int:year>/", CalendarYearView.as_view(), name="api_calendar_year"),
]
