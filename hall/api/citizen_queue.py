"""Citizen API of the queue: a centre's waiting figures and the slots of a matter (public), remote
tickets, bookings, and the citizen's own tickets and bookings (session, citizens only).

A citizen sees and cancels only their own records; someone else's ticket or booking is a 404, the
same as one that does not exist. Bad input is a 400 with a Chinese `detail` and nothing changed."""
from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from common.api import validated_input
from common.errors import NotFound, ValidationFailed
from common.masking import mask_phone

from .. import citizen_queue_selectors as selectors
from ..models import Centre
from ..services.appointments import appointment_book
from ..services.citizen_queue import citizen_appointment_cancel, citizen_ticket_cancel, remote_ticket_issue

MAX_ID = 2**31 - 1


def _id_field(label, **kwargs):
    missing = format_lazy(gettext_lazy("请提供{label}。"), label=label)
    invalid = format_lazy(gettext_lazy("{label}应为正整数编号。"), label=label)
    too_big = format_lazy(gettext_lazy("{label}编号过大。"), label=label)
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": missing,
            "null": missing,
            "invalid": invalid,
            "min_value": invalid,
            "max_value": too_big,
            "max_string_length": too_big,
        },
        **kwargs,
    )


class IsCitizen(permissions.BasePermission):
    message = gettext_lazy("此接口仅供已登录的办事群众使用。")

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or getattr(user, "is_device", False):
            return False
        return bool(getattr(user, "is_citizen", False))


class PublicApi(APIView):
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (AnonRateThrottle,)


class CitizenApi(APIView):
    authentication_classes = (SessionAuthentication,)
    permission_classes = (IsCitizen,)


# --- output ------------------------------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "CitizenQueueCategoryRef"


class CentreRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()

    class Meta:
        ref_name = "CitizenQueueCentreRef"


class WindowRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    location = serializers.CharField()

    class Meta:
        ref_name = "CitizenQueueWindowRef"


class MyTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="ticket.id")
    number = serializers.CharField(source="ticket.number")
    status = serializers.CharField(source="ticket.status")
    status_display = serializers.CharField(source="ticket.get_status_display")
    source = serializers.CharField(source="ticket.source")
    source_display = serializers.CharField(source="ticket.get_source_display")
    category = CategoryRefSerializer(source="ticket.category")
    centre = CentreRefSerializer(source="ticket.centre")
    window = WindowRefSerializer(source="ticket.window", allow_null=True, help_text=gettext_lazy("叫号后的办理窗口"))
    issued_at = serializers.DateTimeField(source="ticket.issued_at")
    called_at = serializers.DateTimeField(source="ticket.called_at", allow_null=True)
    people_ahead = serializers.IntegerField(
        source="estimate.people_ahead", allow_null=True, help_text=gettext_lazy("前方等候人数（等候中时）")
    )
    estimate_minutes = serializers.IntegerField(
        source="estimate.minutes", allow_null=True, help_text=gettext_lazy("预计等候分钟；无开放窗口时为空")
    )
    can_cancel = serializers.BooleanField()

    class Meta:
        ref_name = "CitizenTicket"


class CategoryOverviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    name = serializers.CharField()
    waiting = serializers.IntegerField(help_text=gettext_lazy("等候人数"))
    longest_wait_minutes = serializers.IntegerField(help_text=gettext_lazy("最长已等候分钟"))
    open_windows = serializers.IntegerField(help_text=gettext_lazy("正在开放、办理该类别的窗口数"))
    estimate_minutes = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("现在取号的预计等候分钟；无开放窗口时为空")
    )

    class Meta:
        ref_name = "CitizenQueueCategoryOverview"


class CentreQueueSerializer(serializers.Serializer):
    centre = CentreRefSerializer()
    is_open = serializers.BooleanField(help_text=gettext_lazy("此刻是否在办理时间内（可网上取号）"))
    closed_reason = serializers.CharField(allow_blank=True)
    categories = CategoryOverviewSerializer(many=True)

    class Meta:
        ref_name = "CitizenQueueCentre"


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    starts_at = serializers.TimeField(format="%H:%M")
    ends_at = serializers.TimeField(format="%H:%M")
    category = CategoryRefSerializer()
    capacity = serializers.IntegerField()
    remaining = serializers.IntegerField()
    is_full = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CitizenAppointmentSlot"

    def get_is_full(self, slot) -> bool:
        return slot.remaining <= 0


class MatterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "CitizenAppointmentMatterRef"


class MyAppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="appointment.id")
    code = serializers.CharField(source="appointment.code", help_text=gettext_lazy("8位预约码，签到时使用"))
    status = serializers.CharField(source="appointment.status")
    status_display = serializers.CharField(source="appointment.get_status_display")
    matter = MatterRefSerializer(source="appointment.matter")
    centre = CentreRefSerializer(source="appointment.centre")
    category = CategoryRefSerializer(source="appointment.slot.category")
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    phone = serializers.SerializerMethodField(help_text=gettext_lazy("脱敏手机号"))
    can_cancel = serializers.BooleanField()
    cancel_until = serializers.DateTimeField()
    check_in_from = serializers.DateTimeField(help_text=gettext_lazy("最早签到时间；最晚至结束时间"))

    class Meta:
        ref_name = "CitizenAppointment"

    def get_phone(self, mine) -> str:
        return mask_phone(mine.appointment.phone)


class MyAppointmentsSerializer(serializers.Serializer):
    upcoming = MyAppointmentSerializer(many=True)
    past = MyAppointmentSerializer(many=True)

    class Meta:
        ref_name = "CitizenAppointments"


# --- views ----------------------------------------------------------------------------------------------


class CentreCategoriesApi(PublicApi):
    @extend_schema(
        responses={200: CentreQueueSerializer}, summary="中心各业务类别的等候情况与预计等候", tags=["queue"]
    )
    def get(self, request, centre_id: int):
        centre = Centre.objects.filter(pk=centre_id).first() if centre_id <= MAX_ID else None
        if centre is None:
            raise NotFound(_("该服务中心不存在。"))
        open_status = selectors.centre_open_status(centre)
        body = {
            "centre": centre,
            "is_open": open_status.is_open,
            "closed_reason": open_status.reason,
            "categories": selectors.centre_queue_overview(centre.pk),
        }
        return Response(CentreQueueSerializer(body).data)


class RemoteTicketApi(CitizenApi):
    class InputSerializer(serializers.Serializer):
        category = _id_field(gettext_lazy("业务类别"))

        class Meta:
            ref_name = "CitizenRemoteTicketInput"

    @extend_schema(
        request=InputSerializer,
        responses={201: MyTicketSerializer},
        summary="网上取号（办理时间内，当天有效）",
        tags=["queue"],
    )
    def post(self, request):
        data = validated_input(self.InputSerializer, request.data)
        ticket = remote_ticket_issue(citizen=request.user, category_id=data["category"])
        return Response(
            MyTicketSerializer(selectors.citizen_ticket(request.user, ticket.pk)).data, status=status.HTTP_201_CREATED
        )


class MyTicketsApi(CitizenApi):
    @extend_schema(
        responses={200: MyTicketSerializer(many=True)}, summary="我今天的排队号（含前方人数）", tags=["queue"]
    )
    def get(self, request):
        return Response(MyTicketSerializer(selectors.citizen_tickets_today(request.user), many=True).data)


class MyTicketCancelApi(CitizenApi):
    @extend_schema(request=None, responses={200: MyTicketSerializer}, summary="取消我的等候中的号", tags=["queue"])
    def post(self, request, ticket_id: int):
        if ticket_id > MAX_ID:
            raise NotFound(_("该排队号不存在。"))
        ticket = citizen_ticket_cancel(citizen=request.user, ticket_id=ticket_id)
        return Response(MyTicketSerializer(selectors.citizen_ticket(request.user, ticket.pk)).data)


