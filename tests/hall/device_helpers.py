"""Helpers for the device pages, the device API and the ticket's live page: devices with working keys,
signed-in page clients, API clients, a served ticket, a staff photo."""
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from hall.models import Device
from hall.services import tickets as ticket_services
from hall.services.devices import device_register

TZ = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def make_device(manager, centre, kind: str, *, window=None, name: str = "") -> tuple[Device, str]:
    return device_register(
        actor=manager,
        centre_id=centre.pk,
        kind=kind,
        name=name or f"测试{Device.Kind(kind).label}",
        window_id=window.pk if window else None,
    )


def sign_in(client, key: str, **extra):
    """Signs the page client in as the device; returns the sign-in response."""
    return client.post(reverse("device_login"), {"key": key}, **extra)


def api_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {key}")
    return client


def call(window, clerk):
    return ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)


def serve_and_finish(window, clerk):
    ticket = ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    ticket_services.ticket_start(window_id=window.pk, actor=clerk)
    ticket_services.ticket_finish(window_id=window.pk, actor=clerk)
    return ticket


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 15), (120, 140, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
