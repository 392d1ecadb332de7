"""Window API for clerks (session authentication): read a window's state, and one POST per operation —
open, pause, resume, close, call next, call a specific ticket, recall, start, finish, no-show, transfer.

Each operation calls the same service as the workstation page (hall.services.tickets / windows), so the
display, the pad and the audit see every call whichever path it came by. Every answer is the window's state."""
from abc import ABCMeta, abstractmethod

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import validated_input
from common.errors import NotFound

from .. import workstation_selectors as selectors
from ..models import Ticket, Window
from ..services import tickets as ticket_services
from ..services import windows as window_services
from ..services.windows import PAUSE_REASONS

MAX_ID = 2**31 - 1
# Generous bounds: the services give the precise Chinese message; these only stop oversized input early.
MAX_TEXT = 1000
TAGS = ["queue"]


def _id_field(message, **kwargs):
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": message, "invalid": message, "min_value": message, "max_value": message,
            "max_string_length": message, "null": message,
        },
        **kwargs,
    )


def _text_field(label, message, **kwargs):
    return serializers.CharField(
        allow_blank=True,
        max_length=MAX_TEXT,
        default="",
        error_messages={"max_length": message, "invalid": message, "null": message},
        help_text=label,
        **kwargs,
    )


# --------------------------------------------------------------------------- output

class ClerkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    staff_number = serializers.CharField()

    class Meta:
        ref_name = "WorkstationClerk"


class TicketCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "WorkstationTicketCategory"


class CurrentTicketSerializer(serializers.Serializer):
    """The window's ticket. The holder's name appears only once the ticket is called, and masked (张*)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    category = TicketCategorySerializer()
    priority_class = serializers.ChoiceField(choices=Ticket.PriorityClass.choices)
    priority_class_display = serializers.CharField(source="get_priority_class_display")
    priority_group = serializers.CharField()
    priority_group_display = serializers.CharField(source="get_priority_group_display")
    source = serializers.ChoiceField(choices=Ticket.Source.choices)
    source_display = serializers.CharField(source="get_source_display")
    issued_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    recall_count = serializers.IntegerField()
    holder_name = serializers.SerializerMethodField()

    class Meta:
        ref_name = "WorkstationTicket"

    def get_holder_name(self, ticket) -> str:
        return selectors.holder_name_for_clerk(ticket)


class CategoryQueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    is_tidal_assignment = serializers.BooleanField()
    serve_first_after_minutes = serializers.IntegerField(allow_null=True)
    waiting = serializers.IntegerField()
    longest_wait_minutes = serializers.IntegerField()

    class Meta:
        ref_name = "WorkstationCategoryQueue"


class WindowStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="window.pk")
    number = serializers.CharField(source="window.number")
    name = serializers.CharField(source="window.name")
    status = serializers.ChoiceField(source="window.status", choices=Window.Status.choices)
    status_display = serializers.CharField(source="window.get_status_display")
    pause_reason = serializers.CharField(source="window.pause_reason")
    clerk = ClerkSerializer(source="window.clerk", allow_null=True)
    ticket = CurrentTicketSerializer(allow_null=True, help_text=gettext_lazy("当前叫号或办理中的号；没有则为 null"))
    categories = CategoryQueueSerializer(many=True)
    waiting_total = serializers.IntegerField()
    served_today = serializers.IntegerField()
    max_recalls = serializers.IntegerField()

    class Meta:
        ref_name = "WorkstationWindowState"


# --------------------------------------------------------------------------- permissions

class IsWindowStaff(permissions.BasePermission):
    """Reading a window: staff who may see its centre. Working it: window staff of its own centre."""

    message = gettext_lazy("只有本中心的窗口工作人员可以操作窗口。")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and not getattr(user, "is_device", False))

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return selectors.can_read_windows(request.user)
        return selectors.can_work_window(request.user, obj)


class _WindowApi(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsWindowStaff]

    def get_window(self, request, window_id: int) -> Window:
        window = selectors.window_for_actor(actor=request.user, window_id=window_id)
        if window is None:
            raise NotFound(_("该窗口不存在。"))
        self.check_object_permissions(request, window)
        return window

    def state_response(self, request, window_id: int) -> Response:
        window = selectors.window_for_actor(actor=request.user, window_id=window_id)
        return Response(WindowStateSerializer(selectors.window_state(window)).data)


_REFUSALS = {
    400: OpenApiResponse(description="输入不正确（detail 为中文说明）"),
    403: OpenApiResponse(description="无权操作该窗口或不是当班人员"),
    404: OpenApiResponse(description="窗口不存在"),
    409: OpenApiResponse(description="当前状态不允许此操作（detail 为中文说明）"),
}


class WindowStateApi(_WindowApi):
    @extend_schema(
        responses={200: WindowStateSerializer, 403: _REFUSALS[403], 404: _REFUSALS[404]},
        summary="窗口状态：状态、暂停原因、当班人员、当前号、叫号业务及等候人数",
        tags=TAGS,
    )
    def get(self, request, window_id: int):
        window = self.get_window(request, window_id)
        return Response(WindowStateSerializer(selectors.window_state(window)).data)


class _WindowOperationApi(_WindowApi, metaclass=ABCMeta):
    """POST: validate the body, call one service, answer with the window's state."""

    input_serializer: type[serializers.Serializer] | None = None

    @abstractmethod
    def operate(self, *, actor, window_id: int, data: dict) -> None:
        """Call the one service of this operation."""

    def post(self, request, window_id: int):
        window = self.get_window(request, window_id)
        data = validated_input(self.input_serializer, request.data) if self.input_serializer else {}
        self.operate(actor=request.user, window_id=window.pk, data=data)
        return self.state_response(request, window.pk)


