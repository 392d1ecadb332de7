"""Hall devices: registration by a centre's manager, API-key authentication end to end, rotation, deactivation."""
import datetime as dt
import hashlib

import pytest
import time_machine
from rest_framework.test import APIClient

from common.errors import InvalidTransition, PermissionDeniedError, ValidationFailed
from hall.models import Device
from hall.services.devices import device_deactivate, device_register, device_rotate_key

from .factories import WindowFactory

DEVICE_ME = "/api/devices/me/"


def device_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {key}")
    return client


@pytest.fixture
def window_1(centre_1, department_a):
    return WindowFactory(centre=centre_1, department=department_a, number="5", name="市场监管专窗")


@pytest.fixture
def pad(manager_1, window_1):
    return device_register(
        actor=manager_1, centre_id=window_1.centre_id, kind=Device.Kind.WINDOW_PAD, name="5号窗评价器",
        window_id=window_1.pk,
    )


# --- registration ---

@pytest.mark.django_db
def test_device_register_issues_a_prefixed_key_and_stores_only_the_secret_hash(manager_1, centre_1):
    device, key = device_register(actor=manager_1, centre_id=centre_1.pk, kind=Device.Kind.KIOSK, name="一楼取号机")
    prefix, secret = key.split(".", 1)
    device.refresh_from_db()
    assert device.key_prefix == prefix
    assert device.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in device.key_hash
    assert len(secret) >= 32
    assert (device.centre_id, device.kind, device.is_active) == (centre_1.pk, Device.Kind.KIOSK, True)
    assert device.history.first().history_user == manager_1


@pytest.mark.django_db
def test_device_keys_differ_each_time(manager_1, centre_1):
    keys = {device_register(actor=manager_1, centre_id=centre_1.pk, kind="display", name=f"大屏{i}")[1]
            for i in range(3)}
    assert len(keys) == 3


@pytest.mark.django_db
def test_window_pad_is_bound_to_its_window(pad, window_1):
    device, _key = pad
    assert device.window_id == window_1.pk


@pytest.mark.django_db
def test_device_register_refuses_a_manager_of_another_centre(manager_2, centre_1):
    with pytest.raises(PermissionDeniedError):
        device_register(actor=manager_2, centre_id=centre_1.pk, kind="kiosk", name="取号机")
    assert not Device.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["clerk", "supervisor", "citizen", "approver_a"])
