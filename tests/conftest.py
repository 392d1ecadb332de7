"""Shared personas: a citizen, clerks and approvers of two departments, managers of two centres,
a supervisor and a callback operator."""
import pytest

from common.sms import OutboxSender
from hall.models import Role

from .hall.factories import CentreFactory, CitizenFactory, DepartmentFactory, StaffFactory

DEFAULT_PASSWORD = "Hall-pass-2026"


@pytest.fixture(autouse=True)
def _clean_outbox_and_cache():
    from django.core.cache import cache
    from django.utils import translation

    OutboxSender.outbox.clear()
    cache.clear()
    # A request in English (language switch, Accept-Language) leaves English active in this thread; every
    # test starts in the default language, Chinese, as the hall does.
    translation.activate("zh-hans")
    yield
    translation.deactivate()
    OutboxSender.outbox.clear()


@pytest.fixture
def sms_outbox():
    return OutboxSender.outbox


@pytest.fixture
def centre_1(db):
    return CentreFactory(code="city", name="测试市政务服务中心")


@pytest.fixture
def centre_2(db):
    return CentreFactory(code="branch", name="测试县政务服务分中心")


@pytest.fixture
def department_a(centre_1):
    return DepartmentFactory(centre=centre_1, code="amr", name="市场监督管理局")


@pytest.fixture
def department_b(centre_1):
    return DepartmentFactory(centre=centre_1, code="tax", name="税务局")


@pytest.fixture
def citizen(db):
    return CitizenFactory(username="citizen", real_name="张三")


@pytest.fixture
def clerk(centre_1, department_a):
    return StaffFactory(username="clerk", role=Role.CLERK, centre=centre_1, department=department_a)


@pytest.fixture
def approver_a(centre_1, department_a):
    return StaffFactory(username="approver_a", role=Role.APPROVER, centre=centre_1, department=department_a)


@pytest.fixture
def approver_b(centre_1, department_b):
    return StaffFactory(username="approver_b", role=Role.APPROVER, centre=centre_1, department=department_b)


@pytest.fixture
def manager_1(centre_1):
    return StaffFactory(username="manager_1", role=Role.MANAGER, centre=centre_1, is_staff=True)


@pytest.fixture
def manager_2(centre_2):
    return StaffFactory(username="manager_2", role=Role.MANAGER, centre=centre_2, is_staff=True)


@pytest.fixture
def supervisor(centre_1):
    return StaffFactory(username="supervisor", role=Role.SUPERVISOR, centre=centre_1, is_staff=True)


@pytest.fixture
def callback_operator(centre_1):
    return StaffFactory(username="caller", role=Role.CALLBACK_OPERATOR, centre=centre_1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """`transaction=True` tests flush every table, the seeded calendar included; with --reuse-db the
    next run would start with every year provisional. Re-seed it once per session when it is missing."""
    with django_db_blocker.unblock():
        from tests.hall.calendar_helpers import seed_package_calendar_if_flushed

        seed_package_calendar_if_flushed()
