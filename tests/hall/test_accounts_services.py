"""Citizen and enterprise registration: SMS codes, check digits, duplicates, races; staff accounts."""
import datetime as dt
import logging
import re
import threading

import pytest
import time_machine
from django.db import connection

from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from hall.models import PhoneVerification, Role, User
from hall.services import accounts, staff
from hall.services.accounts import citizen_register, enterprise_register, sms_code_request

from .factories import CitizenFactory, DepartmentFactory, make_credit_code

PHONE = "13812345678"
ID_NUMBER = "110101199001061234"
PASSWORD = "Hall-pass-2026"
CREDIT_CODE = "91350100M000100Y43"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def request_code(capture, phone=PHONE) -> str:
    """Ask for a code, run the after-commit SMS, and read the code from the test outbox."""
    from common.sms import OutboxSender

    with capture(execute=True):
        sms_code_request(phone=phone)
    assert OutboxSender.outbox, "no SMS was sent"
    sent_to, text = OutboxSender.outbox[-1]
    assert sent_to == phone
    return re.search(r"\d{6}", text).group()


def register_person(code, **overrides):
    values = {"phone": PHONE, "code": code, "password": PASSWORD, "real_name": "张三", "id_number": ID_NUMBER}
    return citizen_register(**{**values, **overrides})


@pytest.fixture
def travel():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# --- SMS codes ---

@pytest.mark.django_db
def test_sms_code_is_sent_after_commit(django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_code_request(phone=PHONE)
    assert sms_outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sms_outbox[0][0] == PHONE


@pytest.mark.django_db
def test_sms_code_is_six_digits_and_only_its_hash_is_stored(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    verification = PhoneVerification.objects.get(phone=PHONE)
    assert re.fullmatch(r"\d{6}", code)
    assert code not in verification.code_hash
    assert len(verification.code_hash) == 64


@pytest.mark.django_db
def test_sms_code_expires_after_the_configured_ttl(settings, travel):
    settings.SMS_CODE_TTL_SECONDS = 120
    verification = sms_code_request(phone=PHONE)
    assert verification.expires_at - verification.created_at == dt.timedelta(seconds=120)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone", ["", "1381234567", "138123456789", "12812345678", "23812345678", "1381234567a", "138 1234 5678"]
)
def test_sms_code_refuses_a_malformed_phone(phone, sms_outbox):
    with pytest.raises(ValidationFailed) as caught:
        sms_code_request(phone=phone)
    assert "手机号" in str(caught.value.message)
    assert not PhoneVerification.objects.exists()


@pytest.mark.django_db
def test_sms_code_refuses_an_unknown_purpose():
    with pytest.raises(ValidationFailed):
        sms_code_request(phone=PHONE, purpose="reset")
    assert not PhoneVerification.objects.exists()


@pytest.mark.django_db
def test_sms_code_refuses_a_registered_phone():
    CitizenFactory(phone=PHONE)
    with pytest.raises(Conflict) as caught:
        sms_code_request(phone=PHONE)
    assert "该手机号已注册" in str(caught.value.message)
    assert not PhoneVerification.objects.exists()


@pytest.mark.django_db
def test_sms_code_refuses_a_second_request_within_60_seconds(travel):
    sms_code_request(phone=PHONE)
    travel.shift(30)
    with pytest.raises(ValidationFailed) as caught:
        sms_code_request(phone=PHONE)
    assert "30 秒后再试" in str(caught.value.message)
    travel.shift(31)
    sms_code_request(phone=PHONE)
    assert PhoneVerification.objects.filter(phone=PHONE).count() == 2


@pytest.mark.django_db
def test_sms_code_refuses_the_eleventh_request_of_a_day(travel):
    for _ in range(10):
        sms_code_request(phone=PHONE)
        travel.shift(61)
    with pytest.raises(ValidationFailed) as caught:
        sms_code_request(phone=PHONE)
    assert "今日" in str(caught.value.message)
    travel.move_to(START + dt.timedelta(days=1))
    sms_code_request(phone=PHONE)
    assert PhoneVerification.objects.filter(phone=PHONE).count() == 11


@pytest.mark.django_db
def test_sms_codes_of_different_phones_do_not_limit_each_other():
    sms_code_request(phone=PHONE)
    sms_code_request(phone="13912345678")
    assert PhoneVerification.objects.count() == 2


@pytest.mark.django_db
def test_dev_sender_logs_the_code_with_the_phone_masked(settings, caplog, django_capture_on_commit_callbacks):
    settings.SMS_SENDER = "common.sms.LogSender"
    with caplog.at_level(logging.INFO, logger="servicehall.sms"), django_capture_on_commit_callbacks(execute=True):
        sms_code_request(phone=PHONE)
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text
    assert re.search(r"验证码是 \d{6}", caplog.text)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_code_requests_for_one_phone_send_one_code():
    barrier = threading.Barrier(2)
    outcomes = []

    def ask():
        barrier.wait()
        try:
            sms_code_request(phone=PHONE)
            outcomes.append("sent")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "sent"]
    assert PhoneVerification.objects.filter(phone=PHONE).count() == 1


