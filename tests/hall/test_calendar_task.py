"""From 1 December, managers are told once that next year's calendar is still provisional."""
import datetime
import zoneinfo

import pytest
import time_machine

from hall.models import CalendarYear, Notice, Role
from hall.services.calendar import calendar_warn_if_next_year_provisional

from .factories import StaffFactory, UserFactory

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def recipients(manager_1, manager_2):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {manager_1.pk, manager_2.pk, admin.pk}


@pytest.fixture
def not_recipients(clerk, supervisor, citizen, centre_1):
    retired = StaffFactory(username="retired", role=Role.MANAGER, centre=centre_1, is_active=False)
    return {clerk.pk, supervisor.pk, citizen.pk, retired.pk}


@pytest.mark.django_db
def test_before_the_first_of_december_nothing_is_sent(recipients):
    assert calendar_warn_if_next_year_provisional(today=D(2026, 11, 30)) == 0
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_on_the_first_of_december_each_active_manager_and_superuser_gets_one_notice(recipients, not_recipients):
    created = calendar_warn_if_next_year_provisional(today=D(2026, 12, 1))

    assert created == 3
    notices = Notice.objects.all()
    assert {n.recipient_id for n in notices} == recipients
    assert {n.dedupe_key for n in notices} == {"calendar-provisional-2027"}
    notice = notices[0]
    assert "2027 年放假安排尚未发布" in notice.title
    assert notice.link == "/manage/calendar/import/?year=2027"
    assert notice.read_at is None


@pytest.mark.django_db
def test_a_rerun_creates_nothing(recipients):
    calendar_warn_if_next_year_provisional(today=D(2026, 12, 1))
    assert calendar_warn_if_next_year_provisional(today=D(2026, 12, 2)) == 0
    assert Notice.objects.count() == 3


@pytest.mark.django_db
def test_a_manager_added_later_is_told_on_the_next_run(recipients, centre_1):
    calendar_warn_if_next_year_provisional(today=D(2026, 12, 1))
    newcomer = StaffFactory(username="new_manager", role=Role.MANAGER, centre=centre_1)
    assert calendar_warn_if_next_year_provisional(today=D(2026, 12, 2)) == 1
    assert Notice.objects.filter(recipient=newcomer).count() == 1


@pytest.mark.django_db
def test_nothing_is_sent_when_next_year_is_published(recipients):
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT)
    assert calendar_warn_if_next_year_provisional(today=D(2026, 12, 1)) == 0
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_in_january_nothing_is_sent_for_the_year_after(recipients):
    assert calendar_warn_if_next_year_provisional(today=D(2027, 1, 5)) == 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_task_warns_managers_through_a_real_worker_and_broker(recipients):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from hall.tasks import calendar_check_next_year

    app.control.purge()  # tasks other tests left on the real broker would run first
    with (
        time_machine.travel(datetime.datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI)),
        start_worker(app, perform_ping_check=False, pool="solo", concurrency=1),
    ):
        first = calendar_check_next_year.delay().get(timeout=30)
        second = calendar_check_next_year.delay().get(timeout=30)

    assert (first, second) == (3, 0)
    notices = Notice.objects.filter(dedupe_key="calendar-provisional-2027")
    assert set(notices.values_list("recipient_id", flat=True)) == recipients
