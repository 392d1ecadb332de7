"""The people admin: managers manage their own centre's staff and devices, supervisors only read,
personal data is masked, and every write goes through the services."""
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from hall.models import Device, Role, User
from hall.services.devices import device_register

from .factories import CitizenFactory, DepartmentFactory, NoticeFactory, WindowFactory

PASSWORD = "Hall-pass-2026"
USER_ADD = reverse("admin:hall_user_add")
DEVICE_ADD = reverse("admin:hall_device_add")
DEVICE_LIST = reverse("admin:hall_device_changelist")


def user_change(user):
    return reverse("admin:hall_user_change", args=[user.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def staff_form(**overrides):
    return {"username": "new_clerk", "password1": PASSWORD, "password2": PASSWORD, "real_name": "王五",
            "role": Role.CLERK, "department": "", "staff_number": "A009", **overrides}


def change_form(user, **overrides):
    values = {"real_name": user.real_name, "role": user.role, "department": user.department_id or "",
              "staff_number": user.staff_number, "is_active": "on"}
    return {**values, **overrides}


@pytest.fixture
def window_1(centre_1, department_a):
    return WindowFactory(centre=centre_1, department=department_a)


# --- staff ---

@pytest.mark.django_db
def test_manager_sees_the_people_section_of_the_admin(client, manager_1):
    client.force_login(manager_1)
    content = client.get(reverse("admin:index")).content.decode()
    for name in ("hall_user", "hall_device", "hall_notice"):
        assert reverse(f"admin:{name}_changelist") in content


@pytest.mark.django_db
def test_manager_adds_a_clerk_to_their_own_centre(client, manager_1, department_a):
    client.force_login(manager_1)
    response = client.post(USER_ADD, staff_form(department=department_a.pk))
    assert response.status_code == 302, response.content.decode()[-3000:]
    user = User.objects.get(username="new_clerk")
    assert (user.centre_id, user.department_id, user.role, user.is_staff) == (
        manager_1.centre_id, department_a.pk, Role.CLERK, False
    )
    assert user.check_password(PASSWORD)
    assert user.history.first().history_user == manager_1


@pytest.mark.django_db
def test_manager_cannot_grant_superuser_or_another_centre_through_the_form(client, manager_1, centre_2):
    client.force_login(manager_1)
    form = staff_form(role=Role.SUPERVISOR, is_superuser="on", centre=centre_2.pk, extra_centres=[centre_2.pk])
    assert client.post(USER_ADD, form).status_code == 302
    user = User.objects.get(username="new_clerk")
    assert not user.is_superuser
    assert user.is_staff
    assert user.centre_id == manager_1.centre_id
    assert not user.extra_centres.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "13812345678"}, "用户名不能是手机号"),
        ({"password1": "1234", "password2": "1234"}, "密码太短"),
        ({"real_name": "Wang5"}, "姓名应为"),
        ({"role": Role.APPROVER}, "审批人员必须属于一个部门"),
    ],
)
def test_add_form_shows_the_service_error(client, manager_1, overrides, message):
    client.force_login(manager_1)
    response = client.post(USER_ADD, staff_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_add_form_offers_no_department_of_another_centre(client, manager_1, centre_2):
    foreign = DepartmentFactory(centre=centre_2)
    client.force_login(manager_1)
    response = client.post(USER_ADD, staff_form(department=foreign.pk))
    assert response.status_code == 200
    assert not User.objects.filter(username="new_clerk").exists()


@pytest.mark.django_db
def test_manager_promotes_a_clerk_which_grants_admin_entry(client, manager_1, clerk):
    client.force_login(manager_1)
    response = client.post(user_change(clerk), change_form(clerk, role=Role.SUPERVISOR))
    assert response.status_code == 302, response.content.decode()[-3000:]
    clerk.refresh_from_db()
    assert (clerk.role, clerk.is_staff) == (Role.SUPERVISOR, True)


@pytest.mark.django_db
def test_manager_cannot_change_staff_of_another_centre(client, manager_1, manager_2):
    client.force_login(manager_1)
    response = client.post(user_change(manager_2), change_form(manager_2, real_name="改名"))
    assert response.status_code != 200
    manager_2.refresh_from_db()
    assert manager_2.real_name != "改名"


@pytest.mark.django_db
def test_manager_sets_a_password_through_the_django_admin_form(client, manager_1, clerk, manager_2):
    client.force_login(manager_1)
    url = reverse("admin:auth_user_password_change", args=[clerk.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"password1": "New-hall-pass-2026", "password2": "New-hall-pass-2026"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("New-hall-pass-2026")
    foreign = reverse("admin:auth_user_password_change", args=[manager_2.pk])
    assert client.get(foreign).status_code == 404


@pytest.mark.django_db
def test_supervisor_reads_staff_but_changes_nothing(client, supervisor, clerk):
    client.force_login(supervisor)
    assert client.get(USER_ADD).status_code == 403
    page = client.get(user_change(clerk))
    assert page.status_code == 200
    assert 'name="real_name"' not in page.content.decode()
    response = client.post(user_change(clerk), change_form(clerk, real_name="改名"))
    assert response.status_code == 403
    clerk.refresh_from_db()
    assert clerk.real_name != "改名"


@pytest.mark.django_db
def test_supervisor_reads_history_but_cannot_revert(client, supervisor, clerk, manager_1):
    from hall.services.staff import staff_update

    staff_update(actor=manager_1, user_id=clerk.pk, real_name="赵六", role=Role.CLERK,
                 department_id=clerk.department_id, staff_number=clerk.staff_number)
    client.force_login(supervisor)
    history_url = reverse("admin:hall_user_history", args=[clerk.pk])
    assert client.get(history_url).status_code == 200
    version = clerk.history.last().history_id
    revert_url = reverse("admin:hall_user_simple_history", args=[clerk.pk, version])
    assert client.post(revert_url, {}).status_code == 403
    clerk.refresh_from_db()
    assert clerk.real_name == "赵六"


@pytest.mark.django_db
def test_superuser_sees_citizens_masked_in_the_list_and_the_page(client):
    citizen = CitizenFactory(phone="13812345678", id_number="110101199001061234", real_name="张三")
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    for url in (reverse("admin:hall_user_changelist"), user_change(citizen)):
        content = client.get(url).content.decode()
        assert "138****5678" in content
        assert "110101********1234" in content
        assert "13812345678" not in content
        assert "110101199001061234" not in content


@pytest.mark.django_db
def test_managers_do_not_see_citizens(client, manager_1):
    citizen = CitizenFactory()
    client.force_login(manager_1)
    response = client.get(reverse("admin:hall_user_changelist"))
    assert citizen.pk not in {user.pk for user in response.context["cl"].queryset}


# --- devices ---

@pytest.mark.django_db
def test_manager_registers_a_device_and_sees_its_key_once(client, manager_1, window_1):
    client.force_login(manager_1)
    form = {"centre": window_1.centre_id, "kind": "window_pad", "name": "评价器", "window": window_1.pk}
    response = client.post(DEVICE_ADD, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    device = Device.objects.get()
    key = re.search(r"<code>([^<]+)</code>", " ".join(messages_of(response))).group(1)
    assert key.startswith(f"{device.key_prefix}.")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Device {key}")
    assert api.get("/api/devices/me/").json()["window"]["id"] == window_1.pk
    change_url = reverse("admin:hall_device_change", args=[device.pk])
    assert key in client.get(change_url).content.decode()
    assert key not in client.get(change_url).content.decode()


@pytest.mark.django_db
def test_device_add_form_shows_the_service_error(client, manager_1, centre_1):
    client.force_login(manager_1)
    response = client.post(DEVICE_ADD, {"centre": centre_1.pk, "kind": "window_pad", "name": "评价器"})
    assert response.status_code == 200
    assert "窗口评价器必须绑定一个窗口" in response.content.decode()
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_device_add_form_offers_only_the_managers_centre(client, manager_1, centre_2):
    client.force_login(manager_1)
    response = client.post(DEVICE_ADD, {"centre": centre_2.pk, "kind": "kiosk", "name": "取号机"})
    assert response.status_code == 200
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_rotate_action_issues_a_new_key(client, manager_1, centre_1):
    device, old_key = device_register(actor=manager_1, centre_id=centre_1.pk, kind="kiosk", name="取号机")
    client.force_login(manager_1)
    response = client.post(DEVICE_LIST, {"action": "rotate_key", "_selected_action": [device.pk]})
    assert response.status_code == 302
    new_key = re.search(r"<code>([^<]+)</code>", " ".join(messages_of(response))).group(1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Device {old_key}")
    assert api.get("/api/devices/me/").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Device {new_key}")
    assert api.get("/api/devices/me/").status_code == 200


@pytest.mark.django_db
def test_deactivate_action_stops_the_device(client, manager_1, centre_1):
    device, _key = device_register(actor=manager_1, centre_id=centre_1.pk, kind="display", name="大屏")
    client.force_login(manager_1)
    client.post(DEVICE_LIST, {"action": "deactivate", "_selected_action": [device.pk]})
    device.refresh_from_db()
    assert not device.is_active


@pytest.mark.django_db
def test_supervisor_cannot_register_or_deactivate_devices(client, supervisor, manager_1, centre_1):
    device, _key = device_register(actor=manager_1, centre_id=centre_1.pk, kind="display", name="大屏")
    client.force_login(supervisor)
    assert client.get(DEVICE_ADD).status_code == 403
    client.post(DEVICE_LIST, {"action": "deactivate", "_selected_action": [device.pk]})
    device.refresh_from_db()
    assert device.is_active


# --- notices ---

@pytest.mark.django_db
def test_notices_are_read_only(client, manager_1, clerk):
    notice = NoticeFactory(recipient=clerk)
    client.force_login(manager_1)
    assert client.get(reverse("admin:hall_notice_changelist")).status_code == 200
    assert client.get(reverse("admin:hall_notice_add")).status_code == 403
    page = client.get(reverse("admin:hall_notice_change", args=[notice.pk])).content.decode()
    assert 'name="title"' not in page
