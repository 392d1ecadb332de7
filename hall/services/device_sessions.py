"""Device sign-in for the device pages (kiosk, call display, window pad).

A device browser enters its API key once (`<prefix>.<secret>`, checked exactly as hall.api_auth does
for the device API); the page session then holds the device's id and key prefix. Rotating the key
draws a new prefix, so a rotation or a deactivation ends every signed-in session of that device.
Failed sign-ins are counted per client address in the cache and blocked for a while after too many."""
import hmac

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, PermissionDeniedError, ValidationFailed

from ..api_auth import MAX_KEY_LENGTH, SEEN_RESOLUTION, hash_device_secret
from ..models import Device

MAX_PREFIX_LENGTH = 12
FAILURE_LIMIT = 10
FAILURE_WINDOW_SECONDS = 15 * 60
_FAILURES_KEY = "device-sign-in-failures:%s"


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self):
        super().__init__(
            _("设备密钥输错次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": FAILURE_WINDOW_SECONDS // 60}
        )


def _failures(client_address: str) -> int:
    return cache.get(_FAILURES_KEY % client_address, 0)


def _count_failure(client_address: str) -> None:
    key = _FAILURES_KEY % client_address
    # add() starts the window; incr() keeps its expiry, so the block lifts FAILURE_WINDOW_SECONDS after the first miss.
    if not cache.add(key, 1, FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, FAILURE_WINDOW_SECONDS)


def _device_for_key(key: str) -> Device:
    key = (key or "").strip()
    prefix, _sep, secret = key.partition(".")
    if not prefix or not secret or len(key) > MAX_KEY_LENGTH or len(prefix) > MAX_PREFIX_LENGTH or not key.isascii():
        raise ValidationFailed(_("设备密钥格式不正确，应为“前缀.密钥”。"), field="key")
    device = Device.objects.select_related("centre", "window").filter(key_prefix=prefix).first()
    if device is None or not hmac.compare_digest(device.key_hash, hash_device_secret(secret)):
        raise PermissionDeniedError(_("设备密钥无效，请核对后重新输入。"), field="key")
    return device


def device_sign_in(*, key: str, client_address: str) -> Device:
    """The device whose key this is, for a page session. Refuses a wrong or malformed key (counted
    against the client address), a deactivated device, and any attempt while the address is blocked."""
    if _failures(client_address) >= FAILURE_LIMIT:
        raise TooManyAttempts()
    try:
        device = _device_for_key(key)
    except DomainError:
        _count_failure(client_address)
        raise
    if not device.is_active:
        raise PermissionDeniedError(_("该设备已停用，请联系中心管理人员。"), field="key")
    _touch(device)
    return device


def device_session_resume(*, device_id, key_prefix) -> Device | None:
    """The signed-in device of a page session, or None when it was deactivated, removed or its key
    rotated since sign-in. One query; last_seen_at is written at most once a minute."""
    if not isinstance(device_id, int) or not isinstance(key_prefix, str):
        return None
    device = (
        Device.objects.select_related("centre", "window")
        .filter(pk=device_id, key_prefix=key_prefix, is_active=True)
        .first()
    )
    if device is not None:
        _touch(device)
    return device


def _touch(device: Device) -> None:
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_RESOLUTION:
        # A plain UPDATE, as in hall.api_auth: last_seen_at is not in the device's history.
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