# --- person registration ---

@pytest.mark.django_db
def test_citizen_register_creates_a_citizen_and_consumes_the_code(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    user = register_person(code)
    assert user.role == Role.CITIZEN
    assert user.applicant_kind == User.ApplicantKind.PERSON
    assert (user.phone, user.real_name, user.id_number) == (PHONE, "张三", ID_NUMBER)
    assert user.check_password(PASSWORD)
    assert PHONE not in user.username
    assert not user.is_staff
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is not None


@pytest.mark.django_db
def test_citizen_register_accepts_a_lowercase_x_and_stores_it_uppercase(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    user = register_person(code, id_number="11010519491231002x")
    assert user.id_number == "11010519491231002X"


@pytest.mark.django_db
def test_citizen_register_accepts_a_minority_name_with_a_middle_dot(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    assert register_person(code, real_name="买买提·艾力").real_name == "买买提·艾力"


@pytest.mark.django_db
def test_citizen_register_refuses_when_no_code_was_requested():
    with pytest.raises(ValidationFailed) as caught:
        register_person("123456")
    assert "请先获取" in str(caught.value.message)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_citizen_register_refuses_a_wrong_code_and_counts_the_attempt(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationFailed) as caught:
        register_person(wrong)
    assert "还可尝试 4 次" in str(caught.value.message)
    assert caught.value.field == "code"
    verification = PhoneVerification.objects.get(phone=PHONE)
    assert (verification.attempts, verification.consumed_at) == (1, None)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_citizen_register_refuses_even_the_right_code_after_five_wrong_ones(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            register_person(wrong)
    with pytest.raises(ValidationFailed) as caught:
        register_person(code)
    assert "错误次数过多" in str(caught.value.message)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_citizen_register_refuses_an_expired_code(django_capture_on_commit_callbacks, settings, travel):
    code = request_code(django_capture_on_commit_callbacks)
    travel.shift(settings.SMS_CODE_TTL_SECONDS + 1)
    with pytest.raises(ValidationFailed) as caught:
        register_person(code)
    assert "已过期" in str(caught.value.message)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_citizen_register_accepts_only_the_latest_code(django_capture_on_commit_callbacks, travel):
    first = request_code(django_capture_on_commit_callbacks)
    travel.shift(61)
    latest = request_code(django_capture_on_commit_callbacks)
    if first != latest:
        with pytest.raises(ValidationFailed):
            register_person(first)
    assert register_person(latest).phone == PHONE


@pytest.mark.django_db
def test_citizen_register_code_is_single_use(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    register_person(code).delete()
    with pytest.raises(ValidationFailed) as caught:
        register_person(code)
    assert "已使用" in str(caught.value.message)
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 345"])
def test_citizen_register_refuses_a_malformed_code_without_counting_it(code, django_capture_on_commit_callbacks):
    request_code(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed) as caught:
        register_person(code)
    assert "6 位数字验证码" in str(caught.value.message)
    assert PhoneVerification.objects.get(phone=PHONE).attempts == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("110101199001061235", "校验位不正确"),
        ("11010119900106123", "应为 18 位"),
        ("1101011990010612345", "应为 18 位"),
        ("11010119900106123A", "最后一位为数字或 X"),
        ("1101011990X106123X", "前 17 位应为数字"),
        ("010101199001061234", "地区码"),
        ("110101199002301230", "出生日期"),
        ("110101289001061230", "出生日期"),
        ("", "请填写身份证号"),
    ],
)
def test_citizen_register_refuses_a_bad_id_number_precisely(id_number, message, django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed) as caught:
        register_person(code, id_number=id_number)
    assert message in str(caught.value.message)
    assert caught.value.field == "id_number"
    assert not User.objects.exists()
    verification = PhoneVerification.objects.get(phone=PHONE)
    assert (verification.attempts, verification.consumed_at) == (0, None)


@pytest.mark.django_db
@pytest.mark.parametrize("real_name", ["张", "John Smith", "张三1", "·张三", "张三·", "张" * 31, "", "<b>张三</b>"])
def test_citizen_register_refuses_a_bad_real_name(real_name):
    with pytest.raises(ValidationFailed) as caught:
        register_person("123456", real_name=real_name)
    assert caught.value.field == "real_name"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码太短，至少需要 8 个字符"),
        ("38475920184756", "不能全部是数字"),
        ("password123", "过于常见"),
        ("", "请填写密码"),
    ],
)
def test_citizen_register_refuses_a_weak_password_in_chinese(password, message, django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed) as caught:
        register_person(code, password=password)
    assert message in str(caught.value.message)
    assert caught.value.field == "password"
    assert not User.objects.exists()
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
def test_citizen_register_refuses_a_phone_registered_since_the_code_was_sent(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    CitizenFactory(phone=PHONE)
    with pytest.raises(Conflict) as caught:
        register_person(code)
    assert "该手机号已注册" in str(caught.value.message)
    assert User.objects.count() == 1
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
def test_citizen_register_refuses_a_registered_id_number(django_capture_on_commit_callbacks):
    CitizenFactory(id_number=ID_NUMBER)
    code = request_code(django_capture_on_commit_callbacks)
    with pytest.raises(Conflict) as caught:
        register_person(code)
    assert "该身份证号已注册" in str(caught.value.message)
    assert User.objects.count() == 1
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
def test_citizen_register_race_on_id_number_ends_in_conflict(django_capture_on_commit_callbacks, monkeypatch):
    """The check passed, then another registration took the ID number: the unique index decides."""
    code = request_code(django_capture_on_commit_callbacks)
    CitizenFactory(id_number=ID_NUMBER)
    monkeypatch.setattr(accounts, "_ensure_id_number_free", lambda id_number: None)
    with pytest.raises(Conflict) as caught:
        register_person(code)
    assert "该身份证号已注册" in str(caught.value.message)
    assert User.objects.count() == 1
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
def test_citizen_register_race_on_phone_ends_in_conflict(django_capture_on_commit_callbacks, monkeypatch):
    code = request_code(django_capture_on_commit_callbacks)
    CitizenFactory(phone=PHONE)
    monkeypatch.setattr(accounts, "_ensure_phone_free", lambda phone: None)
    with pytest.raises(Conflict) as caught:
        register_person(code)
    assert "该手机号已注册" in str(caught.value.message)
    assert User.objects.count() == 1


# --- enterprise registration ---

def register_enterprise(code, **overrides):
    values = {
        "phone": PHONE,
        "code": code,
        "password": PASSWORD,
        "enterprise_name": "南通某某科技有限公司",
        "credit_code": CREDIT_CODE,
        "contact_name": "李四",
    }
    return enterprise_register(**{**values, **overrides})


@pytest.mark.django_db
def test_enterprise_register_creates_an_enterprise_account(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    user = register_enterprise(code, credit_code=CREDIT_CODE.lower())
    assert user.applicant_kind == User.ApplicantKind.ENTERPRISE
    assert (user.enterprise_name, user.credit_code, user.real_name) == ("南通某某科技有限公司", CREDIT_CODE, "李四")
    assert user.display_name == "南通某某科技有限公司"
    assert user.id_number == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("credit_code", "message"),
    [
        ("91350100M000100Y44", "校验位不正确"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100I000100Y43", "不使用 I、O、Z、S、V"),
        ("9135A100M000100Y43", "行政区划码"),
        ("", "请填写统一社会信用代码"),
    ],
)
def test_enterprise_register_refuses_a_bad_credit_code(credit_code, message, django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed) as caught:
        register_enterprise(code, credit_code=credit_code)
    assert message in str(caught.value.message)
    assert not User.objects.exists()
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
def test_enterprise_register_refuses_a_registered_credit_code(django_capture_on_commit_callbacks):
    CitizenFactory(applicant_kind=User.ApplicantKind.ENTERPRISE, credit_code=CREDIT_CODE, id_number="")
    code = request_code(django_capture_on_commit_callbacks)
    with pytest.raises(Conflict) as caught:
        register_enterprise(code)
    assert "统一社会信用代码已注册" in str(caught.value.message)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_enterprise_register_race_on_credit_code_ends_in_conflict(django_capture_on_commit_callbacks, monkeypatch):
    code = request_code(django_capture_on_commit_callbacks)
    CitizenFactory(applicant_kind=User.ApplicantKind.ENTERPRISE, credit_code=CREDIT_CODE, id_number="")
    monkeypatch.setattr(accounts, "_ensure_credit_code_free", lambda credit_code: None)
    with pytest.raises(Conflict) as caught:
        register_enterprise(code)
    assert "统一社会信用代码已注册" in str(caught.value.message)
    assert User.objects.count() == 1
    assert PhoneVerification.objects.get(phone=PHONE).consumed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"enterprise_name": ""}, "enterprise_name"),
    ({"enterprise_name": "某" * 101}, "enterprise_name"),
    ({"contact_name": "L"}, "contact_name"),
])
def test_enterprise_register_refuses_missing_or_bad_names(overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        register_enterprise("123456", **overrides)
    assert caught.value.field == field
    assert not User.objects.exists()


@pytest.mark.django_db
def test_enterprise_register_accepts_generated_valid_codes(django_capture_on_commit_callbacks):
    code = request_code(django_capture_on_commit_callbacks)
    assert register_enterprise(code, credit_code=make_credit_code(42)).credit_code == make_credit_code(42)


# --- staff accounts ---

def create_staff(actor, **overrides):
    values = {"username": "clerk_new", "password": PASSWORD, "real_name": "王五", "role": Role.CLERK}
    return staff.staff_create(actor=actor, **{**values, **overrides})


@pytest.mark.django_db
def test_manager_creates_a_clerk_of_their_own_centre(manager_1, department_a):
    user = create_staff(manager_1, department_id=department_a.pk, staff_number="A001")
    assert (user.centre_id, user.department_id, user.role, user.staff_number) == (
        manager_1.centre_id, department_a.pk, Role.CLERK, "A001"
    )
    assert not user.is_staff
    assert not user.is_superuser
    assert user.check_password(PASSWORD)
    assert user.history.first().history_user == manager_1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPERVISOR])
