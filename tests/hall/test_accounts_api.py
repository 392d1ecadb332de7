"""Accounts API: SMS code, registration, who am I. Bad input is a 400 with a Chinese message, never a 500."""
import re

import pytest
from rest_framework.test import APIClient

from common.sms import OutboxSender
from hall.models import PhoneVerification, User

from .factories import CitizenFactory

SMS = "/api/accounts/sms-code/"
REGISTER = "/api/accounts/register/"
ME = "/api/accounts/me/"
PHONE = "13812345678"
ID_NUMBER = "110101199001061234"
PASSWORD = "Hall-pass-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def api():
    return APIClient()


def chinese_messages(body) -> str:
    """Every message in a DRF error body, joined; the test checks it is Chinese."""
    if isinstance(body, dict):
        return " ".join(chinese_messages(v) for v in body.values())
    if isinstance(body, list):
        return " ".join(chinese_messages(v) for v in body)
    return str(body)


def get_code(api, capture, phone=PHONE) -> str:
    with capture(execute=True):
        response = api.post(SMS, {"phone": phone}, format="json")
    assert response.status_code == 201, response.content
    return re.search(r"\d{6}", OutboxSender.outbox[-1][1]).group()


def person(valid_code, **overrides):
    return {"applicant_kind": "person", "phone": PHONE, "code": valid_code, "password": PASSWORD, "real_name": "张三",
            "id_number": ID_NUMBER, **overrides}


# --- SMS code ---

@pytest.mark.django_db
def test_sms_code_is_sent_and_the_answer_masks_the_phone(api, django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(SMS, {"phone": PHONE}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "detail": "验证码已发送，请注意查收短信。", "phone": "138****5678", "expires_in": 300, "resend_after": 60
    }
    assert sms_outbox[0][0] == PHONE


@pytest.mark.django_db
def test_sms_code_for_a_registered_phone_is_a_conflict(api):
    CitizenFactory(phone=PHONE)
    response = api.post(SMS, {"phone": PHONE}, format="json")
    assert response.status_code == 409
    assert "该手机号已注册" in response.json()["detail"]


@pytest.mark.django_db
def test_sms_code_is_throttled_per_client(api, settings):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sms_code"].split("/")[0])
    for n in range(rate):
        assert api.post(SMS, {"phone": f"1391234{n:04d}"}, format="json").status_code == 201
    response = api.post(SMS, {"phone": "13700000000"}, format="json")
    assert response.status_code == 429
    assert CJK.search(response.json()["detail"])
    assert PhoneVerification.objects.count() == rate


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"phone": ""},
        {"phone": "x" * 10_000},
        {"phone": ["13812345678"]},
        {"phone": {"a": 1}},
        {"phone": None},
        {"phone": "1381234567\x00"},
        {"phone": "' OR 1=1 --"},
        {"phone": "<script>alert(1)</script>"},
        {"phone": PHONE, "purpose": "reset"},
        {"phone": PHONE, "purpose": ["register"]},
    ],
)
def test_sms_code_refuses_bad_input_in_chinese(api, payload):
    response = api.post(SMS, payload, format="json")
    assert response.status_code == 400
    assert CJK.search(chinese_messages(response.json()))
    assert not PhoneVerification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [("[1, 2]", "application/json"), ("{not json", "application/json"), ('"13812345678"', "application/json")],
)
def test_sms_code_refuses_a_malformed_body(api, body, content_type):
    response = api.post(SMS, body, content_type=content_type)
    assert response.status_code == 400
    assert CJK.search(chinese_messages(response.json()))


# --- registration ---

@pytest.mark.django_db
def test_person_registers_and_gets_masked_data_back(api, django_capture_on_commit_callbacks):
    code = get_code(api, django_capture_on_commit_callbacks)
    response = api.post(REGISTER, person(code), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["phone"], body["id_number"], body["real_name"]) == ("138****5678", "110101********1234", "张*")
    assert PHONE not in response.content.decode()
    assert ID_NUMBER not in response.content.decode()
    assert User.objects.get(pk=body["id"]).id_number == ID_NUMBER


