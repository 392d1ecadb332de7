"""Manager pages: the manager home, a year's calendar and the import form."""
import datetime
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hall import workdays
from hall.models import CalendarDay, CalendarYear, Notice

from .calendar_helpers import seed_package_calendar_if_flushed
from .factories import UserFactory

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PASSWORD = "Hall-pass-2026"
pytestmark = pytest.mark.django_db
PAGES = ["manager_home", "calendar_overview", "calendar_import"]


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    seed_package_calendar_if_flushed()
    yield
    workdays.reset()


def at(year, month, day):
    return time_machine.travel(datetime.datetime(year, month, day, 9, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def as_manager(client, manager_1):
    client.force_login(manager_1)
    return client


@pytest.fixture
def as_supervisor(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["citizen", "clerk", "approver_a", "callback_operator"])
def test_people_other_than_managers_and_supervisors_are_refused(client, request, page, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", ["manager_home", "calendar_overview"])
def test_supervisors_may_view(as_supervisor, page):
    assert as_supervisor.get(reverse(page)).status_code == 200


def test_supervisors_may_not_import(as_supervisor):
    assert as_supervisor.get(reverse("calendar_import")).status_code == 403
    response = as_supervisor.post(reverse("calendar_import"), {"year": 2027, "text": "2027-10-01,休,国庆节"})
    assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_manager_home_shows_this_and_next_years_status(as_manager):
    with at(2026, 6, 1):
        response = as_manager.get(reverse("manager_home"))
    status = response.context["status"]
    assert (status.this_year.year, status.this_year.provisional) == (2026, False)
    assert (status.next_year.year, status.next_year.provisional) == (2027, True)
    assert 'data-testid="calendar-status-2027"' in response.content.decode()


def test_manager_home_warns_from_the_first_of_december_while_next_year_is_provisional(as_manager):
    with at(2026, 12, 1):
        response = as_manager.get(reverse("manager_home"))
    body = response.content.decode()
    assert 'data-testid="calendar-warning"' in body
    assert "2027 年放假安排尚未导入" in body


def test_manager_home_does_not_warn_in_november(as_manager):
    with at(2026, 11, 30):
        response = as_manager.get(reverse("manager_home"))
    assert 'data-testid="calendar-warning"' not in response.content.decode()


def test_manager_home_does_not_warn_once_next_year_is_published(as_manager):
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT)
    with at(2026, 12, 15):
        response = as_manager.get(reverse("manager_home"))
    assert 'data-testid="calendar-warning"' not in response.content.decode()


def test_manager_home_lists_only_the_managers_unread_notices(as_manager, manager_1, manager_2):
    Notice.objects.create(recipient=manager_1, kind="k", title="给我的未读消息", dedupe_key="a")
    Notice.objects.create(recipient=manager_1, kind="k", title="已读的消息", dedupe_key="b", read_at=timezone.now())
    Notice.objects.create(recipient=manager_2, kind="k", title="别人的消息", dedupe_key="a")

    body = as_manager.get(reverse("manager_home")).content.decode()

    assert "给我的未读消息" in body
    assert "已读的消息" not in body
    assert "别人的消息" not in body


def test_manager_home_query_count_is_bounded(as_manager, manager_1, django_assert_max_num_queries):
    for i in range(5):
        Notice.objects.create(recipient=manager_1, kind="k", title=f"消息{i}", dedupe_key=str(i))
    with django_assert_max_num_queries(6):
        as_manager.get(reverse("manager_home"))


def test_overview_of_a_provisional_year_lists_the_computed_holidays(as_manager):
    response = as_manager.get(reverse("calendar_overview"), {"year": 2027})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="provisional"' in body
    assert [d.date for d in response.context["holidays"]][:2] == [D(2027, 1, 1), D(2027, 2, 5)]
    assert response.context["working_weekends"] == []
    assert "2027-09-15" in body and "中秋节" in body


def test_overview_of_a_published_year_lists_holidays_and_adjusted_working_days(as_manager):
    response = as_manager.get(reverse("calendar_overview"), {"year": 2026})
    body = response.content.decode()
    assert 'data-testid="published"' in body
    assert 'data-testid="provisional"' not in body
    assert D(2026, 10, 10) in [d.date for d in response.context["working_weekends"]]
    assert D(2026, 10, 7) in [d.date for d in response.context["holidays"]]


@pytest.mark.parametrize("year", ["abc", "1899", "2100"])
def test_overview_with_an_invalid_year_says_so_and_shows_this_year(as_manager, year):
    with at(2026, 6, 1):
        response = as_manager.get(reverse("calendar_overview"), {"year": year})
    assert response.status_code == 400
    assert response.context["year"] == 2026
    assert "年份无效" in response.content.decode()


def test_import_form_proposes_next_year(as_manager):
    with at(2026, 12, 1):
        response = as_manager.get(reverse("calendar_import"))
    assert response.status_code == 200
    assert response.context["form"].initial["year"] == 2027


def test_importing_from_the_textarea_publishes_the_year(as_manager, manager_1, django_capture_on_commit_callbacks):
    data = {"year": 2027, "notice": "国办发明电〔2026〕7号", "text": "2027-10-01,休,国庆节\n2027-10-09,班,调休上班"}
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(reverse("calendar_import"), data)

    assert response.status_code == 302
    assert response.url == f"{reverse('calendar_overview')}?year=2027"
    assert CalendarYear.objects.get(year=2027).imported_by == manager_1
    assert workdays.is_working_day(D(2027, 10, 9)) is True


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_importing_an_uploaded_file_publishes_the_year(as_manager, encoding):
    upload = SimpleUploadedFile("2027.csv", "2027-10-01,休,国庆节\n2027-10-02,休,国庆节\n".encode(encoding))
    response = as_manager.post(reverse("calendar_import"), {"year": 2027, "file": upload})
    assert response.status_code == 302
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["国庆节", "国庆节"]


def test_a_malformed_list_shows_the_line_errors_and_saves_nothing(as_manager):
    text = "2027-10-01,休,国庆节\n2027-10-08,班,调休上班\n2027-10-40,休"
    response = as_manager.post(reverse("calendar_import"), {"year": 2027, "text": text})

    body = response.content.decode()
    assert response.status_code == 400
    assert "未保存任何内容" in body
    assert "第 2 行" in body and "第 3 行" in body
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2027}, "请填写放假安排，或上传文件"),
        ({"year": "", "text": "2027-10-01,休,国庆节"}, "请填写年份"),
        ({"year": 2100, "text": "2100-10-01,休,国庆节"}, ""),
        (
            {"year": 2027, "text": "2027-10-01,休,国庆节", "file": SimpleUploadedFile("a.csv", b"2027-10-02,x")},
            "二者选其一",
        ),
        ({"year": 2027, "file": SimpleUploadedFile("a.xlsx", b"2027-10-01,x")}, "只能上传 .csv 或 .txt 文件"),
        ({"year": 2027, "file": SimpleUploadedFile("a.csv", b"#" * (100 * 1024 + 1))}, "文件不能超过 100 KB"),
        ({"year": 2027, "file": SimpleUploadedFile("a.txt", b"\xff\xfe\x00\xd8")}, "无法识别文件编码"),
    ],
)
def test_a_bad_form_is_refused_and_saves_nothing(as_manager, data, message):
    response = as_manager.post(reverse("calendar_import"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not response.context["form"].is_valid()
    assert not CalendarYear.objects.filter(year__in=(2027, 2100)).exists()


def test_the_calendar_admin_lists_years_read_only_with_an_import_link(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    year_2026 = CalendarYear.objects.get(year=2026)

    changelist = client.get(reverse("admin:hall_calendaryear_changelist"))
    detail = client.get(reverse("admin:hall_calendaryear_change", args=[year_2026.pk]))
    days = client.get(reverse("admin:hall_calendarday_changelist"), {"year__id__exact": year_2026.pk})

    assert changelist.status_code == detail.status_code == days.status_code == 200
    assert reverse("calendar_import") in changelist.content.decode()
    assert "2026年10月10日" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:hall_calendaryear_add")).status_code == 403
    assert days.context["cl"].result_count == CalendarDay.objects.filter(date__year=2026).count()
