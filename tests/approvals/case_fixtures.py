"""Fixtures for the single-case pages, files and API tests (import with `from .case_fixtures import *`).

A fixed clock (Monday 2 November 2026, 10:00 Beijing time), a three-stage matter offered online with a required
form and a required-but-may-be-missing (容缺) lease, uploaded files written to a temporary MEDIA_ROOT, and
cases in the states the pages show, each made through the services."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.services import intake, transitions

from ..hall.factories import MaterialFactory, MatterFactory, MatterStageFactory

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
PERSON = {
    "applicant_kind": "person",
    "applicant_name": "张三",
    "id_number": "11010519491231002X",
    "contact_phone": "13800000001",
}
PDF = b"%PDF-1.4\n%test\n1 0 obj <<>> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(name="a.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(
        centre=centre_1, department=department_a, name="食品经营许可", statutory_days=20, promised_days=10,
        online_apply=True,
    )
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def form(matter):
    return MaterialFactory(matter=matter, name="申请表", required=True, position=1)


@pytest.fixture
def lease(matter):
    return MaterialFactory(matter=matter, name="场所证明", required=True, deficiency_allowed=True, position=2)


@pytest.fixture
def materials(form, lease):
    return [form, lease]


@pytest.fixture
def accepted(clerk, matter, materials, clock):
    return intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[m.pk for m in materials],
        comment="窗口核验原件",
    )


@pytest.fixture
def draft(citizen, matter, materials, clock):
    return intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)


@pytest.fixture
def online(draft, citizen, form):
    intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=form.pk, uploaded_file=upload())
    return transitions.application_submit(application_id=draft.pk, actor=citizen)


@pytest.fixture
def in_correction(online, clerk, lease):
    intake.application_request_correction(
        application_id=online.pk, actor=clerk, items=[(lease.pk, "缺少场所证明"), (None, "申请表未签字")],
        note="请一并补正",
    )
    online.refresh_from_db()
    return online