def test_managers_and_supervisors_get_admin_entry(manager_1, role):
    assert create_staff(manager_1, role=role).is_staff


@pytest.mark.django_db
def test_manager_cannot_create_staff_of_another_centre(manager_1, centre_2):
    with pytest.raises(PermissionDeniedError):
        create_staff(manager_1, centre_id=centre_2.pk)
    assert not User.objects.filter(username="clerk_new").exists()


@pytest.mark.django_db
def test_manager_with_a_granted_centre_still_cannot_create_staff_there(manager_1, centre_2):
    manager_1.extra_centres.add(centre_2)
    with pytest.raises(PermissionDeniedError):
        create_staff(manager_1, centre_id=centre_2.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["clerk", "supervisor", "citizen", "callback_operator"])
def test_only_managers_create_staff(persona, request):
    with pytest.raises(PermissionDeniedError):
        create_staff(request.getfixturevalue(persona))


@pytest.mark.django_db
def test_staff_create_refuses_a_department_of_another_centre(manager_1, centre_2):
    foreign = DepartmentFactory(centre=centre_2)
    with pytest.raises(ValidationFailed) as caught:
        create_staff(manager_1, department_id=foreign.pk)
    assert caught.value.field == "department"


@pytest.mark.django_db
def test_staff_create_refuses_an_approver_without_department(manager_1):
    with pytest.raises(ValidationFailed) as caught:
        create_staff(manager_1, role=Role.APPROVER)
    assert caught.value.field == "department"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CITIZEN, "superuser", ""])