def test_device_register_refuses_everyone_but_managers(persona, request, centre_1):
    with pytest.raises(PermissionDeniedError):
        device_register(actor=request.getfixturevalue(persona), centre_id=centre_1.pk, kind="kiosk", name="取号机")
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_device_register_refuses_a_window_of_another_centre(manager_1, centre_1, centre_2):
    foreign = WindowFactory(centre=centre_2)
    with pytest.raises(ValidationFailed) as caught:
        device_register(actor=manager_1, centre_id=centre_1.pk, kind="window_pad", name="评价器", window_id=foreign.pk)
    assert caught.value.field == "window"
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_device_register_refuses_a_window_pad_without_a_window(manager_1, centre_1):
    with pytest.raises(ValidationFailed) as caught:
        device_register(actor=manager_1, centre_id=centre_1.pk, kind="window_pad", name="评价器")
    assert "必须绑定一个窗口" in str(caught.value.message)
    assert not Device.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "toaster"}, "kind"),
        ({"name": "   "}, "name"),
        ({"name": "屏" * 101}, "name"),
        ({"window_id": "abc"}, "window"),
        ({"window_id": 999999}, "window"),
        ({"centre_id": "x"}, "centre"),
        ({"centre_id": None}, "centre"),
    ],
)
def test_device_register_refuses_bad_input(manager_1, centre_1, kwargs, field):
    values = {"centre_id": centre_1.pk, "kind": "kiosk", "name": "取号机", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        device_register(actor=manager_1, **values)
    assert caught.value.field == field
    assert not Device.objects.exists()


# --- authentication end to end ---

@pytest.mark.django_db
def test_valid_device_key_authenticates_and_shows_kind_centre_and_window(pad, window_1):
    _device, key = pad
    response = device_client(key).get(DEVICE_ME)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "window_pad"
    assert body["kind_display"] == "窗口评价器"
    assert body["centre"] == {"id": window_1.centre_id, "name": window_1.centre.name}
    assert body["window"] == {"id": window_1.pk, "number": "5", "name": "市场监管专窗"}


@pytest.mark.django_db
def test_kiosk_has_no_window(manager_1, centre_1):
    _device, key = device_register(actor=manager_1, centre_id=centre_1.pk, kind="kiosk", name="取号机")
    assert device_client(key).get(DEVICE_ME).json()["window"] is None


@pytest.mark.django_db
def test_authentication_records_when_the_device_was_last_seen(pad):
    device, key = pad
    moment = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        device_client(key).get(DEVICE_ME)
    device.refresh_from_db()
    assert device.last_seen_at == moment


@pytest.mark.django_db
def test_wrong_secret_is_refused(pad):
    device, _key = pad
    response = device_client(f"{device.key_prefix}.not-the-secret").get(DEVICE_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "设备密钥无效。"


@pytest.mark.django_db
def test_unknown_prefix_is_refused(pad):
    _device, key = pad
    response = device_client("ffffffff." + key.split(".", 1)[1]).get(DEVICE_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "设备密钥无效。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Device", "Device a b", "Device nodot", "Device .secret", "Device prefix.", "Device " + "a" * 300 + ".b",
     "Device 1234567890123.secret"],
)
def test_malformed_device_header_is_refused(pad, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(DEVICE_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "设备密钥格式不正确。"


@pytest.mark.django_db
def test_non_ascii_device_key_is_refused(pad):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Device 密钥.密钥".encode().decode("latin-1"))
    response = client.get(DEVICE_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "设备密钥格式不正确。"


@pytest.mark.django_db
def test_inactive_device_is_refused(pad, manager_1):
    device, key = pad
    device_deactivate(actor=manager_1, device_id=device.pk)
    response = device_client(key).get(DEVICE_ME)
    assert response.status_code == 403
    assert response.json()["detail"] == "该设备已停用。"


@pytest.mark.django_db
def test_device_endpoint_refuses_people_and_anonymous_callers(clerk):
    assert APIClient().get(DEVICE_ME).status_code == 403
    client = APIClient()
    client.force_login(clerk)
    assert client.get(DEVICE_ME).status_code == 403


@pytest.mark.django_db
def test_device_cannot_use_the_person_endpoint(pad):
    _device, key = pad
    assert device_client(key).get("/api/accounts/me/").status_code == 403


# --- rotation and deactivation ---

@pytest.mark.django_db
def test_rotated_key_replaces_the_old_one_at_once(pad, manager_1):
    device, old_key = pad
    _device, new_key = device_rotate_key(actor=manager_1, device_id=device.pk)
    assert new_key != old_key
    assert device_client(old_key).get(DEVICE_ME).status_code == 403
    assert device_client(new_key).get(DEVICE_ME).status_code == 200


@pytest.mark.django_db
def test_rotation_refuses_a_manager_of_another_centre(pad, manager_2):
    device, key = pad
    with pytest.raises(PermissionDeniedError):
        device_rotate_key(actor=manager_2, device_id=device.pk)
    assert device_client(key).get(DEVICE_ME).status_code == 200


@pytest.mark.django_db
def test_rotation_refuses_an_inactive_device(pad, manager_1):
    device, _key = pad
    device_deactivate(actor=manager_1, device_id=device.pk)
    with pytest.raises(InvalidTransition):
        device_rotate_key(actor=manager_1, device_id=device.pk)


@pytest.mark.django_db
def test_deactivation_refuses_a_manager_of_another_centre_and_a_supervisor(pad, manager_2, supervisor):
    device, _key = pad
    for actor in (manager_2, supervisor):
        with pytest.raises(PermissionDeniedError):
            device_deactivate(actor=actor, device_id=device.pk)
    device.refresh_from_db()
    assert device.is_active


@pytest.mark.django_db
def test_deactivating_twice_is_refused(pad, manager_1):
    device, _key = pad
    device_deactivate(actor=manager_1, device_id=device.pk, reason="设备报废")
    with pytest.raises(InvalidTransition):
        device_deactivate(actor=manager_1, device_id=device.pk)
    assert device.history.first().history_change_reason == "设备报废"
