"""Hall API: accounts (SMS code, registration, who am I) and devices (which device am I)."""
from django.conf import settings
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.masking import mask_id_number, mask_name, mask_phone

from ..models import PhoneVerification, User
from ..services import accounts as account_services
from ..services.accounts import SMS_RESEND_SECONDS

# Generous bounds: the services give the precise Chinese message; these only stop oversized input early.
_TEXT = {"trim_whitespace": True, "allow_blank": True}


class IsPerson(permissions.BasePermission):
    """A logged-in person, not a device key."""

    message = gettext_lazy("此接口仅供登录用户使用。")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and not getattr(user, "is_device", False))


class IsDevice(permissions.BasePermission):
    message = gettext_lazy("此接口仅供大厅设备使用。")

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_device", False))


class SmsCodeApi(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sms_code"

    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=20, **_TEXT)
        purpose = serializers.ChoiceField(
            choices=PhoneVerification.Purpose.choices, default=PhoneVerification.Purpose.REGISTER
        )

        class Meta:
            ref_name = "SmsCodeInput"

    class OutputSerializer(serializers.Serializer):
        detail = serializers.CharField()
        phone = serializers.CharField()
        expires_in = serializers.IntegerField()
        resend_after = serializers.IntegerField()

        class Meta:
            ref_name = "SmsCodeSent"

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, summary="获取注册短信验证码", tags=["accounts"]
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verification = account_services.sms_code_request(**serializer.validated_data)
        body = {
            "detail": _("验证码已发送，请注意查收短信。"),
            "phone": mask_phone(verification.phone),
            "expires_in": settings.SMS_CODE_TTL_SECONDS,
            "resend_after": SMS_RESEND_SECONDS,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class UserOutputSerializer(serializers.Serializer):
    """Personal data leaves the server masked (110101********1234, 138****5678, 张*)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    applicant_kind = serializers.CharField()
    real_name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    enterprise_name = serializers.CharField()
    credit_code = serializers.SerializerMethodField()
    centre = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    staff_number = serializers.CharField()

    def get_real_name(self, user) -> str:
        return mask_name(user.real_name)

    def get_phone(self, user) -> str:
        return mask_phone(user.phone)

    def get_id_number(self, user) -> str:
        return mask_id_number(user.id_number)

    def get_credit_code(self, user) -> str:
        return mask_id_number(user.credit_code)

    def get_centre(self, user) -> dict | None:
        return {"id": user.centre_id, "name": user.centre.name} if user.centre_id else None

    def get_department(self, user) -> dict | None:
        return {"id": user.department_id, "name": user.department.name} if user.department_id else None


class RegisterApi(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer):
        applicant_kind = serializers.ChoiceField(choices=User.ApplicantKind.choices)
        phone = serializers.CharField(max_length=20, **_TEXT)
        code = serializers.CharField(max_length=10, **_TEXT)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        real_name = serializers.CharField(max_length=50, required=False, **_TEXT)
        id_number = serializers.CharField(max_length=30, required=False, **_TEXT)
        enterprise_name = serializers.CharField(max_length=200, required=False, **_TEXT)
        credit_code = serializers.CharField(max_length=30, required=False, **_TEXT)
        contact_name = serializers.CharField(max_length=50, required=False, **_TEXT)

        class Meta:
            ref_name = "RegisterInput"

    @extend_schema(
        request=InputSerializer,
        responses={201: UserOutputSerializer},
        summary="个人或企业注册（需短信验证码）",
        tags=["accounts"],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        common = {"phone": data["phone"], "code": data["code"], "password": data["password"]}
        if data["applicant_kind"] == User.ApplicantKind.ENTERPRISE:
            user = account_services.enterprise_register(
                **common,
                enterprise_name=data.get("enterprise_name", ""),
                credit_code=data.get("credit_code", ""),
                contact_name=data.get("contact_name", ""),
            )
        else:
            user = account_services.citizen_register(
                **common, real_name=data.get("real_name", ""), id_number=data.get("id_number", "")
            )
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(responses={200: UserOutputSerializer}, summary="当前登录用户（脱敏）", tags=["accounts"])
    def get(self, request):
        user = User.objects.select_related("centre", "department").get(pk=request.user.pk)
        return Response(UserOutputSerializer(user).data)


class DeviceMeApi(APIView):
    permission_classes = [IsDevice]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.CharField()
        kind_display = serializers.CharField(source="get_kind_display")
        centre = serializers.SerializerMethodField()
        window = serializers.SerializerMethodField()

        class Meta:
            ref_name = "DeviceMe"

        def get_centre(self, device) -> dict:
            return {"id": device.centre_id, "name": device.centre.name}

        def get_window(self, device) -> dict | None:
            if device.window_id is None:
                return None
            return {"id": device.window_id, "number": device.window.number, "name": device.window.name}

    @extend_schema(responses={200: OutputSerializer}, summary="当前设备（设备密钥认证）", tags=["devices"])
    def get(self, request):
        return Response(self.OutputSerializer(request.user.device).data)


urlpatterns = [
    path("accounts/sms-code/", SmsCodeApi.as_view(), name="api-accounts-sms-code"),
    path("accounts/register/", RegisterApi.as_view(), name="api-accounts-register"),
    path("accounts/me/", MeApi.as_view(), name="api-accounts-me"),
    path("devices/me/", DeviceMeApi.as_view(), name="api-devices-me"),
]
