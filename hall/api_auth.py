"""API-key authentication for hall devices (kiosk, display, window pad).

Header: `Authorization: Device <key>`. The key is `<prefix>.<secret>`; only its SHA-256 is stored.
request.user becomes a DeviceUser bound to the device's centre (and window, for a pad)."""
import datetime as dt
import hashlib
import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import Device

KEYWORD = "Device"
MAX_KEY_LENGTH = 200
# last_seen_at is written at most this often, not on every request of a busy display.
SEEN_RESOLUTION = dt.timedelta(seconds=60)


def hash_device_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DeviceUser:
    """What a device is, as far as permissions go: authenticated, not staff, bound to one centre."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_hall_staff = False
    is_citizen = False
    is_device = True
    role = "device"

    def __init__(self, device: Device):
        self.device = device
        self.centre_id = device.centre_id
        self.window_id = device.window_id
        self.pk = None
        self.id = None

    def __str__(self) -> str:
        return str(self.device)

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False


class DeviceKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("设备密钥格式不正确。"))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("设备密钥格式不正确。")) from None
        prefix, _sep, secret = key.partition(".")
        if not prefix or not secret or len(key) > MAX_KEY_LENGTH or len(prefix) > 12:
            raise exceptions.AuthenticationFailed(_("设备密钥格式不正确。"))
        device = Device.objects.select_related("centre", "window").filter(key_prefix=prefix).first()
        if device is None or not hmac.compare_digest(device.key_hash, hash_device_secret(secret)):
            raise exceptions.AuthenticationFailed(_("设备密钥无效。"))
        if not device.is_active:
            raise exceptions.AuthenticationFailed(_("该设备已停用。"))
        now = timezone.now()
        if device.last_seen_at is None or now - device.last_seen_at >= SEEN_RESOLUTION:
            # A plain UPDATE: last_seen_at is not in the device's history (excluded_fields).
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
            device.last_seen_at = now
        return DeviceUser(device), device

    def authenticate_header(self, request):
        return KEYWORD


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    """Describes DeviceKeyAuthentication in the OpenAPI schema."""

    target_class = DeviceKeyAuthentication
    name = "deviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("设备密钥，格式：Device <前缀>.<密钥>"),
        }