def test_staff_create_refuses_a_non_staff_role(manager_1, role):
    with pytest.raises(ValidationFailed):
        create_staff(manager_1, role=role)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["13812345678", "ab", "名字", "a" * 31, "bad name"])
def test_staff_create_refuses_a_bad_username(manager_1, username):
    with pytest.raises(ValidationFailed) as caught:
        create_staff(manager_1, username=username)
    assert caught.value.field == "username"


@pytest.mark.django_db
def test_staff_create_refuses_a_taken_username(manager_1):
    with pytest.raises(Conflict):
        create_staff(manager_1, username="MANAGER_1")


@pytest.mark.django_db
def test_staff_create_refuses_a_weak_password(manager_1):
    with pytest.raises(ValidationFailed) as caught:
        create_staff(manager_1, password="1234")
    assert caught.value.field == "password"


@pytest.mark.django_db
def test_superuser_creates_staff_in_a_centre_they_name(centre_2):
    root = User.objects.create_superuser("root", password=PASSWORD)
    with pytest.raises(ValidationFailed):
        create_staff(root)
    assert create_staff(root, centre_id=centre_2.pk).centre_id == centre_2.pk


def update_staff(actor, target, **overrides):
    values = {
        "real_name": target.real_name,
        "role": target.role,
        "department_id": target.department_id,
        "staff_number": target.staff_number,
        "is_department_head": target.is_department_head,
        "is_active": target.is_active,
    }
    return staff.staff_update(actor=actor, user_id=target.pk, **{**values, **overrides})


