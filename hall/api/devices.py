"""Device API: the kiosk (categories, issue a ticket, appointment check-in), the call display's state
and the window pad's state. Authenticated by device key only (`Authorization: Device <key>`); each
endpoint serves one device kind, and everything is read or written for the device's own centre."""
import mimetypes

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import validated_input

from .. import device_selectors
from ..api_auth import DeviceKeyAuthentication
from ..models import Device, Ticket
from ..services.appointments import appointment_check_in
from ..services.tickets import ticket_issue

MAX_ID = 2**31 - 1
KIOSK_PRIORITY_CLASSES = [
    (Ticket.PriorityClass.NORMAL, Ticket.PriorityClass.NORMAL.label),
    (Ticket.PriorityClass.PRIORITY_GROUP, Ticket.PriorityClass.PRIORITY_GROUP.label),
]
KIND_MESSAGES = {
    Device.Kind.KIOSK: gettext_lazy("此接口仅供取号机使用。"),
    Device.Kind.DISPLAY: gettext_lazy("此接口仅供叫号大屏使用。"),
    Device.Kind.WINDOW_PAD: gettext_lazy("此接口仅供窗口评价器使用。"),
}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


class IsDeviceOfKind(permissions.BasePermission):
    """A device key of the kind the view serves (view.device_kind)."""

    def has_permission(self, request, view):
        self.message = KIND_MESSAGES[view.device_kind]
        device = getattr(request.user, "device", None)
        return bool(getattr(request.user, "is_device", False) and device and device.kind == view.device_kind)


class DeviceApi(APIView):
    authentication_classes = [DeviceKeyAuthentication]
    permission_classes = [IsDeviceOfKind]
    device_kind: str = ""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # DRF copies the authenticated DeviceUser onto the Django request, where django-simple-history's
        # middleware would take it as the history user of every change and fail: a device is not a User.
        # The services record the device itself (TicketEvent.device).
        request._request.user = AnonymousUser()

    @property
    def device(self) -> Device:
        return self.request.user.device


# --- output serializers ------------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "DeviceCategoryRef"


class KioskCategorySerializer(CategoryRefSerializer):
    waiting = serializers.IntegerField(help_text=gettext_lazy("今日等候人数"))

    class Meta:
        ref_name = "DeviceKioskCategory"


class TicketReceiptSerializer(serializers.Serializer):
    """A printed ticket: nothing personal, only the number and the queue."""

    number = serializers.CharField(source="ticket.number")
    category = CategoryRefSerializer(source="ticket.category")
    centre_name = serializers.CharField(source="ticket.centre.name")
    priority_class = serializers.CharField(source="ticket.priority_class")
    priority_class_display = serializers.CharField(source="ticket.get_priority_class_display")
    priority_group = serializers.CharField(source="ticket.priority_group")
    priority_group_display = serializers.CharField(source="ticket.get_priority_group_display")
    status = serializers.CharField(source="ticket.status")
    issued_at = serializers.DateTimeField(source="ticket.issued_at")
    people_ahead = serializers.IntegerField(source="estimate.people_ahead")
    open_windows = serializers.IntegerField(source="estimate.open_windows")
    estimated_minutes = serializers.IntegerField(
        source="estimate.minutes", allow_null=True, help_text=gettext_lazy("无开放窗口时为 null")
    )
    estimate_text = serializers.SerializerMethodField()
    live_url = serializers.SerializerMethodField(help_text=gettext_lazy("号票实时页面（二维码内容）"))

    class Meta:
        ref_name = "DeviceTicketReceipt"

    def get_estimate_text(self, receipt) -> str:
        return device_selectors.estimate_text(receipt.estimate)

    def get_live_url(self, receipt) -> str:
        return self.context["request"].build_absolute_uri(reverse("ticket_live", args=[receipt.ticket.token]))


class DisplayCallSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(help_text=gettext_lazy("叫号事件编号，递增；新编号即需播报"))
    kind = serializers.CharField(help_text=gettext_lazy("called 叫号 / recalled 重呼 / picked 选号"))
    is_recall = serializers.BooleanField()
    ticket_number = serializers.CharField()
    window_number = serializers.CharField()
    text = serializers.CharField(help_text=gettext_lazy("屏幕显示的文字"))
    spoken = serializers.CharField(help_text=gettext_lazy("语音播报的文字"))
    called_at = serializers.DateTimeField()

    class Meta:
        ref_name = "DeviceDisplayCall"