def _operation(summary: str, input_serializer=None):
    """The schema of one window operation."""
    return extend_schema(
        request=input_serializer,
        responses={200: WindowStateSerializer, **_REFUSALS},
        summary=summary,
        tags=TAGS,
    )


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[(key, str(label)) for key, label in PAUSE_REASONS.items()],
        error_messages={
            "required": gettext_lazy("请选择暂停原因。"),
            "invalid_choice": gettext_lazy("请选择暂停原因。"),
            "null": gettext_lazy("请选择暂停原因。"),
        },
    )
    note = _text_field(gettext_lazy("说明（选“其他”时必填，不超过100字）"), gettext_lazy("暂停说明不能超过100个字。"))

    class Meta:
        ref_name = "WorkstationPauseInput"


class CallTicketInputSerializer(serializers.Serializer):
    ticket_id = _id_field(gettext_lazy("请指定要叫的号（ticket_id 为整数）。"))
    reason = _text_field(gettext_lazy("不按顺序叫号的原因（必填，记录备查）"), gettext_lazy("原因不能超过200个字。"))

    class Meta:
        ref_name = "WorkstationCallTicketInput"


class TransferInputSerializer(serializers.Serializer):
    category_id = _id_field(gettext_lazy("请指定要转去的业务类别（category_id 为整数）。"))
    reason = _text_field(gettext_lazy("转移原因（可不填）"), gettext_lazy("原因不能超过200个字。"))

    class Meta:
        ref_name = "WorkstationTransferInput"


@_operation("开窗（当前用户成为当班人员）")
class WindowOpenApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        window_services.window_open(window_id=window_id, actor=actor)


@_operation("暂停窗口（需选择原因）", PauseInputSerializer)
class WindowPauseApi(_WindowOperationApi):
    input_serializer = PauseInputSerializer

    def operate(self, *, actor, window_id, data):
        window_services.window_pause(window_id=window_id, actor=actor, reason=data["reason"], note=data["note"])


@_operation("恢复窗口")
class WindowResumeApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        window_services.window_resume(window_id=window_id, actor=actor)


@_operation("关窗")
class WindowCloseApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        window_services.window_close(window_id=window_id, actor=actor)


@_operation("叫号：叫下一位（无人等候时 ticket 为 null）")
class WindowCallNextApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_call_next(window_id=window_id, actor=actor)


@_operation("选号：不按顺序叫指定的号（必须填写原因）", CallTicketInputSerializer)
class WindowCallTicketApi(_WindowOperationApi):
    input_serializer = CallTicketInputSerializer

    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_call_specific(
            window_id=window_id, ticket_id=data["ticket_id"], actor=actor, reason=data["reason"]
        )


@_operation("重呼当前号")
class WindowRecallApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_recall(window_id=window_id, actor=actor)


@_operation("开始办理当前号")
class WindowStartApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_start(window_id=window_id, actor=actor)


@_operation("办结当前号")
class WindowFinishApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_finish(window_id=window_id, actor=actor)


@_operation("当前号过号")
class WindowNoShowApi(_WindowOperationApi):
    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_mark_no_show(window_id=window_id, actor=actor)


@_operation("转移当前号到其他业务类别（保留原取号时间）", TransferInputSerializer)
class WindowTransferApi(_WindowOperationApi):
    input_serializer = TransferInputSerializer

    def operate(self, *, actor, window_id, data):
        ticket_services.ticket_transfer(
            window_id=window_id, actor=actor, category_id=data["category_id"], reason=data["reason"]
        )


OPERATIONS = {
    "open": WindowOpenApi,
    "pause": WindowPauseApi,
    "resume": WindowResumeApi,
    "close": WindowCloseApi,
    "call-next": WindowCallNextApi,
    "call-ticket": WindowCallTicketApi,
    "recall": WindowRecallApi,
    "start": WindowStartApi,
    "finish": WindowFinishApi,
    "no-show": WindowNoShowApi,
    "transfer": WindowTransferApi,
}

urlpatterns = [
    path("queue/windows/<int:window_id>/", WindowStateApi.as_view(), name="api-queue-window"),
    *(
        path(f"queue/windows/<int:window_id>/{name}/", view.as_view(), name=f"api-queue-window-{name}")
        for name, view in OPERATIONS.items()
    ),
]
