"""Account pages: login by username or phone with lockout, logout, registration with SMS code, profile."""
import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from common.sms import OutboxSender
from hall.models import PhoneVerification, User

from .factories import CitizenFactory

PHONE = "13812345678"
ID_NUMBER = "110101199001061234"
PASSWORD = "Hall-pass-2026"


def request_code(client, capture, phone=PHONE) -> str:
    with capture(execute=True):
        response = client.post(reverse("register_sms_code"), {"phone": phone}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return re.search(r"\d{6}", OutboxSender.outbox[-1][1]).group()


def person_form(code, **overrides):
    return {"applicant_kind": "person", "real_name": "张三", "id_number": ID_NUMBER, "phone": PHONE, "code": code,
            "password1": PASSWORD, "password2": PASSWORD, **overrides}


# --- login and logout ---

@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "用户名或手机号" in content
    assert "csrfmiddlewaretoken" in content


@pytest.mark.django_db
def test_staff_log_in_with_their_username(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


@pytest.mark.django_db
def test_citizens_log_in_with_their_phone(client):
    citizen = CitizenFactory(phone=PHONE)
    response = client.post(reverse("login"), {"username": PHONE, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


@pytest.mark.django_db
def test_wrong_password_shows_a_chinese_error(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_inactive_accounts_cannot_log_in(client, clerk):
    clerk.is_active = False
    clerk.save()
    client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failures_lock_the_login_with_a_chinese_page(client, clerk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429
    content = response.content.decode()
    assert "登录已暂时锁定" in content
    assert "请在 30 分钟后重试" in content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_locked_login_opens_again_after_the_cool_off(client, clerk, settings):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": "clerk", "password": "wrong-password"})
        assert client.post(reverse("login"), {"username": "clerk", "password": PASSWORD}).status_code == 429
        traveller.shift(dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
        response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(clerk.pk)


@pytest.mark.django_db
def test_logout_is_post_only(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


# --- registration ---

@pytest.mark.django_db
def test_register_page_switches_between_person_and_enterprise(client):
    person = client.get(reverse("register")).content.decode()
    enterprise = client.get(reverse("register") + "?kind=enterprise").content.decode()
    assert 'name="id_number"' in person
    assert 'name="credit_code"' not in person
    assert 'name="credit_code"' in enterprise
    assert 'name="id_number"' not in enterprise
    for page in (person, enterprise):
        assert "?kind=person" in page
        assert "?kind=enterprise" in page


@pytest.mark.django_db
def test_sms_code_fragment_for_htmx_masks_the_phone(client, django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register_sms_code"), {"phone": PHONE}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "验证码已发送至 138****5678" in content
    assert PHONE not in content
    assert sms_outbox[0][0] == PHONE


@pytest.mark.django_db
def test_sms_code_fragment_shows_the_refusal(client):
    response = client.post(reverse("register_sms_code"), {"phone": "12345"}, HTTP_HX_REQUEST="true")
    assert "手机号格式不正确" in response.content.decode()
    assert not PhoneVerification.objects.exists()


@pytest.mark.django_db
def test_sms_code_without_htmx_shows_the_register_page_again(client):
    response = client.post(reverse("register_sms_code"), {"phone": PHONE, "applicant_kind": "enterprise"})
    content = response.content.decode()
    assert "<html" in content
    assert "验证码已发送至 138****5678" in content
    assert 'name="credit_code"' in content


@pytest.mark.django_db
def test_sms_code_endpoint_is_post_only(client):
    assert client.get(reverse("register_sms_code")).status_code == 405


@pytest.mark.django_db
def test_person_registers_and_is_logged_in(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("register"), person_form(code))
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    user = User.objects.get(phone=PHONE)
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_enterprise_registers(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    form = {"applicant_kind": "enterprise", "enterprise_name": "南通某某科技有限公司",
            "credit_code": "91350100M000100Y43", "contact_name": "李四", "phone": PHONE, "code": code,
            "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("register"), form).status_code == 302
    assert User.objects.get(phone=PHONE).applicant_kind == User.ApplicantKind.ENTERPRISE


@pytest.mark.django_db
def test_register_shows_the_service_error_next_to_the_field(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("register"), person_form(code, id_number="110101199001061235"))
    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-field="id_number">身份证号校验位不正确', content)
    assert not User.objects.exists()
    assert PhoneVerification.objects.get().consumed_at is None


@pytest.mark.django_db
def test_register_shows_a_wrong_code_next_to_the_code_field(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    content = client.post(reverse("register"), person_form(wrong)).content.decode()
    assert re.search(r'data-field="code">验证码不正确，还可尝试 4 次', content)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_shows_a_weak_password_in_chinese(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    content = client.post(reverse("register"), person_form(code, password1="1234", password2="1234")).content.decode()
    assert re.search(r'data-field="password1">密码太短', content)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_refuses_mismatched_passwords(client):
    content = client.post(reverse("register"), person_form("123456", password2="Other-pass-2026")).content.decode()
    assert "两次输入的密码不一致" in content
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_refuses_missing_fields_in_chinese(client):
    content = client.post(reverse("register"), {"applicant_kind": "person"}).content.decode()
    assert "该字段是必填项" in content
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_requires_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("register"), person_form("123456"))
    assert response.status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_never_puts_personal_data_in_the_redirect(client, django_capture_on_commit_callbacks):
    code = request_code(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("register"), person_form(code))
    assert PHONE not in response["Location"]
    assert ID_NUMBER not in response["Location"]


# --- profile ---

@pytest.mark.django_db
def test_profile_shows_personal_data_masked(client):
    citizen = CitizenFactory(phone=PHONE, id_number=ID_NUMBER, real_name="张三")
    client.force_login(citizen)
    content = client.get(reverse("profile")).content.decode()
    assert "110101********1234" in content
    assert "138****5678" in content
    assert "张*" in content
    assert ID_NUMBER not in content
    assert PHONE not in content


@pytest.mark.django_db
def test_profile_requires_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_profile_shows_staff_their_centre(client, clerk):
    client.force_login(clerk)
    content = client.get(reverse("profile")).content.decode()
    assert clerk.centre.name in content
    assert clerk.department.name in content


@pytest.mark.django_db
def test_sms_code_page_shares_the_per_client_limit_of_the_api(client, settings):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sms_code"].split("/")[0])
    for n in range(rate):
        client.post(reverse("register_sms_code"), {"phone": f"1391234{n:04d}"}, HTTP_HX_REQUEST="true")
    response = client.post(reverse("register_sms_code"), {"phone": "13700000000"}, HTTP_HX_REQUEST="true")
    assert "过于频繁" in response.content.decode()
    assert PhoneVerification.objects.count() == rate