class WaitingCountSerializer(serializers.Serializer):
    prefix = serializers.CharField()
    name = serializers.CharField()
    waiting = serializers.IntegerField()

    class Meta:
        ref_name = "DeviceWaitingCount"


class DisplayStateSerializer(serializers.Serializer):
    calls = DisplayCallSerializer(many=True, help_text=gettext_lazy("最近叫号，最新在前，每个号一行"))
    waiting = WaitingCountSerializer(many=True)
    now = serializers.DateTimeField(help_text=gettext_lazy("服务器时间，用于大屏时钟"))

    class Meta:
        ref_name = "DeviceDisplayState"


class PadWindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    pause_reason = serializers.CharField()

    class Meta:
        ref_name = "DevicePadWindow"


class PadClerkSerializer(serializers.Serializer):
    """What a window shows of its clerk anyway (亮牌服务): name, staff number, photo."""

    name = serializers.CharField(source="real_name")
    staff_number = serializers.CharField()
    photo_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "DevicePadClerk"

    def get_photo_url(self, clerk) -> str | None:
        version = self.context.get("photo_version")
        if not version:
            return None
        url = reverse("api-devices-pad-photo")
        return self.context["request"].build_absolute_uri(f"{url}?v={version}")


class PadTicketSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        ref_name = "DevicePadTicket"


class PadStateSerializer(serializers.Serializer):
    window = PadWindowSerializer()
    clerk = serializers.SerializerMethodField()
    current_ticket = PadTicketSerializer(allow_null=True)
    last_finished_ticket_id = serializers.SerializerMethodField(
        help_text=gettext_lazy("刚办结、待评价的号（此后尚未叫下一个号）；没有则为 null")
    )
    signature = serializers.CharField(help_text=gettext_lazy("界面内容的指纹，内容不变则不变"))

    class Meta:
        ref_name = "DevicePadState"

    @extend_schema_field(PadClerkSerializer(allow_null=True))
    def get_clerk(self, state) -> dict | None:
        if state.clerk is None:
            return None
        context = {**self.context, "photo_version": state.photo_version}
        return PadClerkSerializer(state.clerk, context=context).data

    def get_last_finished_ticket_id(self, state) -> int | None:
        return state.after_service_ticket.pk if state.after_service_ticket else None


# --- input serializers -------------------------------------------------------------------------


class KioskTicketInputSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": gettext_lazy("请选择业务类别。"),
            "null": gettext_lazy("请选择业务类别。"),
            "invalid": gettext_lazy("业务类别不正确。"),
            "min_value": gettext_lazy("业务类别不正确。"),
            "max_value": gettext_lazy("业务类别不正确。"),
            "max_string_length": gettext_lazy("业务类别不正确。"),
        },
    )
    priority_class = serializers.ChoiceField(
        choices=KIOSK_PRIORITY_CLASSES,
        default=Ticket.PriorityClass.NORMAL,
        error_messages={"invalid_choice": gettext_lazy("取号机只能取普通号或绿色通道号。")},
    )
    priority_group = serializers.ChoiceField(
        choices=Ticket.PriorityGroup.choices,
        default="",
        allow_blank=True,
        error_messages={"invalid_choice": gettext_lazy("绿色通道类别不正确（老年人、残疾人、孕妇、军人）。")},
    )

    class Meta:
        ref_name = "DeviceKioskTicketInput"


class KioskCheckInInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text=gettext_lazy("8位预约码"),
        error_messages={"max_length": gettext_lazy("预约码为8位数字。"), "invalid": gettext_lazy("预约码为8位数字。")},
    )
    phone = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text=gettext_lazy("预约时填写的手机号"),
        error_messages={
            "max_length": gettext_lazy("手机号格式不正确。"),
            "invalid": gettext_lazy("手机号格式不正确。"),
        },
    )

    class Meta:
        ref_name = "DeviceKioskCheckInInput"


# --- views -------------------------------------------------------------------------------------