class SlotsApi(PublicApi):
    class QuerySerializer(serializers.Serializer):
        matter = _id_field(gettext_lazy("事项"), help_text=gettext_lazy("可预约事项的编号"))
        date = serializers.DateField(
            input_formats=["%Y-%m-%d"],
            error_messages={
                "invalid": gettext_lazy("日期格式应为 YYYY-MM-DD。"),
                "required": gettext_lazy("请提供日期 date（YYYY-MM-DD）。"),
                "null": gettext_lazy("请提供日期 date（YYYY-MM-DD）。"),
            },
            help_text=gettext_lazy("日期 YYYY-MM-DD，今天起可预约天数内"),
        )

        class Meta:
            ref_name = "CitizenSlotsQuery"

    @extend_schema(
        parameters=[QuerySerializer],
        responses={200: SlotSerializer(many=True)},
        summary="某事项某日的可预约时段（含剩余名额，已约满的也列出）",
        tags=["appointments"],
    )
    def get(self, request):
        data = validated_input(self.QuerySerializer, request.query_params)
        matter = selectors.bookable_matter(data["matter"])
        if matter is None:
            raise NotFound(_("该事项不存在或不提供预约。"))
        policy = selectors.policy_for_centre(matter.centre_id)
        first, last = selectors.booking_window(policy, today=timezone.localdate())
        if not first <= data["date"] <= last:
            raise ValidationFailed(
                _("只能查询%(first)s至%(last)s的预约时段。")
                % {"first": first.isoformat(), "last": last.isoformat()},
                field="date",
            )
        slots = selectors.booking_slots(matter, data["date"], policy=policy)
        return Response(SlotSerializer(slots, many=True).data)


class AppointmentBookApi(CitizenApi):
    class InputSerializer(serializers.Serializer):
        slot = _id_field(gettext_lazy("预约时段"))
        matter = _id_field(gettext_lazy("事项"))
        phone = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=20,
            error_messages={
                "max_length": gettext_lazy("请输入正确的11位手机号。"),
                "invalid": gettext_lazy("请输入正确的11位手机号。"),
            },
            help_text=gettext_lazy("不填则使用账号绑定的手机号"),
        )

        class Meta:
            ref_name = "CitizenAppointmentInput"

    @extend_schema(
        request=InputSerializer,
        responses={201: MyAppointmentSerializer},
        summary="预约办理（名额有限，先约先得）",
        tags=["appointments"],
    )
    def post(self, request):
        data = validated_input(self.InputSerializer, request.data)
        appointment = appointment_book(
            citizen=request.user, slot_id=data["slot"], matter_id=data["matter"], phone=data.get("phone", "")
        )
        return Response(
            MyAppointmentSerializer(selectors.citizen_appointment(request.user, appointment.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MyAppointmentsApi(CitizenApi):
    @extend_schema(responses={200: MyAppointmentsSerializer}, summary="我的预约（待办理与以往）", tags=["appointments"])
    def get(self, request):
        return Response(MyAppointmentsSerializer(selectors.citizen_appointments(request.user)).data)


class MyAppointmentCancelApi(CitizenApi):
    @extend_schema(
        request=None, responses={200: MyAppointmentSerializer}, summary="取消我的预约（开始前规定时间内不能取消）",
        tags=["appointments"],
    )
    def post(self, request, appointment_id: int):
        if appointment_id > MAX_ID:
            raise NotFound(_("预约不存在。"))
        appointment = citizen_appointment_cancel(citizen=request.user, appointment_id=appointment_id)
        return Response(MyAppointmentSerializer(selectors.citizen_appointment(request.user, appointment.pk)).data)


urlpatterns = [
    path("queue/centres/<int:centre_id>/categories/", CentreCategoriesApi.as_view(), name="api_queue_categories"),
    path("queue/remote-tickets/", RemoteTicketApi.as_view(), name="api_queue_remote_tickets"),
    path("queue/my/tickets/", MyTicketsApi.as_view(), name="api_queue_my_tickets"),
    path("queue/my/tickets/<int:ticket_id>/cancel/", MyTicketCancelApi.as_view(), name="api_queue_my_ticket_cancel"),
    path("appointments/slots/", SlotsApi.as_view(), name="api_appointment_slots"),
    path("appointments/", AppointmentBookApi.as_view(), name="api_appointments"),
    path("appointments/mine/", MyAppointmentsApi.as_view(), name="api_appointments_mine"),
    path(
        "appointments/<int:appointment_id>/cancel/", MyAppointmentCancelApi.as_view(), name="api_appointment_cancel"
    ),
]
