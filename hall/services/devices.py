"""Hall devices (kiosk, call display, window pad): one centre each, authenticated by an API key.

The key is `<prefix>.<secret>`, both from `secrets`; only SHA-256 of the secret is stored
(hall.api_auth.hash_device_secret), so the key is shown once, when it is issued."""
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.errors import InvalidTransition, NotFound, ValidationFailed

from ..api_auth import hash_device_secret
from ..models import Device, Window
from ..permissions import ensure_manager_of

NAME_MAX = 100


def _new_key() -> tuple[str, str, str]:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return prefix, hash_device_secret(secret), f"{prefix}.{secret}"


def _save_with_fresh_key(device: Device, *, update_fields: list[str] | None = None) -> str:
    """Save with a new key, drawing another prefix in the unlikely case of a collision."""
    for _attempt in range(5):
        device.key_prefix, device.key_hash, key = _new_key()
        try:
            with transaction.atomic():
                device.save(update_fields=update_fields)
        except IntegrityError:
            continue
        return key
    raise RuntimeError("could not draw a unique device key prefix")


def _as_id(value, *, field: str, message: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(message, field=field) from None


def device_register_check(*, actor, centre_id, kind, name, window_id=None) -> Device:
    """The rules of device_register without the write; returns the unsaved device."""
    centre_id = _as_id(centre_id, field="centre", message=_("请选择设备所属中心。"))
    if centre_id is None:
        raise ValidationFailed(_("请选择设备所属中心。"), field="centre")
    ensure_manager_of(actor, centre_id)
    if kind not in Device.Kind.values:
        raise ValidationFailed(_("请选择设备类型。"), field="kind")
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationFailed(_("请填写设备名称。"), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("设备名称不能超过 %(max)d 个字符。") % {"max": NAME_MAX}, field="name")
    window = None
    window_id = _as_id(window_id, field="window", message=_("所选窗口不属于该中心。"))
    if window_id is not None:
        window = Window.objects.filter(pk=window_id).first()
        if window is None or window.centre_id != centre_id:
            raise ValidationFailed(_("所选窗口不属于该中心。"), field="window")
    if kind == Device.Kind.WINDOW_PAD and window is None:
        raise ValidationFailed(_("窗口评价器必须绑定一个窗口。"), field="window")
    return Device(centre_id=centre_id, kind=kind, name=name, window=window)


@transaction.atomic
def device_register(*, actor, centre_id: int, kind: str, name: str, window_id: int | None = None) -> tuple[Device, str]:
    device = device_register_check(actor=actor, centre_id=centre_id, kind=kind, name=name, window_id=window_id)
    device._history_user = actor
    device._change_reason = _("登记设备")
    key = _save_with_fresh_key(device)
    return device, key


def _lock_device(device_id: int) -> Device:
    device = Device.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        raise NotFound(_("该设备不存在。"))
    return device


@transaction.atomic
def device_rotate_key(*, actor, device_id: int) -> tuple[Device, str]:
    """A new key; the old one stops working at once."""
    device = _lock_device(device_id)
    ensure_manager_of(actor, device.centre_id)
    if not device.is_active:
        raise InvalidTransition(_("该设备已停用，不能更换密钥。"))
    device._history_user = actor
    device._change_reason = _("更换密钥")
    key = _save_with_fresh_key(device, update_fields=["key_prefix", "key_hash"])
    return device, key


@transaction.atomic
def device_deactivate(*, actor, device_id: int, reason: str = "") -> Device:
    device = _lock_device(device_id)
    ensure_manager_of(actor, device.centre_id)
    if not device.is_active:
        raise InvalidTransition(_("该设备已停用。"))
    device.is_active = False
    device._history_user = actor
    device._change_reason = reason[:100] or _("停用设备")
    device.save(update_fields=["is_active"])
    return device