class KioskCategoriesApi(DeviceApi):
    device_kind = Device.Kind.KIOSK

    @extend_schema(
        responses={200: KioskCategorySerializer(many=True)}, summary="取号机：本中心可取号的业务类别", tags=["devices"]
    )
    def get(self, request):
        rows = device_selectors.kiosk_categories(centre_id=self.device.centre_id)
        return Response(KioskCategorySerializer(rows, many=True).data)


class KioskTicketApi(DeviceApi):
    device_kind = Device.Kind.KIOSK

    @extend_schema(
        request=KioskTicketInputSerializer,
        responses={201: TicketReceiptSerializer},
        summary="取号机：取号（普通号或绿色通道）",
        tags=["devices"],
    )
    def post(self, request):
        data = validated_input(KioskTicketInputSerializer, request.data)
        ticket = ticket_issue(
            category_id=data["category"],
            source=Ticket.Source.KIOSK,
            device=self.device,
            priority_class=data["priority_class"],
            priority_group=data["priority_group"],
        )
        receipt = device_selectors.ticket_receipt(ticket)
        body = TicketReceiptSerializer(receipt, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class KioskCheckInApi(DeviceApi):
    device_kind = Device.Kind.KIOSK

    @extend_schema(
        request=KioskCheckInInputSerializer,
        responses={201: TicketReceiptSerializer},
        summary="取号机：预约签到（预约码或手机号），取得预约号",
        tags=["devices"],
    )
    def post(self, request):
        data = validated_input(KioskCheckInInputSerializer, request.data)
        ticket = appointment_check_in(
            device=self.device, centre_id=self.device.centre_id, code=data["code"], phone=data["phone"]
        )
        receipt = device_selectors.ticket_receipt(ticket)
        body = TicketReceiptSerializer(receipt, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DisplayStateApi(DeviceApi):
    device_kind = Device.Kind.DISPLAY

    @extend_schema(responses={200: DisplayStateSerializer}, summary="叫号大屏：最近叫号与等候人数", tags=["devices"])
    def get(self, request):
        state = device_selectors.display_state(centre_id=self.device.centre_id)
        return Response(DisplayStateSerializer(state).data)


class PadStateApi(DeviceApi):
    device_kind = Device.Kind.WINDOW_PAD

    @extend_schema(
        responses={200: PadStateSerializer}, summary="窗口评价器：窗口、当班人员、当前号与待评价的号", tags=["devices"]
    )
    def get(self, request):
        state = device_selectors.pad_state(device=self.device)
        return Response(PadStateSerializer(state, context={"request": request}).data)


def clerk_photo_response(photo) -> FileResponse:
    """The photo file, or 404 when there is none, it is gone from disk, or it is not an image."""
    if photo is None:
        raise Http404(_("当班人员没有照片。"))
    content_type, _encoding = mimetypes.guess_type(photo.name)
    if content_type not in PHOTO_TYPES:
        raise Http404(_("当班人员没有照片。"))
    try:
        handle = photo.open("rb")
    except OSError:
        raise Http404(_("当班人员没有照片。")) from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


class PadClerkPhotoApi(DeviceApi):
    device_kind = Device.Kind.WINDOW_PAD

    @extend_schema(
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description=gettext_lazy("当班人员照片")),
            404: OpenApiResponse(description=gettext_lazy("当班人员没有照片")),
        },
        summary="窗口评价器：当班人员照片",
        tags=["devices"],
    )
    def get(self, request):
        return clerk_photo_response(device_selectors.pad_clerk_photo(device=self.device))


urlpatterns = [
    path("devices/kiosk/categories/", KioskCategoriesApi.as_view(), name="api-devices-kiosk-categories"),
    path("devices/kiosk/tickets/", KioskTicketApi.as_view(), name="api-devices-kiosk-tickets"),
    path("devices/kiosk/check-in/", KioskCheckInApi.as_view(), name="api-devices-kiosk-check-in"),
    path("devices/display/state/", DisplayStateApi.as_view(), name="api-devices-display-state"),
    path("devices/pad/state/", PadStateApi.as_view(), name="api-devices-pad-state"),
    path("devices/pad/clerk-photo/", PadClerkPhotoApi.as_view(), name="api-devices-pad-photo"),
]