@pytest.mark.django_db
def test_enterprise_registers(api, django_capture_on_commit_callbacks):
    code = get_code(api, django_capture_on_commit_callbacks)
    payload = {"applicant_kind": "enterprise", "phone": PHONE, "code": code, "password": PASSWORD,
               "enterprise_name": "南通某某科技有限公司", "credit_code": "91350100M000100Y43", "contact_name": "李四"}
    response = api.post(REGISTER, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["enterprise_name"] == "南通某某科技有限公司"
    assert User.objects.get().credit_code == "91350100M000100Y43"


@pytest.mark.django_db
def test_register_with_a_wrong_check_digit_is_refused_and_saves_nothing(api, django_capture_on_commit_callbacks):
    code = get_code(api, django_capture_on_commit_callbacks)
    response = api.post(REGISTER, person(code, id_number="110101199001061235"), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "身份证号校验位不正确，请核对后重新输入。", "field": "id_number"}
    assert not User.objects.exists()
    assert PhoneVerification.objects.get().consumed_at is None


@pytest.mark.django_db
def test_register_of_a_registered_id_number_is_a_conflict(api, django_capture_on_commit_callbacks):
    CitizenFactory(id_number=ID_NUMBER)
    code = get_code(api, django_capture_on_commit_callbacks)
    response = api.post(REGISTER, person(code), format="json")
    assert response.status_code == 409
    assert response.json()["field"] == "id_number"


@pytest.mark.django_db
def test_enterprise_registration_without_enterprise_fields_is_refused(api, django_capture_on_commit_callbacks):
    code = get_code(api, django_capture_on_commit_callbacks)
    response = api.post(REGISTER, person(code, applicant_kind="enterprise"), format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请填写企业名称。"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"applicant_kind": "robot"},
        {"applicant_kind": None},
        {"phone": "1" * 10_000},
        {"code": "1" * 10_000},
        {"password": "p" * 10_000},
        {"real_name": "张" * 10_000},
        {"id_number": "1" * 10_000},
        {"enterprise_name": "企" * 10_000},
        {"real_name": ["张三"]},
        {"id_number": 1.5},
        {"password": {"$ne": ""}},
        {"code": True},
        {"real_name": "张三\x00"},
        {"real_name": "Robert'); DROP TABLE hall_user;--"},
        {"real_name": "\u202e三张"},
        {"real_name": "张三😀"},
        {"password": "short"},
        {"code": "abcdef"},
    ],
)
def test_register_refuses_bad_input_in_chinese(api, overrides, django_capture_on_commit_callbacks):
    code = get_code(api, django_capture_on_commit_callbacks)
    response = api.post(REGISTER, person(code, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert CJK.search(chinese_messages(response.json()))
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_refuses_a_form_encoded_list_body(api):
    response = api.post(REGISTER, "[]", content_type="application/json")
    assert response.status_code == 400
    assert CJK.search(chinese_messages(response.json()))


# --- who am I ---

@pytest.mark.django_db
def test_me_shows_the_logged_in_citizen_masked(api):
    citizen = CitizenFactory(phone=PHONE, id_number=ID_NUMBER, real_name="张三")
    api.force_login(citizen)
    response = api.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["id_number"], body["real_name"]) == ("138****5678", "110101********1234", "张*")
    assert body["role"] == "citizen"
    assert body["centre"] is None
    assert ID_NUMBER not in response.content.decode()


@pytest.mark.django_db
def test_me_shows_staff_their_centre_and_department(api, clerk):
    api.force_login(clerk)
    body = api.get(ME).json()
    assert body["centre"]["id"] == clerk.centre_id
    assert body["department"]["id"] == clerk.department_id
    assert body["role_display"] == "窗口工作人员"


@pytest.mark.django_db
def test_me_refuses_anonymous_callers(api):
    response = api.get(ME)
    assert response.status_code == 403
    assert CJK.search(response.json()["detail"])


@pytest.mark.django_db
def test_account_endpoints_are_in_the_api_schema(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (SMS, REGISTER, ME, "/api/devices/me/"):
        assert path in schema
