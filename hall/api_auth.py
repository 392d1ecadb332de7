"""API-key authentication for hall devices (kiosk, display, window pad).

Header: `Authorization: Device <key>`. The key is `<prefix>.<secret>`; only its SHA-256 is stored.
request.user becomes a DeviceUser bound to the device's centre (and window, for a pad)."""
import hashlib
import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import Device

KEYWORD = "Device"


def hash_device_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DeviceUser:
    """What a device is, as far as permissions go: authenticated, not staff, bound to one centre."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_device = True
    role = "device"

    def __init__(self, device: Device):
        self.device = device
        self.centre_id = device.centre_id
        self.pk = None
        self.id = None

    def __str__(self) -> str:
        return str(self.device)


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
        if not prefix or not secret or len(key) > 200:
            raise exceptions.AuthenticationFailed(_("设备密钥格式不正确。"))
        device = Device.objects.select_related("centre", "window").filter(key_prefix=prefix).first()
        if device is None or not hmac.compare_digest(device.key_hash, hash_device_secret(secret)):
            raise exceptions.AuthenticationFailed(_("设备密钥无效。"))
        if not device.is_active:
            raise exceptions.AuthenticationFailed(_("该设备已停用。"))
        Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
        return DeviceUser(device), device

    def authenticate_header(self, request):
        return KEYWORD