@pytest.mark.django_db
def test_manager_promotes_a_clerk_to_supervisor_which_grants_admin_entry(manager_1, clerk):
    updated = update_staff(manager_1, clerk, role=Role.SUPERVISOR, real_name="赵六")
    assert (updated.role, updated.is_staff, updated.real_name) == (Role.SUPERVISOR, True, "赵六")


@pytest.mark.django_db
def test_manager_cannot_edit_staff_of_another_centre(manager_1, manager_2):
    with pytest.raises(PermissionDeniedError):
        update_staff(manager_1, manager_2, real_name="改名")
    manager_2.refresh_from_db()
    assert manager_2.real_name != "改名"


@pytest.mark.django_db
def test_manager_cannot_move_staff_to_another_centre(manager_1, clerk, centre_2):
    with pytest.raises(PermissionDeniedError):
        update_staff(manager_1, clerk, centre_id=centre_2.pk)
    with pytest.raises(PermissionDeniedError):
        update_staff(manager_1, clerk, extra_centre_ids=[centre_2.pk])


@pytest.mark.django_db
def test_manager_cannot_edit_a_superuser(manager_1, centre_1):
    root = User.objects.create_superuser("root", password=PASSWORD, role=Role.MANAGER, centre=centre_1)
    with pytest.raises(PermissionDeniedError):
        update_staff(manager_1, root, real_name="改名")


@pytest.mark.django_db
def test_manager_cannot_deactivate_themselves(manager_1):
    with pytest.raises(ValidationFailed):
        update_staff(manager_1, manager_1, is_active=False)


@pytest.mark.django_db
def test_superuser_grants_extra_centres(clerk, centre_2):
    root = User.objects.create_superuser("root", password=PASSWORD)
    update_staff(root, clerk, extra_centre_ids=[centre_2.pk])
    assert list(clerk.extra_centres.values_list("pk", flat=True)) == [centre_2.pk]


@pytest.mark.django_db
def test_staff_update_records_who_changed_it(manager_1, clerk):
    update_staff(manager_1, clerk, staff_number="B002")
    latest = clerk.history.first()
    assert (latest.staff_number, latest.history_user) == ("B002", manager_1)


@pytest.mark.django_db
def test_clerk_cannot_edit_staff(clerk, approver_a):
    with pytest.raises(PermissionDeniedError):
        update_staff(clerk, approver_a, real_name="改名")

